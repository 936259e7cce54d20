// DatafeedFilter: which network events the anomaly job looks at, like the Elastic datafeed's
// must_not clauses. Excluded events are counted by reason, never silently ignored.
// Immutable after construction; safe to share between threads.
#pragma once

#include <string>
#include <vector>

#include "common/event.h"
#include "server/job/job_config.h"

namespace ulna::server {

class DatafeedFilter {
 public:
  // elastic: destination.ip 127.0.0.1, 127.0.0.53, ::, ::1; user jenkins; the Elastic agent and
  //          Beats; our own agent (reference/elastic_rare.md §2.2).
  // ulna: any loopback or unspecified destination or remote end; our own agent. No user is
  //       excluded: CI noise is handled by the per-host baselines instead.
  static DatafeedFilter ForMode(DetectionMode mode);

  // nullptr when the event is kept, else a short reason ("loopback", "user", "agent").
  const char* ExclusionReason(const NetworkEvent& event) const;

 private:
  DetectionMode mode_ = DetectionMode::kUlna;
  std::vector<std::string> excluded_process_names_;
  std::vector<std::string> excluded_users_;
};

}  // namespace ulna::server
