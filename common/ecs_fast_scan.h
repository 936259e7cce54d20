// Fast path of the ECS parser: a single-pass scanner for the common shape of an ECS network line
// (plain ASCII strings without escapes, integers, nested or dotted keys), over 2x cheaper than
// the simdjson walk. It only answers when it is sure to answer as EcsEventParser's simdjson path
// would; anything else (escapes, non-ASCII bytes, floats, duplicate keys, deep nesting, any
// syntax error, any field-level error but an unparsable IP address) is left to that path.
// Internal to the ECS codec.
#pragma once

#include <memory>
#include <string_view>

#include "common/ecs_codec.h"
#include "common/ecs_fields.h"
#include "common/event.h"

namespace ulna {

enum class FastScanResult : uint8_t {
  kAccepted,    // *event is the line's event
  kRejected,    // *error says why, as the simdjson path would (never kMalformedJson)
  kNotHandled,  // the scanner is not sure: parse the line with the simdjson path
};

// Scans lines one at a time. It remembers the keys met at each position of each kind of object,
// so that a line laid out like the ones before matches each key with one compare instead of a
// search and a lookup, and the hour of the last @timestamp, so that the next one in the same hour
// is read from its minutes on. Not thread-safe; one per thread (EcsEventParser holds one).
class EcsFastScanner {
 public:
  EcsFastScanner();
  ~EcsFastScanner();
  EcsFastScanner(const EcsFastScanner&) = delete;
  EcsFastScanner& operator=(const EcsFastScanner&) = delete;

  // Scans one line (any string_view: reads nothing outside it). *event must have been reset with
  // ecs::ResetEvent (common/ecs_fields.h); after kNotHandled it holds partial values.
  FastScanResult Scan(std::string_view line, NetworkEvent* event, ParseError* error);

  struct KeyCache;
  struct RecentHour;

 private:
  std::unique_ptr<KeyCache> keys_;
  std::unique_ptr<RecentHour> recent_hour_;
  ecs::SpareArgs spare_args_;
};

}  // namespace ulna
