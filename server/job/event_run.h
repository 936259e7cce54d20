// EventRun: consecutive events of one shared, immutable block of events. Blocks parsed by the
// replay reach the job as runs, so that a bucket's events are neither copied nor moved one by
// one on their way; a block lives as long as any run of it.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <vector>

#include "common/event.h"

namespace ulna::server {

struct EventRun {
  std::shared_ptr<const std::vector<NetworkEvent>> block;
  size_t begin = 0;
  size_t end = 0;

  std::span<const NetworkEvent> events() const {
    return std::span<const NetworkEvent>(*block).subspan(begin, end - begin);
  }
  size_t size() const { return end - begin; }
};

// A run of all of `events`.
inline EventRun WholeRun(std::vector<NetworkEvent>&& events) {
  const size_t size = events.size();
  return EventRun{std::make_shared<const std::vector<NetworkEvent>>(std::move(events)), 0, size};
}

}  // namespace ulna::server
