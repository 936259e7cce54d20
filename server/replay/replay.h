// Replay / backfill: runs recorded ECS NDJSON archives (plain or .gz) through the very same
// ingest -> store -> job -> alert path as live agents, with event time as the job's clock.
// Used to seed baselines from an existing archive, re-score it, and evaluate detectors.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/ecs_codec.h"
#include "common/status.h"
#include "server/job/anomaly_job.h"
#include "server/job/job_config.h"

namespace ulna::server {

struct ReplayOptions {
  std::vector<std::string> inputs;
  std::string alerts_path;  // NDJSON output, truncated first
  std::string state_dir;    // empty: a temporary store, removed afterwards
  JobConfig job;
};

struct ReplaySummary {
  uint64_t lines = 0;
  uint64_t events = 0;
  RejectTally rejects;         // parse/validation rejects with the first few line numbers
  uint64_t rejected_time = 0;  // out-of-range times (ingest)
  uint64_t bytes = 0;          // input bytes (compressed for .gz)
  double seconds = 0;
  JobStats job;
};

// Runs the replay; a non-ok Status only for failures that stop it (unreadable input, store).
Result<ReplaySummary> RunReplay(const ReplayOptions& options);

// Human-readable summary (events read, rejected by reason, buckets, records, alerts).
std::string FormatReplaySummary(const ReplaySummary& summary);

}  // namespace ulna::server
