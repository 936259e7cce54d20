/* netmon.h: the records netmon.bpf.c writes to its ring buffer and the maps and counters it
 * shares with the agent (agent/netmon_loader.cc). Plain C, included by both the BPF program and
 * C++; every field is fixed-size so both sides agree on the layout. No state, no functions. */
#ifndef ULNA_BPF_NETMON_H_
#define ULNA_BPF_NETMON_H_

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define NETMON_COMM_LEN 16
#define NETMON_FILENAME_LEN 256
/* Arguments, working directory and executable path copied at exec time, for processes that are gone
 * before /proc can be read. */
#define NETMON_ARGS_LEN 512
#define NETMON_CWD_LEN 512
#define NETMON_CWD_MAX_DEPTH 24

/* First byte of every ring-buffer record. */
enum netmon_record_kind {
  NETMON_REC_NET = 1,
  NETMON_REC_EXEC = 2,
  NETMON_REC_FORK = 3,
  NETMON_REC_EXIT = 4,
};

/* Values match ulna::Transport and ulna::Direction. */
enum netmon_transport { NETMON_TCP = 0, NETMON_UDP = 1 };
enum netmon_direction { NETMON_EGRESS = 0, NETMON_INGRESS = 1 };

/* Which hook saw a network event (kept in the record so tests and docs can tell them apart). */
enum netmon_hook {
  NETMON_HOOK_TCP_CONNECT = 0, /* sock:inet_sock_set_state CLOSE -> SYN_SENT */
  NETMON_HOOK_TCP_ACCEPT = 1,  /* syscalls:sys_exit_accept / sys_exit_accept4 */
  NETMON_HOOK_UDP_CONNECT = 2, /* cgroup/connect4, cgroup/connect6 on a UDP socket */
  NETMON_HOOK_UDP_SENDMSG = 3, /* cgroup/sendmsg4, cgroup/sendmsg6 */
  NETMON_HOOK_UDP_RECVMSG = 4, /* cgroup/recvmsg4, cgroup/recvmsg6 */
};

/* Address families after canonicalisation (v4-mapped IPv6 is reported as 4). */
#define NETMON_FAMILY_V4 4
#define NETMON_FAMILY_V6 6

/* The task that caused a record, as the kernel saw it at that moment. */
struct netmon_task {
  __u64 start_boottime_ns; /* thread-group leader's start, ns since boot */
  __u64 cgroup_id;         /* cgroup v2 id */
  __u32 tgid;
  __u32 ppid; /* real parent's tgid */
  __u32 uid;
  __u32 gid;
  char comm[NETMON_COMM_LEN];
};

struct netmon_net_record {
  __u8 kind; /* NETMON_REC_NET */
  __u8 transport;
  __u8 direction;
  __u8 family; /* NETMON_FAMILY_V4 / _V6; v4 addresses sit in the first 4 bytes */
  __u8 hook;
  __u8 pad[3];
  __u16 local_port;  /* host order; 0 when not yet bound */
  __u16 remote_port; /* host order */
  __u32 netns_inode;
  __u32 repeat_count; /* repeats suppressed for this key since the previous record for it */
  __u32 pad2;
  __u64 time_boot_ns;
  __u8 local_addr[16];
  __u8 remote_addr[16];
  struct netmon_task task;
};

struct netmon_exec_record {
  __u8 kind; /* NETMON_REC_EXEC */
  __u8 pad[3];
  __u16 filename_len; /* bytes in filename, without the terminating NUL */
  __u16 args_len;     /* bytes in args: NUL-separated argv, possibly cut at NETMON_ARGS_LEN */
  __u16 cwd_len;      /* bytes in cwd */
  __u8 cwd_known;     /* 1 when the walk reached the root (cwd_len 0 then means "/") */
  __u8 exe_known;     /* 1 when the executable walk reached the root */
  __u16 exe_len;      /* bytes in exe */
  __u8 pad2[2];
  __u64 time_boot_ns;
  struct netmon_task task;
  char filename[NETMON_FILENAME_LEN];
  char args[NETMON_ARGS_LEN];
  /* Working directory as NUL-terminated path components from the leaf up to the root ("b\0a\0"
   * for /a/b); the walk is bounded, so user space reverses them. Empty for "/". */
  char cwd[NETMON_CWD_LEN];
  /* The file the process now runs (mm->exe_file, what /proc/<pid>/exe names), in the same
   * leaf-first form: symlinks in the execve() path are already resolved, and a relative or
   * fexecve path is made absolute. */
  char exe[NETMON_CWD_LEN];
};

struct netmon_fork_record {
  __u8 kind; /* NETMON_REC_FORK */
  __u8 pad[3];
  __u32 child_tgid;
  __u64 time_boot_ns;
  struct netmon_task parent; /* the child starts with the parent's identity */
};

struct netmon_exit_record {
  __u8 kind; /* NETMON_REC_EXIT */
  __u8 pad[7];
  __u64 time_boot_ns;
  struct netmon_task task;
};

/* In-kernel dedup: one LRU entry per (process, transport, direction, remote address, service
 * port). The service port is the remote port for egress and the local port for ingress; a
 * client's ephemeral port carries no meaning and would defeat the dedup. */
struct netmon_dedup_key {
  __u64 start_boottime_ns;
  __u32 tgid;
  __u8 transport;
  __u8 direction;
  __u8 family;
  __u8 pad;
  __u16 service_port;
  __u16 pad2;
  __u8 remote_addr[16];
};

struct netmon_dedup_value {
  __u64 window_start_ns; /* when the last record for this key was emitted */
  __u32 suppressed;      /* repeats since then */
  __u32 pad;
};

/* Slots of the per-CPU counter array. */
enum netmon_counter {
  NETMON_CNT_NET_EVENTS = 0,     /* network records submitted */
  NETMON_CNT_SUPPRESSED,         /* repeats folded by the dedup window */
  NETMON_CNT_NET_RB_DROPS,       /* network records lost: ring buffer full */
  NETMON_CNT_PROC_RB_DROPS,      /* exec/fork/exit records lost: ring buffer full */
  NETMON_CNT_DEDUP_MAP_FULL,     /* dedup entry could not be stored (event still sent) */
  NETMON_CNT_SOCKET_READ_ERRORS, /* accepted fd whose socket could not be read */
  NETMON_CNT_FILTERED_LOOPBACK,  /* loopback peers skipped by policy */
  NETMON_CNT_FILTERED_PORT_ZERO, /* UDP connect/send to port 0 (route probes, no traffic) */
  NETMON_CNT_PROC_EVENTS,        /* exec/fork/exit records submitted */
  NETMON_CNT_RB_FILL_BYTES,      /* gauge: unconsumed ring-buffer bytes at the last submit */
  NETMON_CNT__COUNT,
};

#endif /* ULNA_BPF_NETMON_H_ */
