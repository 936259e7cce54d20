// LossCounters turns the kernel's and the agent's cumulative counters into the per-batch deltas
// a batch reports in CaptureCounters (what this capture lost or folded since the previous
// batch), so the server can tell "quiet host" from "host whose events were dropped".
// Not thread-safe: owned by the capture loop.
#pragma once

#include <cstdint>

#include "agent/netmon_loader.h"
#include "ulna/v1/events.pb.h"

namespace ulna::agent {

class LossCounters {
 public:
  // Deltas since the previous call (since construction for the first). `enrich_failures` is the
  // agent's cumulative count of events sent without an executable. spool_drops is left 0: the
  // spool stamps its own.
  v1::CaptureCounters Delta(const KernelCounters& kernel, uint64_t enrich_failures);

 private:
  KernelCounters last_kernel_{};
  uint64_t last_enrich_failures_ = 0;
};

}  // namespace ulna::agent
