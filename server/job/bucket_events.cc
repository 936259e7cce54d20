#include "server/job/bucket_events.h"

#include <algorithm>
#include <iterator>

#include "common/duration.h"

namespace ulna::server {

Status StoredBucketEvents::Take(int64_t start_ns, int64_t end_ns, std::vector<NetworkEvent>* out) {
  RejectTally undecodable;
  ULNA_RETURN_IF_ERROR(log_.ScanOwned(
      start_ns, end_ns, [out](NetworkEvent&& e) { out->push_back(std::move(e)); }, &undecodable));
  if (undecodable.total() > 0) {
    return Status::Internal(std::to_string(undecodable.total()) +
                            " stored events could not be decoded (the others were visited)");
  }
  return Status::Ok();
}

Result<BufferedBucketEvents> BufferedBucketEvents::Open(Store* store, int64_t bucket_span_ns) {
  if (bucket_span_ns <= 0) return Status::InvalidArgument("bucket span must be positive");
  auto stored_until = EventLog(store).LatestTimeBound();
  ULNA_RETURN_IF_ERROR(stored_until.status());
  return BufferedBucketEvents(store, bucket_span_ns, *stored_until);
}

void BufferedBucketEvents::Add(std::vector<NetworkEvent>&& events) {
  auto before = [](int64_t ns) { return [ns](const NetworkEvent& e) { return e.time_ns < ns; }; };
  const bool sorted = std::is_sorted(
      events.begin(), events.end(),
      [](const NetworkEvent& a, const NetworkEvent& b) { return a.time_ns < b.time_ns; });
  if (!sorted) {
    for (NetworkEvent& event : events) {
      if (taken_until_ && event.time_ns < *taken_until_) continue;  // late: already scored
      pending_[AlignDown(event.time_ns, bucket_span_ns_)].push_back(std::move(event));
    }
    return;
  }
  // In time order (as ingest hands them over), each bucket's events are one run: moved in one
  // go, or not at all when the run is the whole vector and the bucket has nothing yet.
  auto run = events.begin();
  if (taken_until_) run = std::partition_point(run, events.end(), before(*taken_until_));
  while (run != events.end()) {
    const int64_t bucket = AlignDown(run->time_ns, bucket_span_ns_);
    const auto run_end = std::partition_point(run, events.end(), before(bucket + bucket_span_ns_));
    std::vector<NetworkEvent>& pending = pending_[bucket];
    if (pending.empty() && run == events.begin() && run_end == events.end()) {
      pending = std::move(events);
      return;
    }
    pending.insert(pending.end(), std::make_move_iterator(run), std::make_move_iterator(run_end));
    run = run_end;
  }
}

Status BufferedBucketEvents::Take(int64_t start_ns, int64_t end_ns,
                                  std::vector<NetworkEvent>* out) {
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
    if (out->empty()) {
      *out = std::move(it->second);
    } else {
      out->insert(out->end(), std::make_move_iterator(it->second.begin()),
                  std::make_move_iterator(it->second.end()));
    }
  }
  // Buckets before start_ns can only hold events the job skipped (it closes buckets in
  // order), so they are dropped with this one.
  pending_.erase(first, last);
  return Status::Ok();
}

size_t BufferedBucketEvents::pending_events() const {
  size_t total = 0;
  for (const auto& [bucket, events] : pending_) total += events.size();
  return total;
}

}  // namespace ulna::server
