// UlnaFeatures: what one process did on the network in one bucket, reduced to the features the
// ulna baselines learn and the scorer compares: identity beyond the name (executable path class,
// user, parent and whether the parent is init) and behaviour keys (direction, port class,
// destination class). Functions of a ProcessActivity; no state kept between calls.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "server/job/bucket_activity.h"

namespace ulna::server {

// Where an executable lives. Temp, hidden and deleted are where dropped payloads run from.
enum class PathClass { kSystem, kHome, kOther, kTemp, kHidden, kDeleted };
const char* PathClassName(PathClass path_class);
PathClass ClassifyExecutable(std::string_view path);
inline bool IsUnusualPath(PathClass c) {
  return c == PathClass::kTemp || c == PathClass::kHidden || c == PathClass::kDeleted;
}

// Ports from here on are the kernel's ephemeral range: they say nothing about the service.
inline constexpr uint16_t kFirstEphemeralPort = 32768;

// "out/443/external", "in/22/internal", "udp/53/internal": direction (TCP egress, TCP ingress or
// UDP either way), the service port (or "eph" for ephemeral ports) and the remote's class.
std::string BehaviourKey(const NetworkEvent& event);
// True for TCP egress and UDP keys, i.e. the process reached out.
bool IsOutboundBehaviour(std::string_view key);
bool IsExternalBehaviour(std::string_view key);

struct ActivityFeatures {
  std::string name;
  std::string executable;
  PathClass path_class = PathClass::kSystem;
  std::string user;
  std::string parent_name;
  bool parent_is_init = false;          // started by the service manager (parent pid 1)
  std::vector<std::string> behaviours;  // sorted, distinct
  bool outbound_external = false;       // reached an external address
  bool ingress_only = false;            // only accepted connections
};

// Features of the first event's process and the union of all events' behaviours, into
// *features (replacing what it held, reusing its buffers from one bucket to the next).
// `earlier`, when given, holds another activity's features (a bucket's groups of one name
// mostly share an executable): its path class is reused when the executable is the same.
void ExtractFeatures(const ProcessActivity& activity, ActivityFeatures* features,
                     const ActivityFeatures* earlier = nullptr);

// Calendar of a time (Unix epoch ns), UTC: start of its day, weekday (0 = Sunday), day of month.
int64_t UtcDayStart(int64_t time_ns);
int UtcWeekday(int64_t time_ns);
int UtcDayOfMonth(int64_t time_ns);

// Key of a launch context (user, parent name) in the per-host baselines: user, separator, parent.
std::string LaunchContextKey(std::string_view user, std::string_view parent_name);
inline constexpr char kLaunchContextSeparator = '\x1f';  // cannot appear in user or process names

}  // namespace ulna::server
