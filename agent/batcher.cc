#include "agent/batcher.h"

#include <utility>

namespace ulna::agent {

void Batcher::Add(NetworkEvent event, int64_t now_ns) {
  if (events_.empty()) first_added_ns_ = now_ns;
  events_.push_back(std::move(event));
}

bool Batcher::Due(int64_t now_ns) const {
  if (events_.empty()) return false;
  return events_.size() >= options_.max_events || now_ns >= Deadline();
}

int64_t Batcher::Deadline() const {
  return events_.empty() ? 0 : first_added_ns_ + options_.max_delay_ns;
}

std::vector<NetworkEvent> Batcher::Take() {
  std::vector<NetworkEvent> out;
  out.swap(events_);
  first_added_ns_ = 0;
  return out;
}

}  // namespace ulna::agent
