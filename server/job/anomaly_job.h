// AnomalyJob: the scheduled rare-network-activity job. It closes buckets once their query delay
// has passed, scores each with the detector, keeps records and histories, and runs the rule every
// interval over the look-back: records at or above the threshold, minus exceptions and anomalies
// already alerted, highest score first, at most N per run, become alerts (store, NDJSON, watchers).
// Restartable: every bucket (or every JobConfig::state_commit_buckets) commits its records,
// baselines and checkpoint in one durable write.
// The clock is whatever AdvanceTo() is given: wall time when serving, event time when replaying.
// Thread-safety: AdvanceTo() from one thread; closed_before_ns() from any.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "server/alert/alert_bus.h"
#include "server/alert/alert_output.h"
#include "server/detect/detector.h"
#include "server/job/bucket_events.h"
#include "server/job/datafeed_filter.h"
#include "server/job/history_index.h"
#include "server/job/job_config.h"
#include "server/job/rule_candidates.h"
#include "server/store/alert_store.h"
#include "server/store/event_log.h"
#include "server/store/exception_store.h"
#include "server/store/store.h"

namespace ulna::server {

struct JobStats {
  uint64_t buckets_closed = 0;
  uint64_t events_scored = 0;
  std::map<std::string, uint64_t> events_excluded;  // by datafeed reason
  uint64_t records = 0;
  uint64_t rule_runs = 0;
  uint64_t alerts = 0;
  uint64_t alerts_excepted = 0;  // suppressed by an operator exception
  uint64_t alerts_capped = 0;    // over max_alerts_per_run in a run
};

// Where alerts go besides the store; both optional.
struct AlertSinks {
  AlertOutput* ndjson = nullptr;
  AlertBus* bus = nullptr;
};

class AnomalyJob {
 public:
  // The job reads closed buckets from `bucket_events` when given (it must outlive the job),
  // else from the store's event log.
  AnomalyJob(const JobConfig& config, Store* store, std::unique_ptr<Detector> detector,
             AlertSinks sinks, BucketEvents* bucket_events = nullptr);
  AnomalyJob(const AnomalyJob&) = delete;
  AnomalyJob& operator=(const AnomalyJob&) = delete;

  // Loads the checkpoint, histories and model, and re-emits alerts a crash left unwritten.
  Status Open();
  // Closes every bucket whose end + query delay <= now_ns and runs the rule when due.
  Status AdvanceTo(int64_t now_ns);
  // Commits the model state and checkpoint of the buckets closed since the last commit (see
  // JobConfig::state_commit_buckets); call before stopping a job that commits less than every
  // bucket.
  Status CommitState();
  // Events before this time are late: their bucket has been scored already (0: nothing yet).
  int64_t closed_before_ns() const { return closed_before_.load(std::memory_order_acquire); }
  const JobStats& stats() const { return stats_; }
  const JobConfig& config() const { return config_; }

 private:
  Status CloseBucket(int64_t bucket_start_ns);
  // Adds the state changed since the last commit and the checkpoint (the next bucket to close)
  // to `group`.
  void AddStateCommit(int64_t next_bucket_ns, WriteGroup* group);
  Status RunRule(int64_t run_time_ns);
  // The first bucket start in the look-back of the rule run at `run_time_ns`.
  int64_t RuleWindowStart(int64_t run_time_ns) const {
    return run_time_ns - config_.query_delay_ns - config_.lookback_ns;
  }
  Status EmitOutbox();
  // Writes the alerts a run raised into an outbox that was empty before it, then empties it.
  Status EmitRaised(std::vector<Alert> raised);
  // Appends `alerts` to the NDJSON file, then deletes their `outbox_keys`.
  Status WriteOutboxAlerts(const std::vector<Alert>& alerts,
                           const std::vector<std::string>& outbox_keys);
  Result<int64_t> FirstEventBucket() const;

  JobConfig config_;
  Store* store_;
  StoredBucketEvents stored_events_;
  BucketEvents* bucket_events_;
  AlertStore alerts_;
  ExceptionStore exceptions_;
  std::unique_ptr<Detector> detector_;
  AlertSinks sinks_;
  DatafeedFilter filter_;
  HistoryIndex history_;
  RuleCandidates rule_candidates_;  // the records a rule run may alert on
  int64_t next_bucket_ns_ = 0;      // 0: not started (no events yet)
  int64_t next_rule_run_ns_ = 0;
  std::atomic<int64_t> closed_before_{0};
  bool outbox_pending_ = false;       // alerts stored but not yet in the NDJSON file
  uint32_t uncommitted_buckets_ = 0;  // closed since the last state commit
  bool uncommitted_events_ = false;   // whether any of them had events
  JobStats stats_;
};

}  // namespace ulna::server
