// HistoryIndex: when each process was seen using the network, per host and fleet-wide (first and
// last bucket, buckets and days active, hosts) — the "history of execution" the investigation
// guide asks for, and the prior every detector starts from. Persisted in the baseline_host /
// baseline_fleet families; only entries changed since the last Persist are written. Entries are
// keyed by their store row so that recording and persisting a bucket copy no strings.
// Not thread-safe: owned by the job thread.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/hash_index.h"
#include "common/status.h"
#include "server/alert/alert.h"
#include "server/store/store.h"

namespace ulna::server {

class HistoryIndex {
 public:
  HistoryIndex() = default;
  // A copy would point last_fleet_entry_ into the original's map; moves keep map nodes.
  HistoryIndex(const HistoryIndex&) = delete;
  HistoryIndex& operator=(const HistoryIndex&) = delete;
  HistoryIndex(HistoryIndex&&) = default;
  HistoryIndex& operator=(HistoryIndex&&) = default;

  // Loads every persisted entry.
  Status Load(const Store& store);

  // History strictly before the bucket being scored (Record() for it not yet called).
  ProcessHistory Host(const std::string& host_id, const std::string& process_key) const;
  ProcessHistory Fleet(const std::string& process_key) const;
  size_t host_count() const { return hosts_.size(); }
  // Hosts with any history, i.e. agents or archives that ever sent events.
  const std::set<std::string>& hosts() const { return hosts_; }
  // First bucket any event of `host_id` was scored in (0: never).
  int64_t HostFirstSeen(const std::string& host_id) const;

  // Marks `process_key` active on `host_id` in the bucket starting at `bucket_start_ns`.
  void Record(int64_t bucket_start_ns, const std::string& host_id, const std::string& process_key);
  // Adds the entries changed since the last call to `group`.
  void Persist(WriteGroup* group);

  static std::string Encode(const ProcessHistory& history);
  static Result<ProcessHistory> Decode(std::string_view bytes);

 private:
  // Hashes std::string and std::string_view alike, for lookups without a temporary string;
  // HashBytes takes a 32-byte host id in three multiplies where std::hash loops over its bytes.
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view key) const { return HashBytes(key); }
  };
  struct Entry;
  using Row = std::pair<const std::string, Entry>;  // an EntryMap element
  struct Entry {
    ProcessHistory history;
    bool dirty = false;  // listed in dirty_ since the last Persist
    // A fleet entry's host entries by host index, sorted: found without hashing their rows.
    // Filled as Record meets them (entries loaded from the store join on their first Record).
    std::vector<std::pair<uint32_t, Row*>> host_rows;
  };
  // Keyed by the store row: "<host id>\0<process key>" (baseline_host) or the process key.
  using EntryMap = std::unordered_map<std::string, Entry, KeyHash, std::equal_to<>>;
  struct DirtyEntry {
    Family family;
    const std::string* row;
    Entry* entry;
  };
  struct HostSlot {
    uint32_t index = 0;  // a small number standing for the host id in host_rows
    bool has_first_seen = false;
    int64_t first_seen_ns = 0;  // a host's first-seen time is persisted as "<host id>\0" (.cc)
  };
  using HostMap = std::unordered_map<std::string, HostSlot, KeyHash, std::equal_to<>>;

  static void Touch(ProcessHistory* history, int64_t bucket_start_ns);
  static void EncodeTo(const ProcessHistory& history, std::string* out);  // replaces *out
  // The entry of `row` in `map`, created empty when missing.
  static Row& FindOrAdd(EntryMap* map, std::string_view row);
  // Lists the entry as changed since the last Persist (once).
  void MarkDirty(Family family, Row* row);
  // The slot of `host_id`, created (without a first-seen time) when missing.
  HostMap::value_type& Slot(std::string_view host_id);

  EntryMap host_;
  EntryMap fleet_;
  HostMap host_slots_;  // every host id met, with its first-seen time once it has one
  // host_slots_'s entries by HostSlot::index, found through slot_index_ (hashes of their ids):
  // Record looks up a host per group, and this costs less than the map's lookup.
  std::vector<HostMap::value_type*> slots_by_index_;
  HashIndex slot_index_;
  std::set<std::string> hosts_;
  std::vector<DirtyEntry> dirty_;
  std::vector<const HostMap::value_type*> dirty_markers_;  // hosts whose marker row changed
  Row* last_fleet_entry_ = nullptr;                        // the fleet entry of the last Record
  std::string row_;                                        // scratch row key of Record
  std::string value_;                                      // scratch row value of Persist
};

}  // namespace ulna::server
