#include "common/ecs_codec.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <limits>
#include <vector>

#include "common/ecs_fast_scan.h"
#include "common/ecs_fields.h"
#include "common/json_writer.h"

namespace ulna {
namespace {

namespace od = simdjson::ondemand;
using ecs::Action;
using ecs::kLeafNames;
using ecs::kScopeNames;
using ecs::Leaf;
using ecs::Presence;
using ecs::Scope;
using ecs::Target;

// True when the raw key (up to its closing quote) has an escape sequence.
bool HasEscape(const char* raw_key) {
  for (const char* p = raw_key; *p != '"'; ++p) {
    if (*p == '\\') return true;
  }
  return false;
}

// One document's walk: fills the event as fields go by and remembers what the final checks
// need. Field-level problems are recorded (the first one wins) and the walk goes on, so that a
// document that is not a network event at all is reported as such, whatever else is wrong in it.
class Walker {
 public:
  Walker(NetworkEvent* event, ecs::SpareArgs& spare) : e_(event), spare_(spare) {}

  simdjson::error_code Walk(od::object object, Scope scope);
  // Turns what was seen into the verdict; false with *error filled when the line is rejected.
  bool Finish(ParseError* error);

 private:
  simdjson::error_code Visit(Leaf leaf, od::value& value);
  template <typename StringT>  // std::string (the host) or EventString (the process)
  simdjson::error_code ReadString(Leaf leaf, od::value& value, od::json_type type, size_t max,
                                  StringT* out);
  simdjson::error_code ReadInt(Leaf leaf, od::value& value, od::json_type type, int64_t max,
                               int64_t* out);
  simdjson::error_code ReadId(Leaf leaf, od::value& value, od::json_type type, uint32_t* out);
  simdjson::error_code ReadIp(Leaf leaf, od::value& value, od::json_type type, IpAddress* out,
                              bool* seen);
  simdjson::error_code ReadMarker(Leaf leaf, od::value& value, od::json_type type,
                                  std::string_view wanted, Presence* presence);
  simdjson::error_code ReadArgs(od::value& value, od::json_type type);
  simdjson::error_code ReadTimestamp(Leaf leaf, od::value& value, od::json_type type, int64_t* out,
                                     bool* ok);

  void Fail(RejectReason reason, std::string detail) {
    if (state_.has_field_error) return;
    state_.has_field_error = true;
    state_.field_error.reason = reason;
    state_.field_error.detail = std::move(detail);
  }
  void WrongType(Leaf leaf, const char* wanted) {
    Fail(RejectReason::kWrongType,
         std::string(kLeafNames[static_cast<int>(leaf)]) + " is not " + wanted);
  }
  // Wrong types in event.* decide before anything else: they say whether this is our event.
  void GateWrongType(Leaf leaf, const char* wanted) {
    if (state_.has_gate_error) return;
    state_.has_gate_error = true;
    state_.gate_error.reason = RejectReason::kWrongType;
    state_.gate_error.detail =
        std::string(kLeafNames[static_cast<int>(leaf)]) + " is not " + wanted;
  }
  void Oversize(Leaf leaf, size_t max) {
    Fail(RejectReason::kOversizeField, std::string(kLeafNames[static_cast<int>(leaf)]) +
                                           " longer than " + std::to_string(max) + " bytes");
  }
  void Invalid(Leaf leaf, std::string_view why) {
    Fail(RejectReason::kInvalidValue,
         std::string(kLeafNames[static_cast<int>(leaf)]) + " " + std::string(why));
  }

