#include "server/job/bucket_events.h"

#include <algorithm>
#include <iterator>

#include "common/duration.h"

namespace ulna::server {

Status StoredBucketEvents::Take(int64_t start_ns, int64_t end_ns, std::vector<EventRun>* out) {
  std::vector<NetworkEvent> events;
  RejectTally undecodable;
  ULNA_RETURN_IF_ERROR(log_.ScanOwned(
      start_ns, end_ns, [&events](NetworkEvent&& e) { events.push_back(std::move(e)); },
      &undecodable));
  if (undecodable.total() > 0) {
    return Status::Internal(std::to_string(undecodable.total()) +
                            " stored events could not be decoded (the others were visited)");
  }
  if (!events.empty()) out->push_back(WholeRun(std::move(events)));
  return Status::Ok();
}

Result<BufferedBucketEvents> BufferedBucketEvents::Open(Store* store, int64_t bucket_span_ns) {
  if (bucket_span_ns <= 0) return Status::InvalidArgument("bucket span must be positive");
  auto stored_until = EventLog(store).LatestTimeBound();
  ULNA_RETURN_IF_ERROR(stored_until.status());
  return BufferedBucketEvents(store, bucket_span_ns, *stored_until);
}

namespace {

bool EarlierTime(const NetworkEvent& a, const NetworkEvent& b) { return a.time_ns < b.time_ns; }

}  // namespace

void BufferedBucketEvents::Add(std::vector<NetworkEvent>&& events) {
  if (!std::is_sorted(events.begin(), events.end(), EarlierTime)) {
    std::stable_sort(events.begin(), events.end(), EarlierTime);
  }
  AddSorted(WholeRun(std::move(events)).block);
}

void BufferedBucketEvents::Add(std::shared_ptr<const std::vector<NetworkEvent>> block) {
  if (std::is_sorted(block->begin(), block->end(), EarlierTime)) {
    AddSorted(std::move(block));
  } else {
    Add(std::vector<NetworkEvent>(*block));
  }
}

void BufferedBucketEvents::AddSorted(std::shared_ptr<const std::vector<NetworkEvent>> block) {
  auto before = [](int64_t ns) { return [ns](const NetworkEvent& e) { return e.time_ns < ns; }; };
  // In time order, each bucket's events are one run of the block.
  const std::span<const NetworkEvent> sorted(*block);
  auto run = sorted.begin();
  if (taken_until_) run = std::partition_point(run, sorted.end(), before(*taken_until_));
  while (run != sorted.end()) {
    const int64_t bucket = AlignDown(run->time_ns, bucket_span_ns_);
    const auto run_end = std::partition_point(run, sorted.end(), before(bucket + bucket_span_ns_));
    pending_[bucket].push_back(EventRun{block, static_cast<size_t>(run - sorted.begin()),
                                        static_cast<size_t>(run_end - sorted.begin())});
    run = run_end;
  }
}

Status BufferedBucketEvents::Take(int64_t start_ns, int64_t end_ns, std::vector<EventRun>* out) {
  taken_until_ = end_ns;
  const auto first = pending_.begin();
  const auto last = pending_.lower_bound(end_ns);
  if (stored_until_ && start_ns <= *stored_until_) {
    // Part of this bucket may have been stored before us: the log holds all of it, including
    // what was added since.
    pending_.erase(first, last);
    return stored_.Take(start_ns, end_ns, out);
  }
  for (auto it = pending_.lower_bound(start_ns); it != last; ++it) {
    out->insert(out->end(), std::make_move_iterator(it->second.begin()),
                std::make_move_iterator(it->second.end()));
  }
  // Buckets before start_ns can only hold events the job skipped (it closes buckets in
  // order), so they are dropped with this one.
  pending_.erase(first, last);
  return Status::Ok();
}

size_t BufferedBucketEvents::pending_events() const {
  size_t total = 0;
  for (const auto& [bucket, runs] : pending_) {
    for (const EventRun& run : runs) total += run.size();
  }
  return total;
}

}  // namespace ulna::server
