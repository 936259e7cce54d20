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
  EncodeTo(history, &out);
  return out;
}

void HistoryIndex::EncodeTo(const ProcessHistory& history, std::string* out) {
  out->clear();
  out->push_back(static_cast<char>(kFormatVersion));
  ByteWriter writer(out);
  writer.SignedVarint(history.first_seen_ns);
  writer.SignedVarint(history.last_seen_ns);
  writer.Varint(history.buckets_seen);
  writer.Varint(history.hosts_seen);
  writer.Varint(history.recent_days.size());
  for (int64_t day : history.recent_days) writer.SignedVarint(day);
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
        if (key.substr(separator + 1) == kHostMarker) {
          host_first_seen_[host_id] = history->first_seen_ns;
        } else {
          host_[std::string(key)].history = std::move(history).value();
        }
        hosts_.insert(std::move(host_id));
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
        fleet_[std::string(key)].history = std::move(history).value();
        return true;
      }));
  return decode_status;
}

ProcessHistory HistoryIndex::Host(const std::string& host_id,
                                  const std::string& process_key) const {
  std::string row = host_id;
  row += kSeparator;
  row += process_key;
  auto it = host_.find(row);
  return it == host_.end() ? ProcessHistory{} : it->second.history;
}

ProcessHistory HistoryIndex::Fleet(const std::string& process_key) const {
  auto it = fleet_.find(std::string_view(process_key));
  return it == fleet_.end() ? ProcessHistory{} : it->second.history;
}

int64_t HistoryIndex::HostFirstSeen(const std::string& host_id) const {
  auto it = host_first_seen_.find(std::string_view(host_id));
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

HistoryIndex::EntryMap::iterator HistoryIndex::MarkIterator(Family family, EntryMap* map,
                                                            std::string_view row) {
  auto it = map->find(row);
  if (it == map->end()) it = map->emplace(std::string(row), Entry{}).first;
  if (!it->second.dirty) {
    it->second.dirty = true;
    dirty_.push_back(DirtyEntry{family, &it->first, &it->second});
  }
  return it;
}

HistoryIndex::Entry& HistoryIndex::Mark(Family family, EntryMap* map, std::string_view row) {
  return MarkIterator(family, map, row)->second;
}

void HistoryIndex::Record(int64_t bucket_start_ns, const std::string& host_id,
                          const std::string& process_key) {
  // Every host with history is in hosts_, so a host without a first-seen time is new (or was
  // loaded from a store that has none for it): this bucket is its first.
  auto first_seen = host_first_seen_.find(std::string_view(host_id));
  if (first_seen == host_first_seen_.end()) {
    hosts_.insert(host_id);
    first_seen = host_first_seen_.emplace(host_id, bucket_start_ns).first;
    dirty_markers_.push_back(&first_seen->first);
  }
  row_.assign(host_id);
  row_ += kSeparator;
  row_ += process_key;
  ProcessHistory& host_history = Mark(Family::kBaselineHost, &host_, row_).history;
  // A bucket's groups come sorted by process name, so most calls repeat the last one's name:
  // its fleet entry (entries never move) is reused instead of hashed and compared again.
  if (last_fleet_entry_ == nullptr || last_fleet_entry_->first != process_key) {
    last_fleet_entry_ = &*MarkIterator(Family::kBaselineFleet, &fleet_, process_key);
  } else if (!last_fleet_entry_->second.dirty) {
    last_fleet_entry_->second.dirty = true;
    dirty_.push_back(
        DirtyEntry{Family::kBaselineFleet, &last_fleet_entry_->first, &last_fleet_entry_->second});
  }
  ProcessHistory& fleet_history = last_fleet_entry_->second.history;
  if (host_history.first_seen_ns == 0) ++fleet_history.hosts_seen;
  Touch(&host_history, bucket_start_ns);
  Touch(&fleet_history, bucket_start_ns);
}

void HistoryIndex::Persist(WriteGroup* group) {
  for (const std::string* host_id : dirty_markers_) {
    ProcessHistory marker;
    marker.first_seen_ns = host_first_seen_.find(std::string_view(*host_id))->second;
    group->Put(Family::kBaselineHost, *host_id + kSeparator + kHostMarker, Encode(marker));
  }
  for (const DirtyEntry& dirty : dirty_) {
    EncodeTo(dirty.entry->history, &value_);
    group->Put(dirty.family, *dirty.row, value_);
    dirty.entry->dirty = false;
  }
  dirty_markers_.clear();
  dirty_.clear();
}

}  // namespace ulna::server