  NetworkEvent* e_;
  ecs::SpareArgs& spare_;
  ecs::DocumentState state_;
  std::string escaped_key_;
};

simdjson::error_code Walker::Walk(od::object object, Scope scope) {
  for (auto member : object) {
    od::field field;
    if (auto err = std::move(member).get(field)) return err;
    // Keys are matched in place; only a key with an escape sequence is unescaped (into a
    // padded copy, so that the same matcher applies).
    const char* raw = field.key().raw();
    Target target = ecs::Resolve(scope, raw);
    if (target.kind == Target::kUnknown && HasEscape(raw)) {
      std::string_view key;
      if (auto err = field.unescaped_key().get(key)) return err;
      escaped_key_.assign(key);
      escaped_key_.push_back('"');
      escaped_key_.append(simdjson::SIMDJSON_PADDING, '\0');
      target = ecs::Resolve(scope, escaped_key_.c_str());
    }
    if (target.kind == Target::kUnknown) continue;  // skipped without being parsed
    od::value value = field.value();
    if (target.kind == Target::kLeaf) {
      if (auto err = Visit(target.leaf, value)) return err;
      continue;
    }
    od::json_type type;
    if (auto err = value.type().get(type)) return err;
    if (type == od::json_type::null) continue;
    if (type != od::json_type::object) {
      Fail(RejectReason::kWrongType,
           std::string(kScopeNames[static_cast<int>(target.scope)]) + " is not an object");
      continue;
    }
    od::object inner;
    if (auto err = value.get_object().get(inner)) return err;
    if (auto err = Walk(inner, target.scope)) return err;
  }
  return simdjson::SUCCESS;
}

simdjson::error_code Walker::Visit(Leaf leaf, od::value& value) {
  od::json_type type;
  if (auto err = value.type().get(type)) return err;
  if (type == od::json_type::null) return simdjson::SUCCESS;  // null reads as absent
  ProcessInfo& p = e_->process;
  int64_t n = 0;
  switch (leaf) {
    case Leaf::kTimestamp:
      return ReadTimestamp(leaf, value, type, &e_->time_ns, &state_.have_time);
    case Leaf::kCategory:
      return ReadMarker(leaf, value, type, "network", &state_.category);
    case Leaf::kType:
      return ReadMarker(leaf, value, type, "start", &state_.type);
    case Leaf::kAction: {
      if (type != od::json_type::string) {
        GateWrongType(leaf, "a string");
        return simdjson::SUCCESS;
      }
      std::string_view s;
      if (auto err = value.get_string().get(s)) return err;
      ecs::NoteAction(s, &state_);
      return simdjson::SUCCESS;
    }
    case Leaf::kDirection: {
      if (type != od::json_type::string) {
        WrongType(leaf, "a string");
        return simdjson::SUCCESS;
      }
      std::string_view s;
      if (auto err = value.get_string().get(s)) return err;
      ecs::NoteDirection(s, &state_);
      return simdjson::SUCCESS;
    }
    case Leaf::kTransport: {
      if (type != od::json_type::string) {
        WrongType(leaf, "a string");
        return simdjson::SUCCESS;
      }
      std::string_view s;
      if (auto err = value.get_string().get(s)) return err;
      if (!ecs::NoteTransport(s, &state_, e_)) {
        Invalid(leaf, "\"" + std::string(s.substr(0, 32)) + "\" is neither tcp nor udp");
      }
      return simdjson::SUCCESS;
    }
    case Leaf::kHostName:
      return ReadString(leaf, value, type, kMaxNameBytes, &e_->host.name);
    case Leaf::kHostId:
      return ReadString(leaf, value, type, kMaxNameBytes, &e_->host.id);
    case Leaf::kName:
      return ReadString(leaf, value, type, kMaxNameBytes, &p.name);
    case Leaf::kExecutable:
      return ReadString(leaf, value, type, kMaxPathBytes, &p.executable);
    case Leaf::kWorkingDirectory:
      return ReadString(leaf, value, type, kMaxPathBytes, &p.working_directory);
    case Leaf::kEntityId:
      return ReadString(leaf, value, type, kMaxNameBytes, &p.entity_id);
    case Leaf::kParentName:
      return ReadString(leaf, value, type, kMaxNameBytes, &p.parent_name);
    case Leaf::kParentExecutable:
      return ReadString(leaf, value, type, kMaxPathBytes, &p.parent_executable);
    case Leaf::kUserName:
      return ReadString(leaf, value, type, kMaxNameBytes, &p.user_name);
    case Leaf::kContainerId:
      return ReadString(leaf, value, type, kMaxNameBytes, &p.container_id);
    case Leaf::kArgs:
      return ReadArgs(value, type);
    case Leaf::kStart: {
      bool ok;
      return ReadTimestamp(leaf, value, type, &p.start_time_ns, &ok);
    }
    case Leaf::kPid:
    case Leaf::kParentPid:
    case Leaf::kNetns:
    case Leaf::kRepeatCount: {
      auto err = ReadInt(leaf, value, type, std::numeric_limits<uint32_t>::max(), &n);
      const auto v = static_cast<uint32_t>(n);
      if (leaf == Leaf::kPid) p.pid = v;
      if (leaf == Leaf::kParentPid) p.ppid = v;
      if (leaf == Leaf::kNetns) e_->netns_inode = v;
      if (leaf == Leaf::kRepeatCount) e_->repeat_count = v;
      return err;
    }
    case Leaf::kCgroupId: {
      if (type != od::json_type::number) {
        WrongType(leaf, "a number");
        return simdjson::SUCCESS;
      }
      uint64_t v;
      if (value.get_uint64().get(v)) {
        Invalid(leaf, "is not an unsigned 64-bit integer");
      } else {
        e_->cgroup_id = v;
      }
      return simdjson::SUCCESS;
    }
    case Leaf::kSourcePort:
    case Leaf::kDestinationPort: {
      auto err = ReadInt(leaf, value, type, 65535, &n);
      (leaf == Leaf::kSourcePort ? e_->source_port : e_->destination_port) =
          static_cast<uint16_t>(n);
      return err;
    }
    case Leaf::kUserId:
      return ReadId(leaf, value, type, &p.uid);
    case Leaf::kGroupId:
      return ReadId(leaf, value, type, &p.gid);
    case Leaf::kSourceIp:
      return ReadIp(leaf, value, type, &e_->source_ip, &state_.have_source_ip);
    case Leaf::kDestinationIp:
      return ReadIp(leaf, value, type, &e_->destination_ip, &state_.have_destination_ip);
  }
  return simdjson::SUCCESS;
}

template <typename StringT>
simdjson::error_code Walker::ReadString(Leaf leaf, od::value& value, od::json_type type, size_t max,
                                        StringT* out) {
  if (type != od::json_type::string) {
    WrongType(leaf, "a string");
    return simdjson::SUCCESS;
  }
  std::string_view s;
  if (auto err = value.get_string().get(s)) return err;
  if (s.size() > max) {
    Oversize(leaf, max);
    return simdjson::SUCCESS;
  }
  out->assign(s);
  return simdjson::SUCCESS;
}

simdjson::error_code Walker::ReadInt(Leaf leaf, od::value& value, od::json_type type, int64_t max,
                                     int64_t* out) {
  *out = 0;
  if (type != od::json_type::number) {
    WrongType(leaf, "a number");
    return simdjson::SUCCESS;
  }
  int64_t v;
  if (value.get_int64().get(v) || v < 0 || v > max) {
    Invalid(leaf, "is not an integer in 0.." + std::to_string(max));
    return simdjson::SUCCESS;
  }
  *out = v;
  return simdjson::SUCCESS;
}

// user.id / group.id: ECS makes them strings ("33"), some producers write numbers.
simdjson::error_code Walker::ReadId(Leaf leaf, od::value& value, od::json_type type,
                                    uint32_t* out) {
  if (type == od::json_type::number) {
    int64_t v;
    auto err = ReadInt(leaf, value, type, std::numeric_limits<uint32_t>::max(), &v);
    *out = static_cast<uint32_t>(v);
    return err;
  }
  if (type != od::json_type::string) {
    WrongType(leaf, "a string or number");
    return simdjson::SUCCESS;
  }
  std::string_view s;
  if (auto err = value.get_string().get(s)) return err;
  if (s.empty()) return simdjson::SUCCESS;
  uint32_t v;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) {
    Invalid(leaf, "\"" + std::string(s.substr(0, 32)) + "\" is not a 32-bit unsigned id");
    return simdjson::SUCCESS;
  }
  *out = v;
  return simdjson::SUCCESS;
}

simdjson::error_code Walker::ReadIp(Leaf leaf, od::value& value, od::json_type type, IpAddress* out,
                                    bool* seen) {
  if (type != od::json_type::string) {
    WrongType(leaf, "a string");
    return simdjson::SUCCESS;
  }
  std::string_view s;
  if (auto err = value.get_string().get(s)) return err;
  const auto ip = ecs::ParseIpField(s);
  if (!ip) {
    ecs::NoteInvalidIp(leaf, s, &state_);
    return simdjson::SUCCESS;
  }
  *out = *ip;
  *seen = true;
  return simdjson::SUCCESS;
}

// event.category / event.type: a string or an array of strings that must contain `wanted`.
simdjson::error_code Walker::ReadMarker(Leaf leaf, od::value& value, od::json_type type,
                                        std::string_view wanted, Presence* presence) {
  std::string_view s;
  if (type == od::json_type::string) {
    if (auto err = value.get_string().get(s)) return err;
    *presence = s == wanted ? Presence::kWith : Presence::kWithout;
    return simdjson::SUCCESS;
  }
  if (type != od::json_type::array) {
    GateWrongType(leaf, "a string or an array of strings");
    return simdjson::SUCCESS;
  }
  od::array array;
  if (auto err = value.get_array().get(array)) return err;
  *presence = Presence::kWithout;
  for (auto element : array) {
    od::value item;
    if (auto err = std::move(element).get(item)) return err;
    od::json_type item_type;
    if (auto err = item.type().get(item_type)) return err;
    if (item_type != od::json_type::string) continue;  // not ours to judge; only look for `wanted`
    if (auto err = item.get_string().get(s)) return err;
    if (s == wanted) *presence = Presence::kWith;
  }
  return simdjson::SUCCESS;
}

simdjson::error_code Walker::ReadArgs(od::value& value, od::json_type type) {
  EventStrings& args = e_->process.args;
  state_.args_count = 0;
  if (type != od::json_type::array) {
    WrongType(Leaf::kArgs, "an array of strings");
    return simdjson::SUCCESS;
  }
  od::array array;
  if (auto err = value.get_array().get(array)) return err;
  size_t total = 0;
  for (auto element : array) {
    od::value item;
    if (auto err = std::move(element).get(item)) return err;
    const size_t index = state_.args_count;
    od::json_type item_type;
    if (auto err = item.type().get(item_type)) return err;
    if (item_type != od::json_type::string) {
      Fail(RejectReason::kWrongType, "process.args[" + std::to_string(index) + "] is not a string");
      continue;
    }
    std::string_view s;
    if (auto err = item.get_string().get(s)) return err;
    if (index >= kMaxArgs) {
      Fail(RejectReason::kOversizeField,
           "process.args has more than " + std::to_string(kMaxArgs) + " entries");
      continue;
    }
    if (s.size() > kMaxArgBytes) {
      Fail(RejectReason::kOversizeField, "process.args[" + std::to_string(index) +
                                             "] longer than " + std::to_string(kMaxArgBytes) +
                                             " bytes");
    }
    total += s.size();
    if (total > kMaxArgsTotalBytes) {
      Fail(RejectReason::kOversizeField,
           "process.args longer than " + std::to_string(kMaxArgsTotalBytes) + " bytes in total");
    }
    spare_.Set(args, index, s);
    ++state_.args_count;
  }
  return simdjson::SUCCESS;
}

// ISO-8601 text, or an integer taken as epoch milliseconds (Elasticsearch's epoch_millis).
simdjson::error_code Walker::ReadTimestamp(Leaf leaf, od::value& value, od::json_type type,
                                           int64_t* out, bool* ok) {
  *ok = false;
  int64_t ns;
  if (type == od::json_type::number) {
    int64_t ms;
    if (value.get_int64().get(ms) || __builtin_mul_overflow(ms, int64_t{1'000'000}, &ns)) {
      Invalid(leaf, "is not an integer count of epoch milliseconds");
      return simdjson::SUCCESS;
    }
    *out = ns;
    *ok = true;
    return simdjson::SUCCESS;
  }
  if (type != od::json_type::string) {
    WrongType(leaf, "a string");
    return simdjson::SUCCESS;
  }
  std::string_view s;
  if (auto err = value.get_string().get(s)) return err;
  if (!ParseTimestamp(s, &ns)) {
    Invalid(leaf, "\"" + std::string(s.substr(0, 40)) + "\" is not an ISO-8601 UTC time");
    return simdjson::SUCCESS;
  }
  *out = ns;
  *ok = true;
  return simdjson::SUCCESS;
}

bool Walker::Finish(ParseError* error) { return ecs::FinishEvent(state_, spare_, e_, error); }

}  // namespace

