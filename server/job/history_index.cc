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
          HostSlot& slot = Slot(host_id).second;
          slot.has_first_seen = true;
          slot.first_seen_ns = history->first_seen_ns;
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
  auto it = host_slots_.find(std::string_view(host_id));
  return it == host_slots_.end() || !it->second.has_first_seen ? 0 : it->second.first_seen_ns;
}

HistoryIndex::HostMap::value_type& HistoryIndex::Slot(std::string_view host_id) {
  bool added = false;
  const uint32_t index = slot_index_.FindOrInsert(
      HashBytes(host_id), static_cast<uint32_t>(slots_by_index_.size()),
      [&](uint32_t candidate) { return slots_by_index_[candidate]->first == host_id; }, &added);
  if (!added) return *slots_by_index_[index];
  HostSlot slot;
  slot.index = index;
  HostMap::value_type& entry = *host_slots_.emplace(std::string(host_id), slot).first;
  slots_by_index_.push_back(&entry);
  return entry;
}

void HistoryIndex::Touch(ProcessHistory* history, int64_t bucket_start_ns) {
  if (history->last_seen_ns == bucket_start_ns) return;  // once per bucket
  const int64_t day = bucket_start_ns - bucket_start_ns % kNanosPerDay;
  // The last recent day is always the last-seen bucket's: when that was today, today is listed
  // already, and the list (a cache miss of its own) need not be read.
  const bool seen_today = history->first_seen_ns != 0 &&
                          history->last_seen_ns - history->last_seen_ns % kNanosPerDay == day;
  if (history->first_seen_ns == 0) history->first_seen_ns = bucket_start_ns;
  history->last_seen_ns = bucket_start_ns;
  ++history->buckets_seen;
  if (seen_today && !history->recent_days.empty()) return;
  if (history->recent_days.empty() || history->recent_days.back() != day) {
    history->recent_days.push_back(day);
    if (history->recent_days.size() > kMaxRecentDays) {
      history->recent_days.erase(history->recent_days.begin());
    }
  }
}

HistoryIndex::Row& HistoryIndex::FindOrAdd(EntryMap* map, std::string_view row) {
  auto it = map->find(row);
  if (it == map->end()) it = map->emplace(std::string(row), Entry{}).first;
  return *it;
}

void HistoryIndex::MarkDirty(Family family, Row* row) {
  if (row->second.dirty) return;
  row->second.dirty = true;
  dirty_.push_back(DirtyEntry{family, &row->first, &row->second});
}

void HistoryIndex::Record(int64_t bucket_start_ns, const std::string& host_id,
                          const std::string& process_key) {
  // Every host with history is in hosts_, so a host without a first-seen time is new (or was
  // loaded from a store that has none for it): this bucket is its first.
  HostMap::value_type& slot = Slot(host_id);
  if (!slot.second.has_first_seen) {
    hosts_.insert(host_id);
    slot.second.has_first_seen = true;
    slot.second.first_seen_ns = bucket_start_ns;
    dirty_markers_.push_back(&slot);
  }
  // A bucket's groups come sorted by process name, so most calls repeat the last one's name:
  // its fleet entry (entries never move) is reused instead of hashed and compared again.
  if (last_fleet_entry_ == nullptr || last_fleet_entry_->first != process_key) {
    last_fleet_entry_ = &FindOrAdd(&fleet_, process_key);
  }
  // The host entry through the fleet entry's index of them; the row is built and hashed only
  // the first time this index meets the pair.
  std::vector<std::pair<uint32_t, Row*>>& host_rows = last_fleet_entry_->second.host_rows;
  auto host_row = std::lower_bound(
      host_rows.begin(), host_rows.end(), slot.second.index,
      [](const std::pair<uint32_t, Row*>& entry, uint32_t index) { return entry.first < index; });
  if (host_row == host_rows.end() || host_row->first != slot.second.index) {
    row_.assign(host_id);
    row_ += kSeparator;
    row_ += process_key;
    host_row = host_rows.emplace(host_row, slot.second.index, &FindOrAdd(&host_, row_));
  }
  MarkDirty(Family::kBaselineHost, host_row->second);
  MarkDirty(Family::kBaselineFleet, last_fleet_entry_);
  ProcessHistory& host_history = host_row->second->second.history;
  ProcessHistory& fleet_history = last_fleet_entry_->second.history;
  if (host_history.first_seen_ns == 0) ++fleet_history.hosts_seen;
  Touch(&host_history, bucket_start_ns);
  Touch(&fleet_history, bucket_start_ns);
}

void HistoryIndex::Persist(WriteGroup* group) {
  for (const HostMap::value_type* host : dirty_markers_) {
    ProcessHistory marker;
    marker.first_seen_ns = host->second.first_seen_ns;
    group->Put(Family::kBaselineHost, host->first + kSeparator + kHostMarker, Encode(marker));
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
