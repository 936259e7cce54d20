// SPDX-License-Identifier: GPL-2.0
/* netmon.bpf.c: ULNA's kernel side. Sees every process that uses the network — TCP connect
 * attempts, TCP accepts, the first UDP datagram per peer — plus exec/fork/exit for the agent's
 * process cache, using only tracepoints and cgroup_sock_addr hooks (no kprobes, no fentry).
 * Filters (loopback, dedup window) run here so that repeats cost a map lookup, not a record. */
// vmlinux.h must come first: it defines the types every other header uses.
// clang-format off
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
// clang-format on

#include "netmon.h"

#include "netmon_policy.h"

char LICENSE[] SEC("license") = "GPL";

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6
#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define TCP_SYN_SENT 2
#define TCP_CLOSE 7
#define CLONE_THREAD 0x00010000

/* Policy, set by the agent before load (rodata). */
const volatile __u64 dedup_window_ns = 60ULL * 1000 * 1000 * 1000;
const volatile __u8 include_loopback = 0;
/* Wake the consumer only when this many bytes wait; it also polls on a timer. Waking it for
 * every record would cost a context switch per connect. 0 wakes on every record. */
const volatile __u64 wakeup_bytes = 0;

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 4 * 1024 * 1024); /* resized by the agent */
} events SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 65536); /* resized by the agent */
  __type(key, struct netmon_dedup_key);
  __type(value, struct netmon_dedup_value);
} dedup SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, NETMON_CNT__COUNT);
  __type(key, __u32);
  __type(value, __u64);
} counters SEC(".maps");

static __always_inline void count(__u32 slot) {
  __u64 *v = bpf_map_lookup_elem(&counters, &slot);
  if (v) *v += 1; /* per-CPU slot: no atomics needed */
}

static __always_inline void set_gauge(__u32 slot, __u64 value) {
  __u64 *v = bpf_map_lookup_elem(&counters, &slot);
  if (v) *v = value;
}

static __always_inline __u64 submit_flags(void) {
  __u64 avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
  set_gauge(NETMON_CNT_RB_FILL_BYTES, avail);
  if (wakeup_bytes == 0) return 0;
  return avail >= wakeup_bytes ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

static __always_inline void fill_task(struct netmon_task *t) {
  struct task_struct *task = (struct task_struct *)bpf_get_current_task();
  __u64 id = bpf_get_current_pid_tgid();
  __u64 ug = bpf_get_current_uid_gid();
  t->tgid = id >> 32;
  t->uid = (__u32)ug;
  t->gid = ug >> 32;
  t->cgroup_id = bpf_get_current_cgroup_id();
  t->ppid = BPF_CORE_READ(task, real_parent, tgid);
  t->start_boottime_ns = BPF_CORE_READ(task, group_leader, start_boottime);
  bpf_get_current_comm(t->comm, sizeof(t->comm));
}

static __always_inline __u32 current_netns(void) {
  struct task_struct *task = (struct task_struct *)bpf_get_current_task();
  return BPF_CORE_READ(task, nsproxy, net_ns, ns.inum);
}

/* A network observation before filtering, dedup and enrichment. */
struct observation {
  __u8 transport;
  __u8 direction;
  __u8 family;
  __u8 hook;
  __u16 local_port;
  __u16 remote_port;
  __u32 netns_inode;
  __u8 local_addr[16];
  __u8 remote_addr[16];
};

/* Scratch space: an observation is too large for the 512-byte BPF stack next to the key. */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct observation);
} scratch SEC(".maps");

static __always_inline struct observation *new_observation(void) {
  __u32 zero = 0;
  struct observation *o = bpf_map_lookup_elem(&scratch, &zero);
  if (o) __builtin_memset(o, 0, sizeof(*o));
  return o;
}

