// ReorderBuffer: hands results computed out of order by several worker threads to one consumer
// in their original order (0, 1, 2, ...), and bounds how many are in flight at once: a producer
// takes a slot before dispatching work, the consumer frees it when it has taken the result.
// Used by replay so that parallel parsing still stores and scores in input order.
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>

namespace ulna::server {

template <typename T>
class ReorderBuffer {
 public:
  explicit ReorderBuffer(size_t max_in_flight) : max_in_flight_(max_in_flight) {}

  // Waits for a free slot; the next index to dispatch, or nullopt once closed.
  std::optional<uint64_t> Reserve() {
    std::unique_lock<std::mutex> lock(mu_);
    slot_free_.wait(lock, [&] { return closed_ || in_flight_ < max_in_flight_; });
    if (closed_) return std::nullopt;
    ++in_flight_;
    return dispatched_++;
  }

  // The result of `index` (one Reserve()d earlier).
  void Put(uint64_t index, T result) {
    bool next_ready;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ready_.emplace(index, std::move(result));
      next_ready = index == next_;
    }
    // Notified after the unlock: a consumer woken while the mutex is still held would block on
    // it at once (two more futex calls a block on a 2-core VM).
    if (next_ready) result_ready_.notify_all();
  }

  // No more Reserve() calls will succeed; Next() returns the results of every index reserved
  // so far, then nullopt. With `abandon`, waiting ones return at once (an error stops all).
  void Close(bool abandon) {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    abandoned_ = abandoned_ || abandon;
    slot_free_.notify_all();
    result_ready_.notify_all();
  }

  // The next result in index order; nullopt when closed and every reserved index was taken
  // (or when abandoned).
  std::optional<T> Next() {
    std::optional<T> result;
    {
      std::unique_lock<std::mutex> lock(mu_);
      result_ready_.wait(lock, [&] {
        return abandoned_ || ready_.count(next_) > 0 || (closed_ && next_ == dispatched_);
      });
      auto it = ready_.find(next_);
      if (abandoned_ || it == ready_.end()) return std::nullopt;
      result.emplace(std::move(it->second));
      ready_.erase(it);
      ++next_;
      --in_flight_;
    }
    slot_free_.notify_one();  // after the unlock, as in Put
    return result;
  }

 private:
  const size_t max_in_flight_;
  std::mutex mu_;
  std::condition_variable slot_free_;
  std::condition_variable result_ready_;
  std::map<uint64_t, T> ready_;
  uint64_t dispatched_ = 0;  // indexes handed out by Reserve
  uint64_t next_ = 0;        // the index Next() returns next
  size_t in_flight_ = 0;
  bool closed_ = false;
  bool abandoned_ = false;
};

}  // namespace ulna::server
