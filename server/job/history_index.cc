#include "server/job/history_index.h"

#include <algorithm>

#include "common/byte_codec.h"
#include "common/duration.h"

namespace ulna::server {
namespace {

constexpr uint8_t kFormatVersion = 1;
constexpr size_t kMaxRecentDays = 8;
// Host-scope keys are "<host id>\0<process key>"; the NUL cannot occur in host ids.
constexpr char kSeparator = '\0';
// A host's own first-seen time lives under the process key "" (no real process has that name).
const std::string kHostMarker;

}  // namespace

std::string HistoryIndex::Encode(const ProcessHistory& history) {
  std::string out;
  out.push_back(static_cast<char>(kFormatVersion));
  ByteWriter writer(&out);
  writer.SignedVarint(history.first_seen_ns);
  writer.SignedVarint(history.last_seen_ns);
  writer.Varint(history.buckets_seen);
  writer.Varint(history.hosts_seen);
  writer.Varint(history.recent_days.size());
  for (int64_t day : history.recent_days) writer.SignedVarint(day);
  return out;
}

Result<ProcessHistory> HistoryIndex::Decode(std::string_view bytes) {
  if (bytes.empty() || static_cast<uint8_t>(bytes[0]) != kFormatVersion) {
    return Status::InvalidArgument("history entry has an unknown format version");
  }
  ByteReader reader(bytes.substr(1));
  ProcessHistory history;
  history.first_seen_ns = reader.SignedVarint();
  history.last_seen_ns = reader.SignedVarint();
  history.buckets_seen = static_cast<uint32_t>(reader.Varint());
  history.hosts_seen = static_cast<uint32_t>(reader.Varint());
  const uint64_t days = reader.Count(kMaxRecentDays);
  for (uint64_t i = 0; i < days && reader.ok(); ++i) {
    history.recent_days.push_back(reader.SignedVarint());
  }
  if (!reader.ok() || !reader.done()) return Status::InvalidArgument("history entry is corrupt");
  return history;
}

Status HistoryIndex::Load(const Store& store) {
  Status decode_status;
  ULNA_RETURN_IF_ERROR(
      store.Scan(Family::kBaselineHost, "", "", [&](std::string_view key, std::string_view value) {
        const size_t separator = key.find(kSeparator);
        auto history = Decode(value);
        if (separator == std::string_view::npos || !history.ok()) {
          decode_status = Status::Internal("corrupt baseline_host entry");
          return false;
        }
        std::string host_id(key.substr(0, separator));
        std::string process_key(key.substr(separator + 1));
        hosts_.insert(host_id);
        if (process_key == kHostMarker) {
          host_first_seen_[host_id] = history->first_seen_ns;
        } else {
          host_[{std::move(host_id), std::move(process_key)}] = std::move(history).value();
        }
        return true;
      }));
  ULNA_RETURN_IF_ERROR(decode_status);
  ULNA_RETURN_IF_ERROR(
      store.Scan(Family::kBaselineFleet, "", "", [&](std::string_view key, std::string_view value) {
        auto history = Decode(value);
        if (!history.ok()) {
          decode_status = Status::Internal("corrupt baseline_fleet entry");
          return false;
        }
        fleet_[std::string(key)] = std::move(history).value();
        return true;
      }));
  return decode_status;
}

ProcessHistory HistoryIndex::Host(const std::string& host_id,
                                  const std::string& process_key) const {
  auto it = host_.find({host_id, process_key});
  return it == host_.end() ? ProcessHistory{} : it->second;
}

ProcessHistory HistoryIndex::Fleet(const std::string& process_key) const {
  auto it = fleet_.find(process_key);
  return it == fleet_.end() ? ProcessHistory{} : it->second;
}

int64_t HistoryIndex::HostFirstSeen(const std::string& host_id) const {
  auto it = host_first_seen_.find(host_id);
  return it == host_first_seen_.end() ? 0 : it->second;
}

void HistoryIndex::Touch(ProcessHistory* history, int64_t bucket_start_ns) {
  if (history->last_seen_ns == bucket_start_ns) return;  // once per bucket
  if (history->first_seen_ns == 0) history->first_seen_ns = bucket_start_ns;
  history->last_seen_ns = bucket_start_ns;
  ++history->buckets_seen;
  const int64_t day = bucket_start_ns - bucket_start_ns % kNanosPerDay;
  if (history->recent_days.empty() || history->recent_days.back() != day) {
    history->recent_days.push_back(day);
    if (history->recent_days.size() > kMaxRecentDays) {
      history->recent_days.erase(history->recent_days.begin());
    }
  }
}

void HistoryIndex::Record(int64_t bucket_start_ns, const std::string& host_id,
                          const std::string& process_key) {
  if (hosts_.insert(host_id).second || !host_first_seen_.count(host_id)) {
    host_first_seen_[host_id] = bucket_start_ns;
    dirty_host_.insert({host_id, kHostMarker});
  }
  ProcessHistory& host_history = host_[{host_id, process_key}];
  ProcessHistory& fleet_history = fleet_[process_key];
  if (host_history.first_seen_ns == 0) ++fleet_history.hosts_seen;
  Touch(&host_history, bucket_start_ns);
  Touch(&fleet_history, bucket_start_ns);
  dirty_host_.insert({host_id, process_key});
  dirty_fleet_.insert(process_key);
}

void HistoryIndex::Persist(WriteGroup* group) {
  for (const HostKey& key : dirty_host_) {
    const std::string row = key.first + kSeparator + key.second;
    if (key.second == kHostMarker) {
      ProcessHistory marker;
      marker.first_seen_ns = host_first_seen_[key.first];
      group->Put(Family::kBaselineHost, row, Encode(marker));
    } else {
      group->Put(Family::kBaselineHost, row, Encode(host_.at(key)));
    }
  }
  for (const std::string& key : dirty_fleet_) {
    group->Put(Family::kBaselineFleet, key, Encode(fleet_.at(key)));
  }
  dirty_host_.clear();
  dirty_fleet_.clear();
}

}  // namespace ulna::server
