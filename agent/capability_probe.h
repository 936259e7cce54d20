// Capability probe: decides, on the running kernel, which hook set the agent can use and says
// why, before anything is loaded. Mounts tracefs and bpffs when absent (a fresh container or a
// minimal host often has neither). Fails with a clear Status where eBPF is not allowed at all.
// Not thread-safe (mounts); call once at start.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace ulna::agent {

struct HookPlan {
  // TCP connects (sock:inet_sock_set_state) are always part of a plan; the rest may be missing.
  bool tcp_accept = false;  // syscalls:sys_exit_accept{,4}
  bool udp = false;         // cgroup_sock_addr hooks on cgroup2_path
  std::string cgroup2_path;
  std::string name;                // e.g. "tracepoint+cgroup_sock_addr"
  std::vector<std::string> notes;  // one line per decision, saying why
};

struct ProbeOptions {
  std::string tracefs_path = "/sys/kernel/tracing";
  std::string bpffs_path = "/sys/fs/bpf";
  std::string btf_path = "/sys/kernel/btf/vmlinux";
  bool want_udp = true;
};

Result<HookPlan> ProbeCapabilities(const ProbeOptions& options);

// The mount point of the cgroup v2 hierarchy from /proc/self/mountinfo text; "" when none.
std::string FindCgroup2Mount(const std::string& mountinfo);

}  // namespace ulna::agent