/* Filters, deduplicates and submits one observation made in the context of the current task. */
static __always_inline void report(struct observation *o) {
  __u8 local_family = o->family;
  netmon_canonicalize(&o->family, o->remote_addr);
  netmon_canonicalize(&local_family, o->local_addr);
  if (!include_loopback && netmon_is_loopback(o->family, o->remote_addr)) {
    count(NETMON_CNT_FILTERED_LOOPBACK);
    return;
  }

  struct netmon_dedup_key key = {};
  struct task_struct *task = (struct task_struct *)bpf_get_current_task();
  key.start_boottime_ns = BPF_CORE_READ(task, group_leader, start_boottime);
  key.tgid = bpf_get_current_pid_tgid() >> 32;
  key.transport = o->transport;
  key.direction = o->direction;
  key.family = o->family;
  key.service_port = netmon_service_port(o->direction, o->local_port, o->remote_port);
  __builtin_memcpy(key.remote_addr, o->remote_addr, 16);

  __u64 now = bpf_ktime_get_boot_ns();
  __u32 repeats = 0;
  struct netmon_dedup_value *last = bpf_map_lookup_elem(&dedup, &key);
  if (last) {
    if (netmon_dedup_suppresses(last, now, dedup_window_ns)) {
      __sync_fetch_and_add(&last->suppressed, 1);
      count(NETMON_CNT_SUPPRESSED);
      return;
    }
    repeats = last->suppressed;
  }

  struct netmon_net_record *r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
  if (!r) {
    /* Leave the dedup entry alone so the next attempt is not hidden behind a lost record. */
    count(NETMON_CNT_NET_RB_DROPS);
    return;
  }
  struct netmon_dedup_value fresh = {.window_start_ns = now};
  if (dedup_window_ns != 0 && bpf_map_update_elem(&dedup, &key, &fresh, BPF_ANY) != 0)
    count(NETMON_CNT_DEDUP_MAP_FULL);

  r->kind = NETMON_REC_NET;
  r->transport = o->transport;
  r->direction = o->direction;
  r->family = o->family;
  r->hook = o->hook;
  r->local_port = o->local_port;
  r->remote_port = o->remote_port;
  r->netns_inode = o->netns_inode;
  r->repeat_count = repeats;
  r->time_boot_ns = now;
  __builtin_memcpy(r->local_addr, o->local_addr, 16);
  __builtin_memcpy(r->remote_addr, o->remote_addr, 16);
  fill_task(&r->task);
  count(NETMON_CNT_NET_EVENTS);
  bpf_ringbuf_submit(r, submit_flags());
}

/* ---- TCP connect: CLOSE -> SYN_SENT runs in the connecting task (also for non-blocking and
 * refused connects: the SYN is sent before any answer). ---- */
SEC("tp/sock/inet_sock_set_state")
int handle_tcp_state(struct trace_event_raw_inet_sock_set_state *ctx) {
  if (ctx->protocol != IPPROTO_TCP || ctx->oldstate != TCP_CLOSE || ctx->newstate != TCP_SYN_SENT)
    return 0;
  struct observation *o = new_observation();
  if (!o) return 0;
  o->transport = NETMON_TCP;
  o->direction = NETMON_EGRESS;
  o->hook = NETMON_HOOK_TCP_CONNECT;
  o->local_port = ctx->sport;
  o->remote_port = ctx->dport;
  if (ctx->family == AF_INET) {
    o->family = NETMON_FAMILY_V4;
    bpf_probe_read_kernel(o->local_addr, 4, ctx->saddr);
    bpf_probe_read_kernel(o->remote_addr, 4, ctx->daddr);
  } else if (ctx->family == AF_INET6) {
    o->family = NETMON_FAMILY_V6;
    bpf_probe_read_kernel(o->local_addr, 16, ctx->saddr_v6);
    bpf_probe_read_kernel(o->remote_addr, 16, ctx->daddr_v6);
  } else {
    return 0;
  }
  struct sock *sk = (struct sock *)ctx->skaddr;
  o->netns_inode = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
  report(o);
  return 0;
}

/* ---- TCP accept: the handshake completes in softirq context with no useful task, so the
 * accepting process is found where accept()/accept4() return, by walking the new fd. ---- */
struct syscall_exit_ctx {
  struct trace_entry ent;
  int syscall_nr;
  long ret;
};

