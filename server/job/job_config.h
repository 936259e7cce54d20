// JobConfig: the anomaly job's schedule and rule settings. Defaults reproduce Elastic's "Unusual
// Linux Network Activity" rule (15 m buckets, run every 15 m over the last 45 m, record score
// >= 50, at most 100 alerts per run, severity low, risk score 21); tests and the demo shorten them.
#pragma once

#include <cstdint>
#include <string>

#include "common/duration.h"
#include "common/status.h"

namespace ulna::server {

enum class DetectionMode { kElastic, kUlna };
const char* DetectionModeName(DetectionMode mode);  // "elastic" / "ulna"
Result<DetectionMode> ParseDetectionMode(std::string_view text);

struct JobConfig {
  int64_t bucket_span_ns = 15 * kNanosPerMinute;
  int64_t query_delay_ns = 1 * kNanosPerMinute;  // wait for late events before closing a bucket
  int64_t rule_interval_ns = 15 * kNanosPerMinute;
  int64_t lookback_ns = 45 * kNanosPerMinute;
  double alert_threshold = 50;
  uint32_t max_alerts_per_run = 100;
  int64_t retention_ns = 14 * kNanosPerDay;
  // Events stamped further ahead of the clock than this are rejected as out of range.
  int64_t max_future_skew_ns = 10 * kNanosPerMinute;
  DetectionMode mode = DetectionMode::kUlna;
  std::string rule_name = "Unusual Linux Network Activity";
  std::string severity = "low";
  uint32_t risk_score = 21;
  // The model state (baselines, detector) and the job checkpoint are committed together every
  // this many closed buckets; a crash re-closes the buckets since the last commit (their records
  // and alerts come out the same and are idempotent). Serving commits every bucket; replay, whose
  // writes are durable only at its flushes anyway, commits less often: the rows a bucket
  // rewrites are mostly the same as the next bucket's.
  uint32_t state_commit_buckets = 1;

  // InvalidArgument naming the first inconsistent setting.
  Status Validate() const;
};

}  // namespace ulna::server
