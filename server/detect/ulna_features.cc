#include "server/detect/ulna_features.h"

#include <algorithm>
#include <vector>

#include "common/duration.h"

namespace ulna::server {
namespace {

bool StartsWithAny(std::string_view path, std::initializer_list<std::string_view> prefixes) {
  for (std::string_view prefix : prefixes) {
    if (path.substr(0, prefix.size()) == prefix) return true;
  }
  return false;
}

}  // namespace

const char* PathClassName(PathClass path_class) {
  switch (path_class) {
    case PathClass::kSystem:
      return "system";
    case PathClass::kHome:
      return "home";
    case PathClass::kOther:
      return "other";
    case PathClass::kTemp:
      return "temp";
    case PathClass::kHidden:
      return "hidden";
    case PathClass::kDeleted:
      return "deleted";
  }
  return "other";
}

PathClass ClassifyExecutable(std::string_view path) {
  constexpr std::string_view kDeleted = " (deleted)";
  if (path.size() >= kDeleted.size() && path.substr(path.size() - kDeleted.size()) == kDeleted) {
    return PathClass::kDeleted;
  }
  // A directory whose name starts with '.' hides from a plain `ls`; the file name may not.
  const size_t last_slash = path.rfind('/');
  const std::string_view directory =
      last_slash == std::string_view::npos ? std::string_view() : path.substr(0, last_slash);
  // Only a '.' that starts a component (at the start or after a '/') can make it hidden.
  for (size_t dot = directory.find('.'); dot != std::string_view::npos;
       dot = directory.find('.', dot + 1)) {
    if (dot != 0 && directory[dot - 1] != '/') continue;
    size_t end = directory.find('/', dot);
    if (end == std::string_view::npos) end = directory.size();
    const std::string_view component = directory.substr(dot, end - dot);
    if (component.size() > 1 && component != "..") return PathClass::kHidden;
  }
  if (StartsWithAny(path, {"/tmp/", "/var/tmp/", "/dev/shm/", "/run/user/", "/var/run/user/"})) {
    return PathClass::kTemp;
  }
  if (StartsWithAny(path,
                    {"/usr/", "/bin/", "/sbin/", "/lib/", "/lib64/", "/opt/", "/snap/", "/nix/"})) {
    return PathClass::kSystem;
  }
  if (StartsWithAny(path, {"/home/", "/root/"})) return PathClass::kHome;
  return PathClass::kOther;
}

std::string BehaviourKey(const NetworkEvent& event) {
  std::string key = event.transport == Transport::kUdp      ? "udp/"
                    : event.direction == Direction::kEgress ? "out/"
                                                            : "in/";
  const uint16_t port = event.service_port();
  key += port >= kFirstEphemeralPort ? std::string("eph") : std::to_string(port);
  key += '/';
  key += DestinationClass(event.remote_ip());
  return key;
}

bool IsOutboundBehaviour(std::string_view key) { return key.substr(0, 3) != "in/"; }

bool IsExternalBehaviour(std::string_view key) {
  constexpr std::string_view kExternal = "/external";
  return key.size() >= kExternal.size() && key.substr(key.size() - kExternal.size()) == kExternal;
}

ActivityFeatures ExtractFeatures(const ProcessActivity& activity) {
  ActivityFeatures f;
  const ProcessInfo& p = activity.first().process;
  f.name = activity.process_name;
  f.executable = p.executable;
  f.path_class = ClassifyExecutable(p.executable);
  f.user = p.user_name.empty() ? "uid:" + std::to_string(p.uid) : p.user_name;
  f.parent_name = p.parent_name;
  f.parent_is_init = p.ppid == 1;
  f.ingress_only = true;
  // Events of a group mostly repeat a few behaviours: the key (a string) is built once for each
  // distinct (kind, port, destination class), which is all BehaviourKey depends on.
  struct Seen {
    bool udp;
    bool egress;
    bool ephemeral;
    uint16_t port;  // 0 when ephemeral
    const char* destination_class;
    bool operator==(const Seen&) const = default;
  };
  std::vector<Seen> seen;
  const NetworkEvent* previous = nullptr;
  for (const NetworkEvent* event : activity.events) {
    // Neighbours mostly repeat a connection: the same kind, port and remote address is the same
    // behaviour, found without classifying the address again.
    if (previous != nullptr && event->transport == previous->transport &&
        event->direction == previous->direction &&
        event->service_port() == previous->service_port() &&
        event->remote_ip() == previous->remote_ip()) {
      continue;
    }
    previous = event;
    const uint16_t port = event->service_port();
    const bool ephemeral = port >= kFirstEphemeralPort;
    const Seen behaviour{event->transport == Transport::kUdp,
                         event->direction == Direction::kEgress, ephemeral,
                         ephemeral ? uint16_t{0} : port, DestinationClass(event->remote_ip())};
    if (std::find(seen.begin(), seen.end(), behaviour) != seen.end()) continue;
    seen.push_back(behaviour);
    std::string key = BehaviourKey(*event);
    if (IsOutboundBehaviour(key)) {
      f.ingress_only = false;
      if (IsExternalBehaviour(key)) f.outbound_external = true;
    }
    f.behaviours.insert(std::move(key));
  }
  return f;
}

int64_t UtcDayStart(int64_t t) { return AlignDown(t, kNanosPerDay); }

// 1970-01-01 was a Thursday (weekday 4 with Sunday = 0).
int UtcWeekday(int64_t t) { return static_cast<int>((UtcDayStart(t) / kNanosPerDay + 4) % 7); }

int UtcDayOfMonth(int64_t t) {
  // Civil-from-days (H. Hinnant's algorithm), reduced to the day of the month.
  const int64_t z = UtcDayStart(t) / kNanosPerDay + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  return static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
}

std::string LaunchContextKey(std::string_view user, std::string_view parent_name) {
  std::string key(user);
  key += kLaunchContextSeparator;
  key += parent_name;
  return key;
}

}  // namespace ulna::server