const char* RejectReasonName(RejectReason reason) {
  switch (reason) {
    case RejectReason::kMalformedJson:
      return "malformed_json";
    case RejectReason::kWrongType:
      return "wrong_type";
    case RejectReason::kMissingField:
      return "missing_field";
    case RejectReason::kOversizeField:
      return "oversize_field";
    case RejectReason::kInvalidValue:
      return "invalid_value";
    case RejectReason::kNotNetworkEvent:
      return "not_network_event";
    case RejectReason::kTimeOutOfRange:
      return "time_out_of_range";
    case RejectReason::kExcluded:
      return "excluded";
    case RejectReason::kCount:
      break;
  }
  return "unknown";
}

struct EcsEventParser::Rep {
  EcsFastScanner scanner;
  od::parser parser;
  // simdjson reads up to SIMDJSON_PADDING bytes past the end of its input, and callers may hand
  // in any string_view, so lines are parsed from this copy (about 2% of the parse time).
  std::vector<char> buffer;
  ecs::SpareArgs spare_args;  // for the simdjson path (the scanner keeps its own)
};

EcsEventParser::EcsEventParser() : rep_(std::make_unique<Rep>()) {}
EcsEventParser::~EcsEventParser() = default;

bool EcsEventParser::Parse(std::string_view line, NetworkEvent* event, ParseError* error) {
  ecs::ResetEvent(event);
  return ParseReset(line, event, error);
}

