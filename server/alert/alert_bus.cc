#include "server/alert/alert_bus.h"

#include <algorithm>

namespace ulna::server {

std::optional<Alert> AlertSubscription::Next(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, timeout, [this] { return closed_ || !queue_.empty(); });
  if (closed_ || queue_.empty()) return std::nullopt;
  Alert alert = std::move(queue_.front());
  queue_.pop_front();
  return alert;
}

void AlertSubscription::Close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    queue_.clear();
  }
  cv_.notify_all();
}

uint64_t AlertSubscription::overflowed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return overflowed_;
}

void AlertSubscription::Push(const Alert& alert) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return;
    // The newest alert is dropped (not the oldest) so what the watcher does get stays a
    // gap-free prefix it can resume after by time.
    if (queue_.size() >= capacity_) {
      ++overflowed_;
      return;
    }
    queue_.push_back(alert);
  }
  cv_.notify_one();
}

std::shared_ptr<AlertSubscription> AlertBus::Subscribe(size_t capacity) {
  auto subscription = std::make_shared<AlertSubscription>(std::max<size_t>(capacity, 1));
  std::lock_guard<std::mutex> lock(mu_);
  subscribers_.push_back(subscription);
  return subscription;
}

void AlertBus::Publish(const Alert& alert) {
  std::vector<std::shared_ptr<AlertSubscription>> live;
  {
    std::lock_guard<std::mutex> lock(mu_);
    // Watchers that went away are forgotten here rather than on unsubscribe, so a watcher only
    // has to drop its shared_ptr.
    std::erase_if(subscribers_,
                  [](const std::weak_ptr<AlertSubscription>& weak) { return weak.expired(); });
    for (const auto& weak : subscribers_) {
      if (auto subscription = weak.lock()) live.push_back(std::move(subscription));
    }
  }
  // Pushing outside the bus lock keeps one slow subscriber lock from stalling Subscribe().
  for (const auto& subscription : live) subscription->Push(alert);
}

}  // namespace ulna::server