static __always_inline struct sock *socket_of_fd(long fd) {
  struct task_struct *task = (struct task_struct *)bpf_get_current_task();
  struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
  unsigned int max_fds = BPF_CORE_READ(fdt, max_fds);
  if (fd < 0 || fd >= max_fds) return 0;
  struct file **fds = BPF_CORE_READ(fdt, fd);
  struct file *file = 0;
  if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]) != 0 || !file) return 0;
  struct socket *sock = BPF_CORE_READ(file, private_data);
  if (!sock) return 0;
  return BPF_CORE_READ(sock, sk);
}

static __always_inline int handle_accept_exit(long fd) {
  if (fd < 0) return 0;
  struct sock *sk = socket_of_fd(fd);
  if (!sk) {
    count(NETMON_CNT_SOCKET_READ_ERRORS);
    return 0;
  }
  if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP) return 0; /* e.g. MPTCP, unix */
  __u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
  struct observation *o = new_observation();
  if (!o) return 0;
  o->transport = NETMON_TCP;
  o->direction = NETMON_INGRESS;
  o->hook = NETMON_HOOK_TCP_ACCEPT;
  o->local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
  o->remote_port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
  if (family == AF_INET) {
    o->family = NETMON_FAMILY_V4;
    bpf_core_read(o->local_addr, 4, &sk->__sk_common.skc_rcv_saddr);
    bpf_core_read(o->remote_addr, 4, &sk->__sk_common.skc_daddr);
  } else if (family == AF_INET6) {
    o->family = NETMON_FAMILY_V6;
    bpf_core_read(o->local_addr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
    bpf_core_read(o->remote_addr, 16, &sk->__sk_common.skc_v6_daddr);
  } else {
    return 0; /* unix and other families: not network activity */
  }
  o->netns_inode = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
  report(o);
  return 0;
}

SEC("tp/syscalls/sys_exit_accept4")
int handle_accept4_exit(struct syscall_exit_ctx *ctx) { return handle_accept_exit(ctx->ret); }

SEC("tp/syscalls/sys_exit_accept")
int handle_accept_exit_tp(struct syscall_exit_ctx *ctx) { return handle_accept_exit(ctx->ret); }

/* ---- UDP: cgroup_sock_addr hooks on the cgroup v2 root run in the calling task for connect(),
 * sendto()/sendmsg() with an address, and recvfrom()/recvmsg() asking for the peer address. They
 * fire only for those calls (not for every send on the host) and always allow the call. ---- */
static __always_inline void udp_observation(struct bpf_sock_addr *ctx, __u8 direction, __u8 hook,
                                            int v6) {
  struct observation *o = new_observation();
  if (!o) return;
  o->transport = NETMON_UDP;
  o->direction = direction;
  o->hook = hook;
  o->remote_port = bpf_ntohs((__u16)ctx->user_port);
  if (direction == NETMON_EGRESS && o->remote_port == 0) {
    count(NETMON_CNT_FILTERED_PORT_ZERO);
    return;
  }
  struct bpf_sock *sk = ctx->sk;
  if (sk) o->local_port = sk->src_port;
  if (v6) {
    o->family = NETMON_FAMILY_V6;
    __u32 ip6[4];
    ip6[0] = ctx->user_ip6[0];
    ip6[1] = ctx->user_ip6[1];
    ip6[2] = ctx->user_ip6[2];
    ip6[3] = ctx->user_ip6[3];
    __builtin_memcpy(o->remote_addr, ip6, 16);
    if (sk) {
      ip6[0] = sk->src_ip6[0];
      ip6[1] = sk->src_ip6[1];
      ip6[2] = sk->src_ip6[2];
      ip6[3] = sk->src_ip6[3];
      __builtin_memcpy(o->local_addr, ip6, 16);
    }
  } else {
    o->family = NETMON_FAMILY_V4;
    __u32 ip4 = ctx->user_ip4;
    __builtin_memcpy(o->remote_addr, &ip4, 4);
    if (sk) {
      ip4 = sk->src_ip4;
      __builtin_memcpy(o->local_addr, &ip4, 4);
    }
  }
  o->netns_inode = current_netns();
  report(o);
}

SEC("cgroup/connect4")
int udp_connect4(struct bpf_sock_addr *ctx) {
  if (ctx->type == SOCK_DGRAM) udp_observation(ctx, NETMON_EGRESS, NETMON_HOOK_UDP_CONNECT, 0);
  return 1;
}

