// ReleaseQueue: hands the blocks of parsed events the job is done with back to the parsing
// workers to free. A block's memory (its events, the arena of their strings) was allocated by
// the worker that parsed it; freed there, it goes back to that thread's allocator cache and the
// next lines it parses reuse the same, already mapped memory, where freeing it on the job's
// thread cost the job's thread (the replay's bottleneck) ~15 % of its time in remote frees.
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <memory>
#include <memory_resource>
#include <mutex>
#include <vector>

#include "common/event.h"

namespace ulna::server {

class ReleaseQueue {
 public:
  ReleaseQueue() = default;
  ReleaseQueue(const ReleaseQueue&) = delete;
  ReleaseQueue& operator=(const ReleaseQueue&) = delete;

  // Shares `events` (whose strings may live in `arena`) read-only; when its last holder lets
  // go, the block waits here until a FreeReleased() call (or this queue's end) frees it. The
  // queue must outlive every block it shares.
  std::shared_ptr<const std::vector<NetworkEvent>> Share(
      std::unique_ptr<std::pmr::monotonic_buffer_resource> arena,
      std::vector<NetworkEvent>&& events) {
    std::shared_ptr<const Block> block(new Block{std::move(arena), std::move(events)},
                                       [this](const Block* released) {
                                         std::lock_guard<std::mutex> lock(mu_);
                                         released_.emplace_back(released);
                                       });
    return std::shared_ptr<const std::vector<NetworkEvent>>(block, &block->events);
  }

  // Frees, on the calling thread, every block released so far.
  void FreeReleased() {
    std::vector<std::unique_ptr<const Block>> released;
    {
      std::lock_guard<std::mutex> lock(mu_);
      released.swap(released_);
    }
  }

  size_t waiting() const {
    std::lock_guard<std::mutex> lock(mu_);
    return released_.size();
  }

 private:
  struct Block {
    std::unique_ptr<std::pmr::monotonic_buffer_resource> arena;
    std::vector<NetworkEvent> events;  // declared after the arena: destroyed before it
  };

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<const Block>> released_;
};

}  // namespace ulna::server
