#include "server/store/event_log.h"

#include <algorithm>

#include "common/batch_codec.h"

namespace ulna::server {
namespace {

constexpr std::string_view kSequencePrefix = "agent_seq/";
// Bounds a stored batch so that one value stays small enough to read and decode cheaply.
constexpr size_t kMaxEventsPerBatch = 4096;

// BE64(first event time) · host id · '\0' · BE64(batch key) · BE32(part): time first, so one
// bucket of the whole fleet is one range scan; host, source key and part keep keys unique.
std::string BatchKey(int64_t first_time_ns, const std::string& host_id, uint64_t batch_key,
                     uint32_t part) {
  std::string key;
  key.reserve(8 + host_id.size() + 1 + 8 + 4);
  AppendBigEndian64(&key, static_cast<uint64_t>(first_time_ns));
  key.append(host_id);
  key.push_back('\0');
  AppendBigEndian64(&key, batch_key);
  for (int shift = 24; shift >= 0; shift -= 8) key.push_back(static_cast<char>(part >> shift));
  return key;
}

// Key of the first batch that may start at `time_ns` (times before the epoch clamp to 0).
std::string TimeKey(int64_t time_ns) {
  std::string key;
  AppendBigEndian64(&key, static_cast<uint64_t>(std::max<int64_t>(time_ns, 0)));
  return key;
}

// A printable form of a binary key for error messages.
std::string DescribeKey(std::string_view key) {
  return "time " + std::to_string(static_cast<int64_t>(ReadBigEndian64(key))) + ", host '" +
         std::string(key.size() > 8 ? key.substr(8, key.find('\0', 8) - 8) : "") + "'";
}

// Encodes time-sorted `events` as parts that each hold less than kMaxBatchSpanNs of event time
// after their first event (the bound Scan and DeleteBefore rely on) and at most
// kMaxEventsPerBatch events.
void AppendParts(const std::string& host_id, uint64_t batch_key,
                 std::span<const NetworkEvent> events, WriteGroup* group) {
  // One encoder per thread (replay encodes on every worker): its dictionary tables and
  // buffers keep their capacity from call to call instead of being allocated for each.
  thread_local BatchEncoder encoder(/*self_contained=*/true);
  uint32_t part = 0;
  size_t begin = 0;
  while (begin < events.size()) {
    const int64_t first_ns = events[begin].time_ns;
    size_t end = begin + 1;
    while (end < events.size() && end - begin < kMaxEventsPerBatch &&
           events[end].time_ns - first_ns < kMaxBatchSpanNs) {
      ++end;
    }
    const BatchEncoder::Parts parts =
        encoder.EncodeParts(batch_key, events.subspan(begin, end - begin));
    group->PutParts(Family::kEvents, BatchKey(first_ns, host_id, batch_key, part++), parts);
    begin = end;
  }
}

}  // namespace

void EventLog::Append(const HostInfo& host, uint64_t batch_key,
                      const std::vector<NetworkEvent>& events, WriteGroup* group) const {
  Append(host, batch_key, std::vector<NetworkEvent>(events), group);
}

void EventLog::Append(const HostInfo& host, uint64_t batch_key, std::vector<NetworkEvent>&& events,
                      WriteGroup* group) const {
  std::vector<NetworkEvent>& sorted = events;
  for (NetworkEvent& event : sorted) {
    if (!(event.host == host)) event.host = host;  // archives: usually equal already, no copy
  }
  auto by_time = [](const NetworkEvent& a, const NetworkEvent& b) { return a.time_ns < b.time_ns; };
  // Archives and agent batches arrive in time order almost always; the check is cheaper than
  // the sort's moves of whole events.
  if (!std::is_sorted(sorted.begin(), sorted.end(), by_time)) {
    std::stable_sort(sorted.begin(), sorted.end(), by_time);
  }

  AppendParts(host.id, batch_key, sorted, group);
}

void EventLog::AppendArchive(uint64_t batch_key, std::span<const NetworkEvent> sorted_events,
                             WriteGroup* group) const {
  // Self-contained batches carry each event's host, so one batch may mix hosts; the key's host
  // part stays empty.
  AppendParts("", batch_key, sorted_events, group);
}

Result<std::optional<int64_t>> EventLog::LatestTimeBound() const {
  auto last = store_->LastKey(Family::kEvents);
  ULNA_RETURN_IF_ERROR(last.status());
  if (!last->has_value()) return std::optional<int64_t>();
  // The last key holds the latest first-event time; its batch spans less than kMaxBatchSpanNs.
  return std::optional<int64_t>(static_cast<int64_t>(ReadBigEndian64(**last)) + kMaxBatchSpanNs);
}

void EventLog::SetLastSequence(const std::string& host_id, uint64_t sequence,
                               WriteGroup* group) const {
  std::string value;
  AppendBigEndian64(&value, sequence);
  group->Put(Family::kMeta, std::string(kSequencePrefix) + host_id, value);
}

Result<uint64_t> EventLog::LastSequence(const std::string& host_id) const {
  Result<std::string> value = store_->Get(Family::kMeta, std::string(kSequencePrefix) + host_id);
  if (!value.ok()) {
    if (value.status().code() == Status::Code::kNotFound) return uint64_t{0};
    return value.status();
  }
  if (value->size() != 8) {
    return Status::Internal("stored last sequence of host '" + host_id + "' has " +
                            std::to_string(value->size()) + " bytes, not 8");
  }
  return ReadBigEndian64(*value);
}

Status EventLog::Scan(int64_t start_ns, int64_t end_ns,
                      const std::function<void(const NetworkEvent&)>& visit) const {
  RejectTally rejects;
  ULNA_RETURN_IF_ERROR(Scan(start_ns, end_ns, visit, &rejects));
  if (rejects.total() > 0) {
    return Status::Internal(std::to_string(rejects.total()) +
                            " stored events could not be decoded (the others were visited)");
  }
  return Status::Ok();
}

Status EventLog::Scan(int64_t start_ns, int64_t end_ns,
                      const std::function<void(const NetworkEvent&)>& visit,
                      RejectTally* rejects) const {
  return ScanOwned(
      start_ns, end_ns, [&visit](NetworkEvent&& event) { visit(event); }, rejects);
}

Status EventLog::ScanOwned(int64_t start_ns, int64_t end_ns,
                           const std::function<void(NetworkEvent&& event)>& take,
                           RejectTally* rejects) const {
  if (end_ns <= start_ns) return Status::Ok();
  Status failure;
  v1::EventBatch batch;
  std::vector<NetworkEvent> events;
  ULNA_RETURN_IF_ERROR(
      store_->Scan(Family::kEvents, TimeKey(start_ns - kMaxBatchSpanNs), TimeKey(end_ns),
                   [&](std::string_view key, std::string_view value) {
                     if (!batch.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
                       failure = Status::Internal("stored event batch at " + DescribeKey(key) +
                                                  " is not a valid EventBatch");
                       return false;
                     }
                     events.clear();
                     // Self-contained batches need a fresh dictionary each.
                     BatchDecoder decoder;
                     Status decoded = decoder.Decode(batch, /*host=*/nullptr, &events, rejects);
                     if (!decoded.ok()) {
                       failure = decoded.WithContext("stored event batch at " + DescribeKey(key));
                       return false;
                     }
                     for (NetworkEvent& event : events) {
                       if (event.time_ns >= start_ns && event.time_ns < end_ns) {
                         take(std::move(event));
                       }
                     }
                     return true;
                   }));
  return failure;
}

Status EventLog::DeleteBefore(int64_t cutoff_ns) {
  // A batch whose first event is before cutoff - kMaxBatchSpanNs ends before the cutoff; one
  // that starts later may straddle it and is kept (retention keeps at most one span extra).
  const std::string end = TimeKey(cutoff_ns - kMaxBatchSpanNs);
  const std::string begin = TimeKey(0);
  if (end <= begin) return Status::Ok();
  // Nothing older than the cutoff (the usual case: the job runs this once a day): skip the
  // write and, above all, the manual compaction, which flushes the memtable and rewrites every
  // SST overlapping the range even when the range holds no key.
  bool any = false;
  ULNA_RETURN_IF_ERROR(store_->Scan(Family::kEvents, begin, end, [&](std::string_view, auto) {
    any = true;
    return false;
  }));
  if (!any) return Status::Ok();
  WriteGroup group;
  group.DeleteRange(Family::kEvents, begin, end);
  ULNA_RETURN_IF_ERROR(store_->Write(std::move(group), /*sync=*/true));
  return store_->Compact(Family::kEvents, begin, end);
}

}  // namespace ulna::server