bool EcsEventParser::ParseFresh(std::string_view line, NetworkEvent* event, ParseError* error) {
  if (ParseReset(line, event, error)) return true;
  ecs::ResetEvent(event);
  return false;
}

bool EcsEventParser::ParseReset(std::string_view line, NetworkEvent* event, ParseError* error) {
  switch (rep_->scanner.Scan(line, event, error)) {
    case FastScanResult::kAccepted:
      return true;
    case FastScanResult::kRejected:
      return false;
    case FastScanResult::kNotHandled:
      break;
  }
  return ParseWithSimdjson(line, event, error);
}

bool EcsEventParser::ParseWithSimdjson(std::string_view line, NetworkEvent* event,
                                       ParseError* error) {
  ecs::ResetEvent(event);
  auto malformed = [error](std::string detail) {
    error->reason = RejectReason::kMalformedJson;
    error->detail = std::move(detail);
    return false;
  };
  std::vector<char>& buffer = rep_->buffer;
  const size_t needed = line.size() + simdjson::SIMDJSON_PADDING;
  if (buffer.size() < needed) buffer.resize(std::max(needed, 2 * buffer.size()));
  std::memcpy(buffer.data(), line.data(), line.size());
  std::memset(buffer.data() + line.size(), 0, simdjson::SIMDJSON_PADDING);

  od::document doc;
  if (auto err = rep_->parser.iterate(buffer.data(), line.size(), buffer.size()).get(doc)) {
    return malformed(simdjson::error_message(err));
  }
  od::object root;
  if (auto err = doc.get_object().get(root)) {
    return malformed(err == simdjson::INCORRECT_TYPE ? "not a JSON object"
                                                     : simdjson::error_message(err));
  }
  Walker walker(event, rep_->spare_args);
  if (auto err = walker.Walk(root, Scope::kRoot)) return malformed(simdjson::error_message(err));
  if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) {  // tokens left after the object
    return malformed("trailing content after the JSON object");
  }
  return walker.Finish(error);
}

