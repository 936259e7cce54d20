// Alerts under evaluation: one NDJSON line = one alert, reduced to what the matching rule needs
// (host.name, process.name, and the time of the anomalous activity). Keys may be nested or
// dotted; the time is the first present of @timestamp, kibana.alert.original_time,
// anomaly.bucket_start, as ISO-8601 or epoch seconds / milliseconds. Plain value types.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace ulna::eval {

struct EvalAlert {
  std::string host;
  std::string process_name;
  int64_t time_ns = 0;
  uint64_t line = 0;  // 1-based line in the input
};

struct AlertFile {
  std::vector<EvalAlert> alerts;
  uint64_t blank_lines = 0;
  uint64_t rejected = 0;  // lines that are not an alert (bad JSON, missing host/process/time)
  std::vector<std::string> first_rejects;  // "line N: why", the first few
};

// Reads an alert NDJSON file (plain or gzip). Unreadable input is an error; bad lines are counted
// in `rejected`, not fatal.
Result<AlertFile> ReadAlerts(const std::string& path);
// Same for in-memory NDJSON text.
AlertFile ParseAlerts(std::string_view ndjson);

}  // namespace ulna::eval
