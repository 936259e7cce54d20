#include "server/detect/ulna_features.h"

#include <algorithm>
#include <charconv>
#include <functional>
#include <unordered_map>
#include <vector>

#include "common/duration.h"
#include "common/hash_index.h"

namespace ulna::server {
namespace {

bool StartsWithAny(std::string_view path, std::initializer_list<std::string_view> prefixes) {
  for (std::string_view prefix : prefixes) {
    if (path.substr(0, prefix.size()) == prefix) return true;
  }
  return false;
}

// BehaviourKey of an event of this kind, service port and destination class into *key
// (replacing it, reusing its buffer).
void BehaviourKeyInto(bool udp, bool egress, uint16_t port, const char* destination_class,
                      std::string* key) {
  key->assign(udp ? "udp/" : egress ? "out/" : "in/");
  if (port >= kFirstEphemeralPort) {
    *key += "eph";
  } else {
    char digits[8];
    *key += std::string_view(digits, std::to_chars(digits, digits + sizeof(digits), port).ptr);
  }
  *key += '/';
  *key += destination_class;
}

// ClassifyExecutable, remembered for the thread: a fleet runs few distinct executables, which
// come back in every bucket, and a hash lookup costs a fraction of the prefix comparisons.
// Bounded, since an agent may report ever-new paths (a payload per run): forgotten when full.
PathClass CachedPathClass(std::string_view executable) {
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view path) const { return HashBytes(path); }
  };
  constexpr size_t kMaxCached = 4096;
  thread_local std::unordered_map<std::string, PathClass, Hash, std::equal_to<>> classes;
  const auto it = classes.find(executable);
  if (it != classes.end()) return it->second;
  if (classes.size() >= kMaxCached) classes.clear();
  const PathClass path_class = ClassifyExecutable(executable);
  classes.emplace(executable, path_class);
  return path_class;
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
  std::string key;
  BehaviourKeyInto(event.transport == Transport::kUdp, event.direction == Direction::kEgress,
                   event.service_port(), DestinationClass(event.remote_ip()), &key);
  return key;
}

bool IsOutboundBehaviour(std::string_view key) { return key.substr(0, 3) != "in/"; }

bool IsExternalBehaviour(std::string_view key) {
  constexpr std::string_view kExternal = "/external";
  return key.size() >= kExternal.size() && key.substr(key.size() - kExternal.size()) == kExternal;
}

void ExtractFeatures(const ProcessActivity& activity, ActivityFeatures* features,
                     const ActivityFeatures* earlier) {
  // Strings are assigned, not rebuilt, so that a reused *features mostly keeps its buffers.
  ActivityFeatures& f = *features;
  const ProcessInfo& p = activity.first().process;
  f.name = activity.process_name;
  f.executable = p.executable;
  f.path_class = earlier != nullptr && earlier->executable == std::string_view(p.executable)
                     ? earlier->path_class
                     : CachedPathClass(p.executable);
  if (p.user_name.empty()) {
    f.user = "uid:";
    f.user += std::to_string(p.uid);
  } else {
    f.user = p.user_name;
  }
  f.parent_name = p.parent_name;
  f.parent_is_init = p.ppid == 1;
  f.outbound_external = false;
  f.ingress_only = true;
  // Events of a group mostly repeat a few behaviours, and the fleet's groups a few hundred: a
  // key depends only on (kind, port, destination class), so each distinct one is built once for
  // the thread and then copied (no digits formatted per group). The cache holds one string per
  // distinct behaviour, as many as the baselines' behaviour entries.
  struct Seen {
    bool udp;
    bool egress;  // false for UDP, whose keys have no direction
    bool ephemeral;
    uint16_t port;  // 0 when ephemeral
    const char* destination_class;
    bool operator==(const Seen&) const = default;
  };
  struct SeenHash {
    size_t operator()(const Seen& s) const {
      return std::hash<const void*>{}(s.destination_class) ^
             (size_t{s.port} << 3 | size_t{s.ephemeral} << 2 | size_t{s.udp} << 1 |
              size_t{s.egress}) *
                 0x9e3779b97f4a7c15;
    }
  };
  struct Key {
    std::string text;
    bool outbound;
    bool external;
  };
  thread_local std::unordered_map<Seen, Key, SeenHash> keys;
  // This group's distinct behaviours (few: searched in order), and their keys.
  thread_local std::vector<Seen> seen;
  thread_local std::vector<const Key*> found;
  seen.clear();
  found.clear();
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
    const bool udp = event->transport == Transport::kUdp;
    const bool ephemeral = port >= kFirstEphemeralPort;
    const Seen behaviour{udp, !udp && event->direction == Direction::kEgress, ephemeral,
                         ephemeral ? uint16_t{0} : port, DestinationClass(event->remote_ip())};
    if (std::find(seen.begin(), seen.end(), behaviour) != seen.end()) continue;
    seen.push_back(behaviour);
    const auto [key_it, inserted] = keys.try_emplace(behaviour);
    Key& key = key_it->second;
    if (inserted) {
      BehaviourKeyInto(behaviour.udp, behaviour.egress, port, behaviour.destination_class,
                       &key.text);
      key.outbound = IsOutboundBehaviour(key.text);
      key.external = IsExternalBehaviour(key.text);
    }
    found.push_back(&key);  // distinct Seen make distinct keys
    if (key.outbound) {
      f.ingress_only = false;
      if (key.external) f.outbound_external = true;
    }
  }
  if (found.size() > 1) {  // most groups do one thing: no call into the sort for them
    std::sort(found.begin(), found.end(),
              [](const Key* a, const Key* b) { return a->text < b->text; });
  }
  f.behaviours.resize(found.size());
  for (size_t i = 0; i < found.size(); ++i) f.behaviours[i] = found[i]->text;
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
