#include "agent/capability_probe.h"

#include <bpf/libbpf.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "agent/proc_fs.h"

namespace ulna::agent {
namespace {

bool Exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

bool IsMountOf(const std::string& path, long magic) {
  struct statfs fs {};
  return ::statfs(path.c_str(), &fs) == 0 && fs.f_type == magic;
}

Status EnsureMounted(const std::string& path, const char* fstype, long magic,
                     std::vector<std::string>* notes) {
  if (IsMountOf(path, magic)) return Status::Ok();
  ::mkdir(path.c_str(), 0700);  // exists on most hosts; a failure shows up in mount() below
  if (::mount(fstype, path.c_str(), fstype, 0, nullptr) != 0) {
    return Status::FailedPrecondition(std::string("cannot mount ") + fstype + " at " + path + ": " +
                                      std::strerror(errno));
  }
  notes->push_back(std::string("mounted ") + fstype + " at " + path + " (it was absent)");
  return Status::Ok();
}

// libbpf 1.1 reads tracepoint ids from /sys/kernel/debug/tracing when that path exists, else
// from /sys/kernel/tracing; check the events the way it will find them.
std::string EventsDir(const std::string& tracefs_path) {
  if (Exists("/sys/kernel/debug/tracing/events")) return "/sys/kernel/debug/tracing/events";
  return tracefs_path + "/events";
}

}  // namespace

std::string FindCgroup2Mount(const std::string& mountinfo) {
  size_t pos = 0;
  while (pos < mountinfo.size()) {
    size_t nl = mountinfo.find('\n', pos);
    std::string line =
        mountinfo.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? mountinfo.size() : nl + 1;
    // "id parent major:minor root mountpoint options ... - fstype source superoptions"
    size_t dash = line.find(" - ");
    if (dash == std::string::npos || line.compare(dash + 3, 8, "cgroup2 ") != 0) continue;
    size_t f1 = line.find(' ');
    size_t f2 = line.find(' ', f1 + 1);
    size_t f3 = line.find(' ', f2 + 1);
    size_t f4 = line.find(' ', f3 + 1);
    size_t f5 = line.find(' ', f4 + 1);
    if (f5 == std::string::npos) continue;
    if (line.substr(f3 + 1, f4 - f3 - 1) != "/") continue;  // a bind mount of a sub-cgroup
    return line.substr(f4 + 1, f5 - f4 - 1);
  }
  return "";
}

Result<HookPlan> ProbeCapabilities(const ProbeOptions& options) {
  HookPlan plan;
  if (!Exists(options.btf_path)) {
    return Status::FailedPrecondition("kernel has no BTF at " + options.btf_path +
                                      "; the CO-RE programs cannot be relocated (needs "
                                      "CONFIG_DEBUG_INFO_BTF=y)");
  }
  int tp = libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_TRACEPOINT, nullptr);
  if (tp <= 0) {
    int err = tp < 0 ? -tp : 0;
    std::string why = err != 0 ? std::strerror(err) : "a test program was refused";
    if (err == EPERM || err == EACCES || geteuid() != 0) {
      return Status::PermissionDenied(
          "eBPF is not allowed for this process (" + why +
          "): run ulna-agent as root, or with CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN and "
          "CAP_SYS_ADMIN; a container needs those capabilities and no seccomp filter on bpf(2)");
    }
    return Status::FailedPrecondition("kernel refuses tracepoint BPF programs (" + why +
                                      "): needs CONFIG_BPF_SYSCALL and CONFIG_BPF_EVENTS");
  }
  ULNA_RETURN_IF_ERROR(EnsureMounted(options.tracefs_path, "tracefs", TRACEFS_MAGIC, &plan.notes));
  if (Status s = EnsureMounted(options.bpffs_path, "bpf", BPF_FS_MAGIC, &plan.notes); !s.ok()) {
    plan.notes.push_back("bpffs unavailable (" + s.message() + "); not needed: nothing is pinned");
  }

  std::string events = EventsDir(options.tracefs_path);
  for (const char* required : {"sock/inet_sock_set_state", "sched/sched_process_exec",
                               "sched/sched_process_exit", "task/task_newtask"}) {
    if (!Exists(events + "/" + required)) {
      return Status::FailedPrecondition(std::string("tracepoint ") + required +
                                        " not found under " + events);
    }
  }
  plan.notes.push_back(
      "tcp connect: tracepoint sock:inet_sock_set_state (CLOSE->SYN_SENT runs in the caller)");
  plan.tcp_accept =
      Exists(events + "/syscalls/sys_exit_accept4") && Exists(events + "/syscalls/sys_exit_accept");
  plan.notes.push_back(
      plan.tcp_accept ? "tcp accept: tracepoints syscalls:sys_exit_accept{,4} + fd->socket walk"
                      : "tcp accept: UNAVAILABLE (no syscall tracepoints: "
                        "CONFIG_FTRACE_SYSCALLS is off); accepts will not be seen");

  if (options.want_udp) {
    Result<std::string> mountinfo = ReadSmallFile("/proc/self/mountinfo");
    plan.cgroup2_path = mountinfo.ok() ? FindCgroup2Mount(*mountinfo) : "";
    int sa = libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_CGROUP_SOCK_ADDR, nullptr);
    if (plan.cgroup2_path.empty()) {
      plan.notes.push_back("udp: UNAVAILABLE (no cgroup v2 hierarchy mounted)");
    } else if (sa <= 0) {
      plan.notes.push_back("udp: UNAVAILABLE (kernel refuses cgroup_sock_addr programs)");
    } else {
      plan.udp = true;
      plan.notes.push_back(
          "udp: cgroup_sock_addr connect/sendmsg/recvmsg hooks on the cgroup v2 "
          "root " +
          plan.cgroup2_path);
    }
  } else {
    plan.notes.push_back("udp: disabled by flag");
  }

  // Faster attach points are probed so the log says what this kernel offers; the tracepoint set
  // is complete on its own, so their absence costs nothing but a few percent of overhead.
  int kprobe = libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_KPROBE, nullptr);
  plan.notes.push_back(std::string("process lifecycle: tracepoints sched:sched_process_exec, "
                                   "task:task_newtask, sched:sched_process_exit; kprobe type ") +
                       (kprobe > 0 ? "loadable" : "refused") +
                       " (not used: tracepoints are stable across kernels)");
  plan.name = std::string("tracepoint") + (plan.udp ? "+cgroup_sock_addr" : "");
  return plan;
}

}  // namespace ulna::agent
