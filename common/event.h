// The network event model shared by agent and server (DESIGN.md §3): one process using the
// network once — a TCP connect attempt, a TCP accept, or the first UDP datagram to/from a peer —
// with the process record that explains who did it. Plain value types, no I/O.
#pragma once

#include <cstdint>
#include <memory_resource>
#include <string>
#include <vector>

#include "common/ip_address.h"

namespace ulna {

// A process's strings use a polymorphic allocator so that a batch of events can keep them in one
// arena: replay parses each block of lines into one (a few allocations for a block's strings
// instead of ~5 an event, all freed at once, laid out in parse order). Events made one by one
// (the agent, a decoded batch, tests) use the default heap like any string. (The host, a value
// the server takes from credentials and keeps in records and alerts, stays a plain string.)
using EventString = std::pmr::string;
using EventStrings = std::pmr::vector<EventString>;

enum class Direction : uint8_t { kEgress = 0, kIngress = 1 };
enum class Transport : uint8_t { kTcp = 0, kUdp = 1 };

const char* DirectionName(Direction d);  // "egress" / "ingress"
const char* TransportName(Transport t);  // "tcp" / "udp"

// Who used the network. Strings are bounded by the producer (see kMax* below).
struct ProcessInfo {
  ProcessInfo() = default;
  // Every string of the process allocated from `arena`, which must outlive it.
  explicit ProcessInfo(std::pmr::memory_resource* arena)
      : name(arena),
        executable(arena),
        args(arena),
        working_directory(arena),
        user_name(arena),
        parent_name(arena),
        parent_executable(arena),
        container_id(arena),
        entity_id(arena) {}

  uint32_t pid = 0;
  uint32_t ppid = 0;
  int64_t start_time_ns = 0;  // process start, Unix epoch ns (0 when unknown)
  uint32_t uid = 0;
  uint32_t gid = 0;
  EventString name;        // kernel comm, at most 15 bytes
  EventString executable;  // absolute path; may end in " (deleted)"
  EventStrings args;
  EventString working_directory;
  EventString user_name;
  EventString parent_name;
  EventString parent_executable;
  EventString container_id;  // from the cgroup path; empty on the host
  EventString entity_id;     // producer's stable process id (ECS process.entity_id), if any

  friend bool operator==(const ProcessInfo&, const ProcessInfo&) = default;
};

// Which host an event came from. On the server this is taken from the agent's credentials
// (never from the payload); replay of recorded archives takes it from the record.
struct HostInfo {
  std::string id;
  std::string name;
  friend bool operator==(const HostInfo&, const HostInfo&) = default;
};

// ECS semantics are kept: for egress `source` is the local end and `destination` the remote
// service; for ingress `source` is the remote peer and `destination` the local listening end.
struct NetworkEvent {
  NetworkEvent() = default;
  // Every string of the event allocated from `arena`, which must outlive it.
  explicit NetworkEvent(std::pmr::memory_resource* arena) : process(arena) {}

  int64_t time_ns = 0;  // Unix epoch ns
  Direction direction = Direction::kEgress;
  Transport transport = Transport::kTcp;
  IpAddress source_ip;
  uint16_t source_port = 0;
  IpAddress destination_ip;
  uint16_t destination_port = 0;
  uint32_t netns_inode = 0;   // 0 when unknown
  uint64_t cgroup_id = 0;     // 0 when unknown
  uint32_t repeat_count = 0;  // repeats the agent suppressed and folded into this event
  HostInfo host;
  ProcessInfo process;

  // The remote end: destination for egress, source for ingress.
  const IpAddress& remote_ip() const;
  // The service port: destination port for both directions (the local listening port on ingress).
  uint16_t service_port() const { return destination_port; }
  // ECS event.action: "connection_attempted" (egress) or "connection_accepted" (ingress).
  const char* action() const;

  friend bool operator==(const NetworkEvent&, const NetworkEvent&) = default;
};

// Bounds every producer enforces and every decoder checks (oversize input is rejected, not cut).
inline constexpr size_t kMaxNameBytes = 256;
inline constexpr size_t kMaxPathBytes = 4096;
inline constexpr size_t kMaxArgs = 64;
inline constexpr size_t kMaxArgBytes = 4096;
inline constexpr size_t kMaxArgsTotalBytes = 16384;

}  // namespace ulna