SEC("cgroup/connect6")
int udp_connect6(struct bpf_sock_addr *ctx) {
  if (ctx->type == SOCK_DGRAM) udp_observation(ctx, NETMON_EGRESS, NETMON_HOOK_UDP_CONNECT, 1);
  return 1;
}

SEC("cgroup/sendmsg4")
int udp_sendmsg4(struct bpf_sock_addr *ctx) {
  udp_observation(ctx, NETMON_EGRESS, NETMON_HOOK_UDP_SENDMSG, 0);
  return 1;
}

SEC("cgroup/sendmsg6")
int udp_sendmsg6(struct bpf_sock_addr *ctx) {
  udp_observation(ctx, NETMON_EGRESS, NETMON_HOOK_UDP_SENDMSG, 1);
  return 1;
}

SEC("cgroup/recvmsg4")
int udp_recvmsg4(struct bpf_sock_addr *ctx) {
  udp_observation(ctx, NETMON_INGRESS, NETMON_HOOK_UDP_RECVMSG, 0);
  return 1;
}

SEC("cgroup/recvmsg6")
int udp_recvmsg6(struct bpf_sock_addr *ctx) {
  udp_observation(ctx, NETMON_INGRESS, NETMON_HOOK_UDP_RECVMSG, 1);
  return 1;
}

/* ---- Process lifecycle, for the agent's process cache. ---- */
/* Path walk (working directory, executable): from a dentry up to the root, crossing mount
 * points, each component written NUL-terminated (leaf first). Done with bpf_loop so the verifier
 * checks one step instead of every path through an unrolled loop. Each walk has its own slot of
 * the scratch map, so the two walks of one exec do not overwrite each other. */
enum { PATH_SLOT_CWD = 0, PATH_SLOT_EXE = 1, PATH_SLOTS };

struct path_walk {
  struct dentry *dentry;
  struct mount *mnt;
  __u32 off;
  __u32 reached_root;
  __u32 slot;
};

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, PATH_SLOTS);
  __type(key, __u32);
  __type(value, char[NETMON_CWD_LEN]);
} path_scratch SEC(".maps");

static long path_step(__u32 index, struct path_walk *w) {
  __u32 slot = w->slot;
  char *buf = bpf_map_lookup_elem(&path_scratch, &slot);
  if (!buf) return 1;
  struct dentry *dentry = w->dentry;
  struct mount *mnt = w->mnt;
  struct dentry *parent = BPF_CORE_READ(dentry, d_parent);
  struct dentry *mnt_root = BPF_CORE_READ(mnt, mnt.mnt_root);
  if (dentry == mnt_root || dentry == parent) {
    struct mount *mnt_parent = BPF_CORE_READ(mnt, mnt_parent);
    if (dentry != mnt_root || mnt == mnt_parent) {
      w->reached_root = 1;
      return 1;
    }
    w->dentry = BPF_CORE_READ(mnt, mnt_mountpoint); /* cross into the parent mount */
    w->mnt = mnt_parent;
    return 0;
  }
  __u32 off = w->off;
  if (off >= NETMON_CWD_LEN / 2) return 1; /* too long: give up, user space uses /proc */
  const unsigned char *name = BPF_CORE_READ(dentry, d_name.name);
  long n =
      bpf_probe_read_kernel_str(buf + (off & (NETMON_CWD_LEN / 2 - 1)), NETMON_CWD_LEN / 2, name);
  if (n <= 0) return 1;
  w->off = off + n;
  w->dentry = parent;
  return 0;
}

/* Walks `dentry` on `vfsmnt` into `out` (NETMON_CWD_LEN bytes), sets *len to the bytes written;
 * returns 1 when the walk reached the root. */
