// Batcher: groups captured events into batches for the server, closing a batch when it holds
// `max_events` or when its oldest event has waited `max_delay` (so a quiet host still reports
// promptly, and a busy one sends few large batches). Pure bookkeeping with caller-supplied
// time, so the policy is testable without clocks. Not thread-safe: owned by the capture loop.
#pragma once

#include <cstdint>
#include <vector>

#include "common/event.h"

namespace ulna::agent {

class Batcher {
 public:
  struct Options {
    size_t max_events = 1000;
    int64_t max_delay_ns = 1'000'000'000;
  };

  explicit Batcher(Options options) : options_(options) {}

  // Adds one event observed (by the agent) at `now_ns`, on a monotonic clock.
  void Add(NetworkEvent event, int64_t now_ns);
  // True when the open batch must be closed now: full, or its oldest event is max_delay old.
  bool Due(int64_t now_ns) const;
  // Monotonic time at which the open batch becomes due by age; 0 when it is empty.
  int64_t Deadline() const;
  // Closes the open batch (possibly empty) and returns its events, oldest first.
  std::vector<NetworkEvent> Take();

  size_t size() const { return events_.size(); }

 private:
  Options options_;
  std::vector<NetworkEvent> events_;
  int64_t first_added_ns_ = 0;
};

}  // namespace ulna::agent
