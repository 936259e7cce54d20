#include "server/job/job_config.h"

namespace ulna::server {

const char* DetectionModeName(DetectionMode mode) {
  return mode == DetectionMode::kElastic ? "elastic" : "ulna";
}

Result<DetectionMode> ParseDetectionMode(std::string_view text) {
  if (text == "elastic") return DetectionMode::kElastic;
  if (text == "ulna") return DetectionMode::kUlna;
  return Status::InvalidArgument("mode must be 'elastic' or 'ulna', not '" + std::string(text) +
                                 "'");
}

Status JobConfig::Validate() const {
  if (bucket_span_ns <= 0) return Status::InvalidArgument("bucket_span must be positive");
  if (query_delay_ns < 0) return Status::InvalidArgument("query_delay must not be negative");
  if (rule_interval_ns <= 0 || rule_interval_ns % bucket_span_ns != 0) {
    return Status::InvalidArgument("rule_interval must be a positive multiple of bucket_span");
  }
  if (lookback_ns < rule_interval_ns) {
    return Status::InvalidArgument(
        "lookback must be at least rule_interval, or buckets are missed");
  }
  if (alert_threshold < 0 || alert_threshold > 100) {
    return Status::InvalidArgument("alert_threshold must be within 0..100");
  }
  if (max_alerts_per_run == 0) return Status::InvalidArgument("max_alerts_per_run must be > 0");
  if (state_commit_buckets == 0) {
    return Status::InvalidArgument("state_commit_buckets must be > 0");
  }
  if (retention_ns < lookback_ns + bucket_span_ns) {
    return Status::InvalidArgument("retention must cover the rule's look-back");
  }
  return Status::Ok();
}

}  // namespace ulna::server
