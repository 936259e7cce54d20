// ECS codec: network events to and from Elastic Common Schema NDJSON, the format Elastic
// Defend / Auditbeat archives use (scenarios/README.md "Event schema"). The parser reads only
// the fields ULNA needs, and accepts nested or dotted keys: common lines through a fast scanner
// (common/ecs_fast_scan.h), everything else with simdjson on-demand, with the same results.
// Thread-safety: an EcsEventParser is not thread-safe; use one per thread.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/event.h"

namespace ulna {

// Why a line was not turned into an event. Every rejected line counts under exactly one reason.
enum class RejectReason : uint8_t {
  kMalformedJson = 0,  // not a JSON object
  kWrongType,          // a known field has the wrong JSON type
  kMissingField,       // a required field is absent (@timestamp, process.name, addresses...)
  kOversizeField,      // a string or array over the bounds in common/event.h
  kInvalidValue,       // e.g. an unparsable IP, port > 65535, malformed timestamp
  kNotNetworkEvent,    // event.category not network, event.type not start, or other action
  kTimeOutOfRange,     // before 2000 or too far in the future (checked by the consumer)
  kExcluded,           // dropped by a datafeed exclusion (counted, not an error)
  kCount,
};
const char* RejectReasonName(RejectReason reason);

struct ParseError {
  RejectReason reason = RejectReason::kMalformedJson;
  std::string detail;  // e.g. "process.args[3] longer than 4096 bytes"
};

// Parses ECS network events. Required: @timestamp, event.category contains "network",
// event.type contains "start", event.action connection_attempted|connection_accepted (or the
// Auditbeat "connected-to"), process.name, host.name or host.id, source.ip/destination.ip.
class EcsEventParser {
 public:
  EcsEventParser();
  ~EcsEventParser();
  // Parses one line into *event. On failure returns false and fills *error.
  bool Parse(std::string_view line, NetworkEvent* event, ParseError* error);
  // Parse for an event that holds no values yet: default-constructed, or last handed to a
  // ParseFresh that failed (a failure leaves *event reset for the next line). It skips the
  // reset, which for the replay's fresh events only rewrote what the constructor had written.
  bool ParseFresh(std::string_view line, NetworkEvent* event, ParseError* error);
  // The same with the simdjson path alone, which Parse uses for what the fast scanner leaves;
  // for differential tests and benchmarks.
  bool ParseWithSimdjson(std::string_view line, NetworkEvent* event, ParseError* error);

 private:
  // Parse after *event was reset.
  bool ParseReset(std::string_view line, NetworkEvent* event, ParseError* error);

  struct Rep;
  std::unique_ptr<Rep> rep_;
};

// Appends one ECS document for `event` (no trailing newline). Parse(Write(e)) == e for every
// field the model carries.
void AppendEcsEvent(const NetworkEvent& event, std::string* out);

// Per-reason counts plus the first few rejected lines, for summaries and metrics.
struct RejectTally {
  std::array<uint64_t, static_cast<size_t>(RejectReason::kCount)> counts{};
  struct Sample {
    uint64_t line_number;
    ParseError error;
  };
  std::vector<Sample> samples;  // the first kMaxSamples
  static constexpr size_t kMaxSamples = 5;

  void Add(uint64_t line_number, const ParseError& error);
  uint64_t total() const;
  void Merge(const RejectTally& other);
};

}  // namespace ulna
