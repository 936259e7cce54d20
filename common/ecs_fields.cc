#include "common/ecs_fields.h"

#include <cstring>

namespace ulna::ecs {
namespace {

Target S(Scope s) { return {Target::kScope, s, Leaf::kTimestamp}; }
Target L(Leaf l) { return {Target::kLeaf, Scope::kRoot, l}; }

// Matches a key in place, in the document's own bytes: `k` points just after the key's opening
// quote, and at least kResolveReadAhead readable bytes follow the closing quote, so fixed-size
// compares may look past it. A component matches when the name is followed by the closing quote
// (the whole key) or by '.' (a dotted path continues).
class KeyMatcher {
 public:
  explicit KeyMatcher(const char* k) : k_(k) {}
  template <size_t N>
  bool Try(const char (&name)[N], Target target) {
    static_assert(N <= kResolveReadAhead);
    if (std::memcmp(k_, name, N - 1) != 0 || (k_[N - 1] != '"' && k_[N - 1] != '.')) return false;
    target_ = target;
    length_ = N - 1;
    return true;
  }
  const char* key() const { return k_; }
  Target target() const { return target_; }
  // Moves to the next component of a dotted key; false when the key ended.
  bool Descend() {
    if (k_[length_] != '.') return false;
    k_ += length_ + 1;
    return true;
  }

