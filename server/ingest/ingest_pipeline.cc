#include "server/ingest/ingest_pipeline.h"

#include <algorithm>

#include "common/duration.h"

namespace ulna::server {
namespace {

// Room reserved in an archive write batch per event: above what dev1's events take encoded
// (~190 bytes with their batches' keys), so that the batch is seldom grown by copying.
constexpr size_t kReservedBytesPerEvent = 256;

}  // namespace

IngestPipeline::IngestPipeline(Store* store, IngestOptions options, std::function<int64_t()> clock,
                               std::function<int64_t()> closed_before)
    : store_(store),
      log_(store),
      options_(options),
      clock_(std::move(clock)),
      closed_before_(std::move(closed_before)),
      // Archive batch keys must not repeat across runs on one store (a repeat would overwrite
      // another archive's batch starting at the same time): they start from the wall clock.
      archive_batch_key_(static_cast<uint64_t>(WallClockNanos())) {}

std::mutex& IngestPipeline::HostMutex(const std::string& host_id) {
  std::lock_guard<std::mutex> lock(host_mutexes_mu_);
  auto& slot = host_mutexes_[host_id];
  if (!slot) slot = std::make_unique<std::mutex>();
  return *slot;
}

void IngestPipeline::DropOutOfRangeTimes(std::vector<NetworkEvent>* events) {
  const int64_t latest_valid = clock_() + options_.max_future_skew_ns;
  auto out_of_range = [&](const NetworkEvent& e) {
    return e.time_ns < options_.min_valid_time_ns || e.time_ns > latest_valid;
  };
  const size_t before = events->size();
  events->erase(std::remove_if(events->begin(), events->end(), out_of_range), events->end());
  stats_.rejected[static_cast<size_t>(RejectReason::kTimeOutOfRange)] += before - events->size();
}

size_t IngestPipeline::KeepValidTimes(std::vector<NetworkEvent>* events) {
  DropOutOfRangeTimes(events);
  const int64_t horizon = closed_before_();
  for (const NetworkEvent& e : *events) {
    if (e.time_ns < horizon) ++stats_.events_late;
  }
  return events->size();
}

Result<StoreOutcome> IngestPipeline::StoreAgentBatch(const HostInfo& host, uint64_t sequence,
                                                     std::vector<NetworkEvent> events,
                                                     const CaptureLoss& loss) {
  std::lock_guard<std::mutex> lock(HostMutex(host.id));
  auto last = log_.LastSequence(host.id);
  ULNA_RETURN_IF_ERROR(last.status());
  StoreOutcome outcome;
  ++stats_.batches;
  if (sequence <= *last) {
    ++stats_.duplicate_batches;
    outcome.duplicate = true;
    return outcome;
  }
  const size_t received = events.size();
  for (NetworkEvent& e : events) e.host = host;  // identity from credentials, never the payload
  outcome.accepted = static_cast<uint32_t>(KeepValidTimes(&events));
  outcome.rejected = static_cast<uint32_t>(received - outcome.accepted);
  WriteGroup group;
  if (!events.empty()) log_.Append(host, sequence, std::move(events), &group);
  log_.SetLastSequence(host.id, sequence, &group);
  ULNA_RETURN_IF_ERROR(store_->Write(std::move(group), /*sync=*/true));
  stats_.events_stored += outcome.accepted;
  stats_.capture_drops += loss.total();
  return outcome;
}

Result<uint64_t> IngestPipeline::LastSequence(const std::string& host_id) {
  return log_.LastSequence(host_id);
}

Status IngestPipeline::StoreArchiveEvents(std::vector<NetworkEvent> events, bool sync) {
  PreparedArchiveEvents prepared = PrepareArchiveEvents(std::move(events));
  return StorePreparedArchiveEvents(&prepared, sync);
}

PreparedArchiveEvents IngestPipeline::PrepareArchiveEvents(std::vector<NetworkEvent> events) {
  DropOutOfRangeTimes(&events);
  auto by_time = [](const NetworkEvent& a, const NetworkEvent& b) { return a.time_ns < b.time_ns; };
  // Archives are in time order almost always; the check is cheaper than the sort's moves.
  if (!std::is_sorted(events.begin(), events.end(), by_time)) {
    std::stable_sort(events.begin(), events.end(), by_time);
  }
  // The RocksDB batch is built here, on the preparing thread, straight from the encoder's
  // buffers (no encoded batch of its own per stored batch); the store step only applies it and
  // reports any error of building it.
  PreparedArchiveEvents prepared{store_->NewDirectGroup(kReservedBytesPerEvent * events.size()),
                                 {}};
  log_.AppendArchive(archive_batch_key_.fetch_add(1, std::memory_order_relaxed), events,
                     &prepared.group);
  prepared.events = std::move(events);
  return prepared;
}

Status IngestPipeline::StorePreparedArchiveEvents(PreparedArchiveEvents* prepared, bool sync) {
  // Late: stored, but before the job's horizon now (their bucket will not be scored again).
  const int64_t horizon = closed_before_();
  const std::vector<NetworkEvent>& events = prepared->events;
  stats_.events_late += static_cast<uint64_t>(
      std::partition_point(events.begin(), events.end(),
                           [horizon](const NetworkEvent& e) { return e.time_ns < horizon; }) -
      events.begin());
  if (prepared->group.empty()) return Status::Ok();
  ULNA_RETURN_IF_ERROR(store_->Write(std::move(prepared->group), sync));
  stats_.events_stored += events.size();
  return Status::Ok();
}

}  // namespace ulna::server
