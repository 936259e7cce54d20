#include "agent/event_builder.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <string_view>
#include <vector>

namespace ulna::agent {

KernelTask KernelTaskFromRecord(const netmon_task& task, const BootClock& clock) {
  KernelTask t;
  t.pid = task.tgid;
  t.ppid = task.ppid;
  t.start_ticks = clock.TicksFromBootNs(task.start_boottime_ns);
  t.uid = task.uid;
  t.gid = task.gid;
  t.comm.assign(task.comm, strnlen(task.comm, sizeof(task.comm)));
  return t;
}

namespace {

// A path the kernel walked, as leaf-first NUL-terminated components ("b\0a\0" is "/a/b").
std::string PathFromComponents(const char* data, size_t len, bool known) {
  if (!known) return "";
  std::string_view rest(data, len);
  std::vector<std::string_view> components;
  while (!rest.empty()) {
    size_t nul = rest.find('\0');
    components.push_back(rest.substr(0, nul));
    if (nul == std::string_view::npos) break;
    rest.remove_prefix(nul + 1);
  }
  if (components.empty()) return "/";
  std::string path;
  for (auto it = components.rbegin(); it != components.rend(); ++it) {
    path += '/';
    path += *it;
  }
  return path;
}

}  // namespace

std::string CwdFromRecord(const netmon_exec_record& r) {
  return PathFromComponents(r.cwd, std::min<size_t>(r.cwd_len, sizeof(r.cwd)), r.cwd_known);
}

std::string ExecutableFromRecord(const netmon_exec_record& r) {
  // An executable is never the root directory: an empty walk is a failed one.
  if (r.exe_len == 0) return "";
  return PathFromComponents(r.exe, std::min<size_t>(r.exe_len, sizeof(r.exe)), r.exe_known);
}

IpAddress AddressFromRecord(uint8_t family, const uint8_t bytes[16]) {
  if (family == NETMON_FAMILY_V4) {
    return IpAddress::FromV4((uint32_t{bytes[0]} << 24) | (uint32_t{bytes[1]} << 16) |
                             (uint32_t{bytes[2]} << 8) | uint32_t{bytes[3]});
  }
  std::array<uint8_t, 16> v6;
  std::memcpy(v6.data(), bytes, v6.size());
  return IpAddress::FromV6(v6);
}

NetworkEvent NetworkEventFromRecord(const netmon_net_record& r, const BootClock& clock,
                                    const HostInfo& host) {
  NetworkEvent e;
  e.time_ns = clock.EpochFromBootNs(r.time_boot_ns);
  e.direction = r.direction == NETMON_INGRESS ? Direction::kIngress : Direction::kEgress;
  e.transport = r.transport == NETMON_UDP ? Transport::kUdp : Transport::kTcp;
  IpAddress local = AddressFromRecord(r.family, r.local_addr);
  IpAddress remote = AddressFromRecord(r.family, r.remote_addr);
  if (e.direction == Direction::kEgress) {
    e.source_ip = local;
    e.source_port = r.local_port;
    e.destination_ip = remote;
    e.destination_port = r.remote_port;
  } else {
    e.source_ip = remote;
    e.source_port = r.remote_port;
    e.destination_ip = local;
    e.destination_port = r.local_port;
  }
  e.netns_inode = r.netns_inode;
  e.cgroup_id = r.task.cgroup_id;
  e.repeat_count = r.repeat_count;
  e.host = host;
  return e;
}

void FillProcess(const CachedProcess& process, const CachedProcess* parent,
                 const std::string& user_name, const BootClock& clock, NetworkEvent* event) {
  ProcessInfo& p = event->process;
  p.pid = process.pid;
  p.ppid = process.ppid;
  p.start_time_ns = process.start_ticks == 0 ? 0 : clock.EpochFromTicks(process.start_ticks);
  p.uid = process.uid;
  p.gid = process.gid;
  p.name = process.name;
  p.executable = process.executable;
  p.args.assign(process.args.begin(), process.args.end());
  p.working_directory = process.working_directory;
  p.user_name = user_name;
  if (parent != nullptr) {
    p.parent_name = parent->name;
    p.parent_executable = parent->executable;
  }
  p.container_id = process.container_id;
  // pid + start time names one process for the life of the host.
  p.entity_id = std::to_string(process.pid) + "-" + std::to_string(process.start_ticks);
}

}  // namespace ulna::agent
