// EventBlockPool: recycles the replay's blocks of parsed events. A block the job is done with
// comes back here with its events' strings still allocated, and a later block is parsed into
// them in place: in steady state parsing allocates nothing, and nothing allocated by a parsing
// thread is freed by the job's thread (a free that has to travel back to the other thread's
// allocator cache).
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "common/event.h"

namespace ulna::server {

class EventBlockPool {
 public:
  // Keeps at most `max_blocks` idle blocks; more are freed.
  explicit EventBlockPool(size_t max_blocks) : max_blocks_(max_blocks) {}
  EventBlockPool(const EventBlockPool&) = delete;
  EventBlockPool& operator=(const EventBlockPool&) = delete;

  // A recycled block, its old events still in it to be overwritten, or an empty one.
  std::vector<NetworkEvent> Take() {
    std::lock_guard<std::mutex> lock(mu_);
    if (idle_.empty()) return {};
    std::vector<NetworkEvent> block = std::move(idle_.back());
    idle_.pop_back();
    return block;
  }

  // Shares `events` as an immutable block that comes back to this pool when its last holder
  // lets go. The pool must outlive every block it shares.
  std::shared_ptr<const std::vector<NetworkEvent>> Share(std::vector<NetworkEvent>&& events) {
    return std::shared_ptr<const std::vector<NetworkEvent>>(
        new std::vector<NetworkEvent>(std::move(events)),
        [this](const std::vector<NetworkEvent>* block) { Recycle(block); });
  }

  size_t idle_blocks() const {
    std::lock_guard<std::mutex> lock(mu_);
    return idle_.size();
  }

 private:
  void Recycle(const std::vector<NetworkEvent>* shared) {
    // Only this pool made the block (in Share), as a non-const vector.
    std::unique_ptr<std::vector<NetworkEvent>> block(
        const_cast<std::vector<NetworkEvent>*>(shared));
    std::lock_guard<std::mutex> lock(mu_);
    if (idle_.size() < max_blocks_) idle_.push_back(std::move(*block));
  }

  const size_t max_blocks_;
  mutable std::mutex mu_;
  std::vector<std::vector<NetworkEvent>> idle_;
};

}  // namespace ulna::server