void AppendEcsEvent(const NetworkEvent& event, std::string* out) {
  const ProcessInfo& p = event.process;
  JsonWriter w(out);
  w.BeginObject();
  w.Field("@timestamp", FormatTimestampExact(event.time_ns));

  w.Key("event");
  w.BeginObject();
  w.Field("kind", "event");
  w.StringArray("category", {"network"});
  w.StringArray("type", {"start"});
  w.Field("action", event.action());
  w.Field("dataset", "ulna.network");
  w.Field("module", "ulna");
  w.EndObject();

  w.Key("host");
  w.BeginObject();
  if (!event.host.name.empty()) w.Field("name", event.host.name);
  if (!event.host.id.empty()) w.Field("id", event.host.id);
  w.EndObject();

  w.Key("process");
  w.BeginObject();
  w.Field("pid", int64_t{p.pid});
  w.Field("name", p.name);
  if (!p.executable.empty()) w.Field("executable", p.executable);
  if (!p.args.empty()) w.StringArray("args", p.args);
  if (!p.working_directory.empty()) w.Field("working_directory", p.working_directory);
  if (!p.entity_id.empty()) w.Field("entity_id", p.entity_id);
  if (p.start_time_ns != 0) w.Field("start", FormatTimestampExact(p.start_time_ns));
  if (p.ppid != 0 || !p.parent_name.empty() || !p.parent_executable.empty()) {
    w.Key("parent");
    w.BeginObject();
    w.Field("pid", int64_t{p.ppid});
    if (!p.parent_name.empty()) w.Field("name", p.parent_name);
    if (!p.parent_executable.empty()) w.Field("executable", p.parent_executable);
    w.EndObject();
  }
  w.EndObject();

  w.Key("user");
  w.BeginObject();
  if (!p.user_name.empty()) w.Field("name", p.user_name);
  w.Field("id", std::to_string(p.uid));  // ECS keyword, as Elastic Defend writes it
  w.EndObject();
  w.Key("group");
  w.BeginObject();
  w.Field("id", std::to_string(p.gid));
  w.EndObject();

  w.Key("source");
  w.BeginObject();
  w.Field("ip", event.source_ip.ToString());
  w.Field("port", int64_t{event.source_port});
  w.EndObject();
  w.Key("destination");
  w.BeginObject();
  w.Field("ip", event.destination_ip.ToString());
  w.Field("port", int64_t{event.destination_port});
  w.EndObject();

  w.Key("network");
  w.BeginObject();
  w.Field("transport", TransportName(event.transport));
  w.Field("type", event.remote_ip().is_v4() ? "ipv4" : "ipv6");
  w.Field("direction", DirectionName(event.direction));
  w.EndObject();

  if (!p.container_id.empty()) {
    w.Key("container");
    w.BeginObject();
    w.Field("id", p.container_id);
    w.EndObject();
  }
  if (event.netns_inode != 0 || event.cgroup_id != 0 || event.repeat_count != 0) {
    w.Key("ulna");
    w.BeginObject();
    if (event.netns_inode != 0) w.Field("netns", int64_t{event.netns_inode});
    if (event.cgroup_id != 0) {
      w.Key("cgroup_id");
      w.Uint(event.cgroup_id);
    }
    if (event.repeat_count != 0) w.Field("repeat_count", int64_t{event.repeat_count});
    w.EndObject();
  }
  w.EndObject();
}

void RejectTally::Add(uint64_t line_number, const ParseError& error) {
  ++counts[static_cast<size_t>(error.reason)];
  if (samples.size() < kMaxSamples) samples.push_back({line_number, error});
}

uint64_t RejectTally::total() const {
  uint64_t sum = 0;
  for (uint64_t c : counts) sum += c;
  return sum;
}

void RejectTally::Merge(const RejectTally& other) {
  for (size_t i = 0; i < counts.size(); ++i) counts[i] += other.counts[i];
  for (const Sample& s : other.samples) {
    if (samples.size() >= kMaxSamples) break;
    samples.push_back(s);
  }
}

}  // namespace ulna