 private:
  const char* k_;
  Target target_;
  size_t length_ = 0;
};

// Resolves one component of the key at m.key() inside `scope`.
bool MatchOne(Scope scope, KeyMatcher& m) {
  switch (scope) {
    case Scope::kRoot:
      return m.Try("@timestamp", L(Leaf::kTimestamp)) || m.Try("event", S(Scope::kEvent)) ||
             m.Try("host", S(Scope::kHost)) || m.Try("process", S(Scope::kProcess)) ||
             m.Try("user", S(Scope::kUser)) || m.Try("source", S(Scope::kSource)) ||
             m.Try("destination", S(Scope::kDestination)) || m.Try("network", S(Scope::kNetwork)) ||
             m.Try("group", S(Scope::kGroup)) || m.Try("container", S(Scope::kContainer)) ||
             m.Try("ulna", S(Scope::kUlna));
    case Scope::kEvent:
      return m.Try("category", L(Leaf::kCategory)) || m.Try("type", L(Leaf::kType)) ||
             m.Try("action", L(Leaf::kAction));
    case Scope::kHost:
      return m.Try("name", L(Leaf::kHostName)) || m.Try("id", L(Leaf::kHostId));
    case Scope::kProcess:
      return m.Try("pid", L(Leaf::kPid)) || m.Try("name", L(Leaf::kName)) ||
             m.Try("executable", L(Leaf::kExecutable)) || m.Try("args", L(Leaf::kArgs)) ||
             m.Try("working_directory", L(Leaf::kWorkingDirectory)) ||
             m.Try("entity_id", L(Leaf::kEntityId)) || m.Try("parent", S(Scope::kParent)) ||
             m.Try("start", L(Leaf::kStart));
    case Scope::kParent:
      return m.Try("pid", L(Leaf::kParentPid)) || m.Try("name", L(Leaf::kParentName)) ||
             m.Try("executable", L(Leaf::kParentExecutable));
    case Scope::kUser:
      return m.Try("name", L(Leaf::kUserName)) || m.Try("id", L(Leaf::kUserId));
    case Scope::kGroup:
      return m.Try("id", L(Leaf::kGroupId));
    case Scope::kSource:
      return m.Try("ip", L(Leaf::kSourceIp)) || m.Try("port", L(Leaf::kSourcePort));
    case Scope::kDestination:
      return m.Try("ip", L(Leaf::kDestinationIp)) || m.Try("port", L(Leaf::kDestinationPort));
    case Scope::kNetwork:
      return m.Try("transport", L(Leaf::kTransport)) || m.Try("direction", L(Leaf::kDirection));
    case Scope::kContainer:
      return m.Try("id", L(Leaf::kContainerId));
    case Scope::kUlna:
      return m.Try("netns", L(Leaf::kNetns)) || m.Try("cgroup_id", L(Leaf::kCgroupId)) ||
             m.Try("repeat_count", L(Leaf::kRepeatCount));
  }
  return false;
}

// Dotted-quad IPv4 as inet_pton accepts it (no leading zeros); nullopt for anything else,
// which then goes to the general parser. Most addresses are IPv4, and this is 10x faster.
std::optional<IpAddress> ParseIpv4(std::string_view s) {
  const char* p = s.data();
  const char* const end = p + s.size();
  const auto digit = [&p, end](uint32_t* d) {
    if (p == end) return false;
    *d = static_cast<uint32_t>(static_cast<unsigned char>(*p)) - '0';
    return *d <= 9;
  };
  uint32_t address = 0;
  for (int octet = 0; octet < 4; ++octet) {
    if (octet > 0) {
      if (p == end || *p != '.') return std::nullopt;
      ++p;
    }
    // One to three digits, unrolled: the loop's per-byte checks were most of the parse.
    uint32_t v = 0;
    uint32_t d = 0;
    if (!digit(&v)) return std::nullopt;
    ++p;
    if (digit(&d)) {
      if (v == 0) return std::nullopt;  // a leading zero
      v = v * 10 + d;
      ++p;
      if (digit(&d)) {
        v = v * 10 + d;
        ++p;
        if (v > 255) return std::nullopt;
      }
    }
    address = address << 8 | v;
  }
  if (p != end) return std::nullopt;
  return IpAddress::FromV4(address);
}

}  // namespace

Target Resolve(Scope scope, const char* raw_key) {
  KeyMatcher m(raw_key);
  while (true) {
    if (!MatchOne(scope, m)) return {};
    const Target t = m.target();
    if (!m.Descend()) return t;
    if (t.kind != Target::kScope) return {};
    scope = t.scope;
  }
}

std::optional<IpAddress> ParseIpField(std::string_view text) {
  auto ip = ParseIpv4(text);
  if (!ip) ip = IpAddress::Parse(text);
  return ip;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

void ResetEvent(NetworkEvent* e) {
  e->time_ns = 0;
  e->direction = Direction::kEgress;
  e->transport = Transport::kTcp;
  e->source_ip = IpAddress();
  e->source_port = 0;
  e->destination_ip = IpAddress();
  e->destination_port = 0;
  e->netns_inode = 0;
  e->cgroup_id = 0;
  e->repeat_count = 0;
  e->host.id.clear();
  e->host.name.clear();
  ProcessInfo& p = e->process;
  p.pid = p.ppid = p.uid = p.gid = 0;
  p.start_time_ns = 0;
  p.name.clear();
  p.executable.clear();
  // p.args is left alone: a parse overwrites its strings in place (SpareArgs::Set), and
  // FinishEvent trims it to the new count (DocumentState::args_count).
  p.working_directory.clear();
  p.user_name.clear();
  p.parent_name.clear();
  p.parent_executable.clear();
  p.container_id.clear();
  p.entity_id.clear();
}

bool FinishEvent(DocumentState& state, SpareArgs& spare, NetworkEvent* event, ParseError* error) {
  spare.Trim(event->process.args, state.args_count);
  auto reject = [error](RejectReason reason, std::string detail) {
    error->reason = reason;
    error->detail = std::move(detail);
    return false;
  };
  if (state.has_gate_error)
    return reject(state.gate_error.reason, std::move(state.gate_error.detail));
  if (state.category == Presence::kAbsent) {
    return reject(RejectReason::kMissingField, "event.category");
  }
  if (state.category == Presence::kWithout) {
    return reject(RejectReason::kNotNetworkEvent, "event.category does not contain \"network\"");
  }
  if (state.type == Presence::kAbsent) return reject(RejectReason::kMissingField, "event.type");
  if (state.type == Presence::kWithout) {
    return reject(RejectReason::kNotNetworkEvent, "event.type does not contain \"start\"");
  }
  if (state.action == Action::kOther) {
    return reject(RejectReason::kNotNetworkEvent,
                  "event.action \"" + state.other_action + "\" is not a connection start");
  }
  const Action direction = state.action != Action::kNone ? state.action : state.direction_hint;
  if (direction == Action::kNone) {
    return reject(RejectReason::kMissingField, "event.action (or network.direction)");
  }
  event->direction = direction == Action::kIngress ? Direction::kIngress : Direction::kEgress;
  if (state.has_field_error) {
    return reject(state.field_error.reason, std::move(state.field_error.detail));
  }
  if (!state.have_time) return reject(RejectReason::kMissingField, "@timestamp");
  if (!state.have_transport) return reject(RejectReason::kMissingField, "network.transport");
  if (event->process.name.empty()) return reject(RejectReason::kMissingField, "process.name");
  if (event->host.id.empty() && event->host.name.empty()) {
    return reject(RejectReason::kMissingField, "host.name (or host.id)");
  }
  if (event->host.id.empty()) event->host.id = event->host.name;
  if (event->host.name.empty()) event->host.name = event->host.id;
  if (event->direction == Direction::kEgress && !state.have_destination_ip) {
    return reject(RejectReason::kMissingField, "destination.ip");
  }
  if (event->direction == Direction::kIngress && !state.have_source_ip) {
    return reject(RejectReason::kMissingField, "source.ip");
  }
  return true;
}

void NoteAction(std::string_view value, DocumentState* state) {
  if (value == "connection_attempted" || value == "connected-to") {
    state->action = Action::kEgress;
  } else if (value == "connection_accepted") {
    state->action = Action::kIngress;
  } else {
    state->action = Action::kOther;
    state->other_action.assign(value.substr(0, 64));
  }
}

void NoteDirection(std::string_view value, DocumentState* state) {
  // "internal", "unknown"... leave the decision to event.action.
  if (value == "egress" || value == "outbound") state->direction_hint = Action::kEgress;
  if (value == "ingress" || value == "inbound") state->direction_hint = Action::kIngress;
}

void NoteInvalidIp(Leaf leaf, std::string_view text, DocumentState* state) {
  if (state->has_field_error) return;
  state->has_field_error = true;
  state->field_error.reason = RejectReason::kInvalidValue;
  std::string& detail = state->field_error.detail;
  detail.assign(kLeafNames[static_cast<int>(leaf)]);
  detail.append(" \"").append(text.substr(0, 64)).append("\" is not an IP address");
}

bool NoteTransport(std::string_view value, DocumentState* state, NetworkEvent* event) {
  state->have_transport = true;
  if (EqualsIgnoreCase(value, "tcp")) {
    event->transport = Transport::kTcp;
  } else if (EqualsIgnoreCase(value, "udp")) {
    event->transport = Transport::kUdp;
  } else {
    return false;
  }
  return true;
}

}  // namespace ulna::ecs
