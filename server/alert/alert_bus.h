// AlertBus: fan-out of newly raised alerts to live watchers (Alerts.Watch). A slow watcher does
// not slow the job: its queue is bounded and overflow is counted and reported to it.
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "server/alert/alert.h"

namespace ulna::server {

class AlertSubscription {
 public:
  explicit AlertSubscription(size_t capacity) : capacity_(capacity) {}
  // Waits up to `timeout` for the next alert; nullopt on timeout or after Close().
  std::optional<Alert> Next(std::chrono::milliseconds timeout);
  void Close();
  uint64_t overflowed() const;  // alerts dropped because this watcher fell behind

 private:
  friend class AlertBus;
  void Push(const Alert& alert);
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Alert> queue_;
  size_t capacity_;
  uint64_t overflowed_ = 0;
  bool closed_ = false;
};

class AlertBus {
 public:
  std::shared_ptr<AlertSubscription> Subscribe(size_t capacity = 1024);
  void Publish(const Alert& alert);

 private:
  std::mutex mu_;
  std::vector<std::weak_ptr<AlertSubscription>> subscribers_;
};

}  // namespace ulna::server
