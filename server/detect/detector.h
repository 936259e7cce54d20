// Detector: a scoring model the anomaly job drives one closed bucket at a time. The job hands
// it the bucket's activity and the history before it; the detector updates its baselines and
// returns its findings, one record per (host, process). Modes: "elastic" (Elastic's fleet-wide
// rare by process.name) and "ulna" (per-host + fleet + behaviour). Not thread-safe.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"
#include "server/alert/alert.h"
#include "server/job/bucket_activity.h"
#include "server/job/history_index.h"
#include "server/job/job_config.h"
#include "server/store/store.h"

namespace ulna::server {

// What the job knows about the bucket beyond its events.
struct BucketFacts {
  std::set<std::string> hosts_with_capture_loss;  // agents that reported drops in the bucket
};

class Detector {
 public:
  virtual ~Detector() = default;
  virtual DetectionMode mode() const = 0;
  // Restores persisted model state (none on a fresh store).
  virtual Status Load(const Store& store) = 0;
  // Updates the model with `bucket` and returns the records worth keeping (probability below the
  // detector's record threshold). `history` describes everything before this bucket.
  virtual std::vector<AnomalyRecord> ScoreBucket(const BucketActivity& bucket,
                                                 const HistoryIndex& history,
                                                 const BucketFacts& facts) = 0;
  // Adds the model state changed by ScoreBucket to `group` (committed with the job checkpoint).
  virtual void Persist(WriteGroup* group) = 0;
};

std::unique_ptr<Detector> MakeDetector(DetectionMode mode);

}  // namespace ulna::server
