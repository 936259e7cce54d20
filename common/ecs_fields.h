// The ECS fields the event parser reads and how a document's fields turn into a verdict: key
// resolution (nested or dotted keys, relative to the enclosing object), the record of what a
// document carried, and the final checks. Shared by the simdjson walk (ecs_codec.cc) and the fast
// scanner (ecs_fast_scan.cc) so that both decide every line alike. Internal to the ECS codec.
#pragma once

#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/ecs_codec.h"
#include "common/event.h"
#include "common/ip_address.h"

namespace ulna::ecs {

// The objects whose members the parser knows. Documents may nest them ({"process":{"parent":
// {"pid":1}}}) or flatten them into dotted keys ({"process.parent.pid":1}), or mix both.
enum class Scope : uint8_t {
  kRoot,
  kEvent,
  kHost,
  kProcess,
  kParent,
  kUser,
  kGroup,
  kSource,
  kDestination,
  kNetwork,
  kContainer,
  kUlna,
};

inline constexpr int kScopeCount = static_cast<int>(Scope::kUlna) + 1;

inline constexpr const char* kScopeNames[] = {
    "",      "event",  "host",        "process", "process.parent", "user",
    "group", "source", "destination", "network", "container",      "ulna",
};
static_assert(std::size(kScopeNames) == kScopeCount);

// The fields the parser reads; everything else is skipped unparsed.
enum class Leaf : uint8_t {
  kTimestamp,
  kCategory,
  kType,
  kAction,
  kHostName,
  kHostId,
  kPid,
  kName,
  kExecutable,
  kArgs,
  kWorkingDirectory,
  kEntityId,
  kStart,
  kParentPid,
  kParentName,
  kParentExecutable,
  kUserName,
  kUserId,
  kGroupId,
  kSourceIp,
  kSourcePort,
  kDestinationIp,
  kDestinationPort,
  kDirection,
  kTransport,
  kContainerId,
  kNetns,
  kCgroupId,
  kRepeatCount,
};
inline constexpr int kLeafCount = static_cast<int>(Leaf::kRepeatCount) + 1;

inline constexpr const char* kLeafNames[] = {
    "@timestamp",
    "event.category",
    "event.type",
    "event.action",
    "host.name",
    "host.id",
    "process.pid",
    "process.name",
    "process.executable",
    "process.args",
    "process.working_directory",
    "process.entity_id",
    "process.start",
    "process.parent.pid",
    "process.parent.name",
    "process.parent.executable",
    "user.name",
    "user.id",
    "group.id",
    "source.ip",
    "source.port",
    "destination.ip",
    "destination.port",
    "network.direction",
    "network.transport",
    "container.id",
    "ulna.netns",
    "ulna.cgroup_id",
    "ulna.repeat_count",
};
static_assert(std::size(kLeafNames) == kLeafCount);

struct Target {
  enum Kind : uint8_t { kUnknown, kScope, kLeaf } kind = kUnknown;
  Scope scope = Scope::kRoot;
  Leaf leaf = Leaf::kTimestamp;
};

// Resolves a raw key, possibly dotted ("process.parent.pid"), relative to `scope`. `raw_key`
// points just after the key's opening quote and the key ends at its closing quote, which must be
// followed by at least kResolveReadAhead readable bytes: names are compared in fixed sizes that
// may look past the quote.
inline constexpr size_t kResolveReadAhead = 32;
Target Resolve(Scope scope, const char* raw_key);

// An IP address field: dotted-quad IPv4 fast, anything else through IpAddress::Parse.
std::optional<IpAddress> ParseIpField(std::string_view text);

bool EqualsIgnoreCase(std::string_view a, std::string_view lower);

// Clears every field a document may set, so that a reused event carries nothing over. Strings
// keep their buffers; process.args is left to SpareArgs (a parse overwrites it in place).
void ResetEvent(NetworkEvent* e);

// The process.args strings a parse dropped from an event (it had more args than the line), kept
// for the next event that needs more: parsing into recycled events then reuses every string
// buffer and allocates nothing once warm. Only heap strings are kept: an arena's would dangle
// once its block is freed, and parsing into an arena allocates nearly nothing anyway.
class SpareArgs {
 public:
  // Sets args[index] (index <= args.size()) to `value`, reusing a kept string to grow args.
  void Set(EventStrings& args, size_t index, std::string_view value) {
    if (index == args.size()) {
      if (spare_.empty() || !OnTheHeap(args)) {
        args.emplace_back(value);
        return;
      }
      args.push_back(std::move(spare_.back()));
      spare_.pop_back();
    }
    args[index].clear();  // clear + append: assign without its checks for aliasing
    args[index].append(value);
  }
  // Shrinks args to `count` entries, keeping the strings removed.
  void Trim(EventStrings& args, size_t count) {
    if (OnTheHeap(args)) {
      for (size_t i = count; i < args.size() && spare_.size() < kMaxKept; ++i) {
        spare_.push_back(std::move(args[i]));
      }
    }
    args.resize(count);
  }

 private:
  static bool OnTheHeap(const EventStrings& args) {
    return args.get_allocator().resource() == std::pmr::get_default_resource();
  }
  // Enough for the args of many events; beyond it, dropped strings are freed.
  static constexpr size_t kMaxKept = 1024;
  std::vector<EventString> spare_;
};

enum class Action : uint8_t { kNone, kEgress, kIngress, kOther };
enum class Presence : uint8_t { kAbsent, kWithout, kWith };  // for category/type arrays

// What one document carried, beyond the values already stored in the event: the markers that
// say whether it is a network event, which required fields were seen, and the first field-level
// problem (the walk goes on after one, so that a document that is not a network event at all is
// reported as such, whatever else is wrong in it).
struct DocumentState {
  bool has_field_error = false;
  ParseError field_error;
  // Wrong types in event.* decide before anything else: they say whether this is our event.
  bool has_gate_error = false;
  ParseError gate_error;
  bool have_time = false;
  Presence category = Presence::kAbsent;
  Presence type = Presence::kAbsent;
  Action action = Action::kNone;
  std::string other_action;  // the first 64 bytes of an event.action that is not ours
  Action direction_hint = Action::kNone;
  bool have_transport = false;
  bool have_source_ip = false;
  bool have_destination_ip = false;
  size_t args_count = 0;  // process.args entries written this time (the vector is reused)
};

// What the string values of event.action, network.direction and network.transport say, noted
// in `state` (and the event, for the transport); false for a transport that is neither tcp nor
// udp (a field error).
void NoteAction(std::string_view value, DocumentState* state);
void NoteDirection(std::string_view value, DocumentState* state);
bool NoteTransport(std::string_view value, DocumentState* state, NetworkEvent* event);

// Records that `leaf` (source.ip or destination.ip) holds `text`, which is not an address, as a
// field error unless an earlier one was recorded. Shared so that both walks word it alike.
void NoteInvalidIp(Leaf leaf, std::string_view text, DocumentState* state);

// Turns what was seen into the verdict: completes *event (direction, host fallbacks, args count,
// trimming args into `spare`) and returns true, or returns false with *error filled when the
// line is rejected.
bool FinishEvent(DocumentState& state, SpareArgs& spare, NetworkEvent* event, ParseError* error);

}  // namespace ulna::ecs