static __always_inline __u8 read_path(struct dentry *dentry, struct vfsmount *vfsmnt, __u32 slot,
                                      char *out, __u16 *len) {
  if (!dentry || !vfsmnt) return 0;
  struct path_walk w = {
      .dentry = dentry,
      .mnt = (struct mount *)((void *)vfsmnt - bpf_core_field_offset(struct mount, mnt)),
      .slot = slot,
  };
  bpf_loop(NETMON_CWD_MAX_DEPTH, path_step, &w, 0);
  if (!w.reached_root || w.off > NETMON_CWD_LEN) return 0;
  char *buf = bpf_map_lookup_elem(&path_scratch, &slot);
  if (!buf) return 0;
  bpf_probe_read_kernel(out, NETMON_CWD_LEN, buf);
  *len = w.off;
  return 1;
}

SEC("tp/sched/sched_process_exec")
int handle_exec(struct trace_event_raw_sched_process_exec *ctx) {
  struct netmon_exec_record *r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
  if (!r) {
    count(NETMON_CNT_PROC_RB_DROPS);
    return 0;
  }
  r->kind = NETMON_REC_EXEC;
  r->time_boot_ns = bpf_ktime_get_boot_ns();
  fill_task(&r->task);
  unsigned int off = ctx->__data_loc_filename & 0xFFFF;
  long n = bpf_probe_read_kernel_str(r->filename, sizeof(r->filename), (void *)ctx + off);
  r->filename_len = n > 0 ? n - 1 : 0;
  struct task_struct *task = (struct task_struct *)bpf_get_current_task();
  unsigned long arg_start = BPF_CORE_READ(task, mm, arg_start);
  unsigned long arg_end = BPF_CORE_READ(task, mm, arg_end);
  unsigned long len = arg_end > arg_start ? arg_end - arg_start : 0;
  if (len > NETMON_ARGS_LEN) len = NETMON_ARGS_LEN;
  r->args_len = 0;
  if (len > 0 && bpf_probe_read_user(r->args, len, (void *)arg_start) == 0) r->args_len = len;
  struct fs_struct *fs = BPF_CORE_READ(task, fs);
  r->cwd_len = 0;
  r->cwd_known = read_path(BPF_CORE_READ(fs, pwd.dentry), BPF_CORE_READ(fs, pwd.mnt), PATH_SLOT_CWD,
                           r->cwd, &r->cwd_len);
  /* The new image is already mapped: mm->exe_file is the file execve() opened, after symlinks. */
  struct file *exe = BPF_CORE_READ(task, mm, exe_file);
  r->exe_len = 0;
  r->exe_known = read_path(BPF_CORE_READ(exe, f_path.dentry), BPF_CORE_READ(exe, f_path.mnt),
                           PATH_SLOT_EXE, r->exe, &r->exe_len);
  count(NETMON_CNT_PROC_EVENTS);
  bpf_ringbuf_submit(r, submit_flags());
  return 0;
}

/* task:task_newtask rather than sched:sched_process_fork: it carries the clone flags, so thread
 * creation (CLONE_THREAD), which is not a new process, is dropped here at no cost. */
SEC("tp/task/task_newtask")
int handle_newtask(struct trace_event_raw_task_newtask *ctx) {
  if (ctx->clone_flags & CLONE_THREAD) return 0;
  struct netmon_fork_record *r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
  if (!r) {
    count(NETMON_CNT_PROC_RB_DROPS);
    return 0;
  }
  r->kind = NETMON_REC_FORK;
  r->child_tgid = ctx->pid;
  r->time_boot_ns = bpf_ktime_get_boot_ns();
  fill_task(&r->parent);
  count(NETMON_CNT_PROC_EVENTS);
  bpf_ringbuf_submit(r, submit_flags());
  return 0;
}

SEC("tp/sched/sched_process_exit")
int handle_exit(void *ctx) {
  __u64 id = bpf_get_current_pid_tgid();
  if ((__u32)id != (__u32)(id >> 32)) return 0; /* a thread, not the process */
  struct netmon_exit_record *r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
  if (!r) {
    count(NETMON_CNT_PROC_RB_DROPS);
    return 0;
  }
  r->kind = NETMON_REC_EXIT;
  r->time_boot_ns = bpf_ktime_get_boot_ns();
  fill_task(&r->task);
  count(NETMON_CNT_PROC_EVENTS);
  bpf_ringbuf_submit(r, submit_flags());
  return 0;
}
