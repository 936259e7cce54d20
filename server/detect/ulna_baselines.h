// UlnaBaselines: what each process does on the network, learned at host and fleet scope (the
// peer-group scope is derived from the host baselines, see PeerGroups): per host the process
// names with their behaviours, executables, users and active weekdays / days of month, the users
// and launch contexts (user, parent) with the names they ran; fleet-wide the hosts and behaviours
// of every name, the hosts using each behaviour, users and how often a name is a parent.
// Persisted in the meta family under "model/ulna/", one key per entry, only changed entries
// written (a fleet name's large sets apart from its counters, which change every bucket).
// Not thread-safe: owned by the detector.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/hash_index.h"
#include "common/status.h"
#include "server/detect/ulna_features.h"
#include "server/store/store.h"

namespace ulna::server {

// Marks an entry changed since the last Persist (not persisted): an entry changed in many
// buckets is listed once for Persist, which then neither dedupes nor re-sorts repeats.
struct DirtyMark {
  DirtyMark() = default;
  // A copy is listed in no Persist list: it starts clean, to be listed when it changes.
  DirtyMark(const DirtyMark&) {}
  DirtyMark& operator=(const DirtyMark&) {
    dirty = false;
    return *this;
  }
  bool dirty = false;
};

template <typename Baseline>
using EntryOf = std::pair<const std::string, Baseline>;  // a baseline with its map key

// A list of pointers into its owner's own maps: a copy of the owner starts without it (the
// copied pointers would be into the original's maps), a move keeps it (map nodes stay put).
template <typename List>
struct OwnPointers : List {
  OwnPointers() = default;
  OwnPointers(const OwnPointers&) : List() {}
  OwnPointers(OwnPointers&&) noexcept = default;
  OwnPointers& operator=(const OwnPointers&) {
    this->clear();
    return *this;
  }
  OwnPointers& operator=(OwnPointers&&) noexcept = default;
};

struct UserBaseline {
  std::set<std::string> names;
  uint32_t buckets = 0;
  int64_t last_bucket_ns = 0;
  uint32_t days = 0;  // distinct UTC days active
  int64_t last_day_ns = 0;
  bool outbound_external = false;
  DirtyMark mark;
};

// The programs one (user, parent) pair launched onto the network.
struct LaunchContextBaseline {
  std::set<std::string> names;
  uint32_t buckets = 0;
  int64_t last_bucket_ns = 0;
  DirtyMark mark;
};

struct FleetUserBaseline {
  std::set<std::string> names;
  uint32_t buckets = 0;  // (host, bucket) pairs active
  DirtyMark mark;
};

struct NameBaseline {
  int64_t first_bucket_ns = 0;
  int64_t last_bucket_ns = 0;
  uint32_t buckets = 0;
  uint32_t weekdays = 0;    // bit d: active on weekday d (0 = Sunday), UTC
  uint32_t month_days = 0;  // bit d-1: active on day d of a month, UTC
  std::set<std::string> behaviours;
  std::set<std::string> executables;
  std::set<std::string> users;
  DirtyMark mark;
  // What Observe last met with the name on this host (not persisted; empty in a copy, whose
  // pointers would be into the original's maps, whose entries are never erased). While a bucket
  // repeats them, the sets that hold them already (this name's behaviours, executables and
  // users, the user's and the context's names, the fleet user's names) need no search.
  struct LastSeen {
    LastSeen() = default;
    LastSeen(const LastSeen&) {}
    LastSeen& operator=(const LastSeen&) {
      executable = nullptr;
      user = nullptr;
      context = nullptr;
      fleet_user = nullptr;
      behaviours.clear();
      return *this;
    }
    const std::string* executable = nullptr;  // in `executables`
    // The last bucket's behaviours (in `behaviours`), in ActivityFeatures::behaviours' order.
    std::vector<const std::string*> behaviours;
    EntryOf<UserBaseline>* user = nullptr;
    EntryOf<LaunchContextBaseline>* context = nullptr;
    EntryOf<FleetUserBaseline>* fleet_user = nullptr;
  };
  LastSeen last_seen;
};

// A set of hosts by their HostIndex: bit i of word i / 64. Not persisted; the id sets are.
// (Serves any set of small ids.)
using HostBits = std::vector<uint64_t>;
inline void SetHostBit(HostBits* bits, uint32_t index) {
  if (bits->size() <= index / 64) bits->resize(index / 64 + 1, 0);
  (*bits)[index / 64] |= uint64_t{1} << (index % 64);
}
// The number of hosts in both sets.
size_t CommonHosts(const HostBits& a, const HostBits& b);

struct HostBaseline {
  int64_t first_bucket_ns = 0;
  uint32_t index = 0;  // UlnaBaselines::HostIndex of the host's id (not persisted)
  std::map<std::string, NameBaseline, std::less<>> names;
  std::map<std::string, UserBaseline, std::less<>> users;
  std::map<std::string, LaunchContextBaseline, std::less<>> contexts;  // by LaunchContextKey
};

struct FleetNameBaseline {
  int64_t first_bucket_ns = 0;
  uint32_t observations = 0;  // (host, bucket) pairs active
  bool accepts_ingress = false;
  std::set<std::string> hosts;
  HostBits host_bits;  // `hosts` by index, for peer shares counted as bits
  std::set<std::string> executables;
  std::map<std::string, std::set<std::string>> behaviour_hosts;  // behaviour -> host ids
  DirtyMark counters_mark;
  DirtyMark sets_mark;
};

class UlnaBaselines {
 public:
  Status Load(const Store& store);
  // A host's entry and its name's there (null when absent): looked up once by the detector to
  // score a group and handed back to Observe, which then need not search for them again.
  struct Found {
    EntryOf<HostBaseline>* host = nullptr;
    EntryOf<NameBaseline>* name = nullptr;
  };
  Found Find(std::string_view host_id, std::string_view name);
  // Adds one bucket's activity (call after scoring it). `found` is Find's answer for the
  // activity, made before this bucket's other activities were observed.
  void Observe(int64_t bucket_start_ns, const HostInfo& host, const ActivityFeatures& features,
               Found found);
  void Observe(int64_t bucket_start_ns, const HostInfo& host, const ActivityFeatures& features) {
    Observe(bucket_start_ns, host, features, Find(host.id, features.name));
  }
  // Counts `parent_name` as the parent of a network process in this bucket on `hosts` hosts
  // (once per host).
  void ObserveParent(std::string_view parent_name, uint64_t hosts = 1);
  void Persist(WriteGroup* group);

  const HostBaseline* Host(std::string_view host_id) const;
  const FleetNameBaseline* FleetName(std::string_view name) const;
  const FleetUserBaseline* FleetUser(std::string_view user) const;
  // Hosts (any process) that used `behaviour`.
  size_t BehaviourHosts(std::string_view behaviour) const;
  uint64_t ParentObservations(std::string_view name) const;
  // FleetName and ParentObservations of `name` at once, found by hash: the detector asks for
  // both for every name of a bucket (and for the fleet entry of every parent), where searching
  // the maps compared strings at each level.
  struct FleetNameFacts {
    const FleetNameBaseline* fleet = nullptr;
    uint64_t as_parent = 0;
  };
  FleetNameFacts FindFleetName(std::string_view name);
  const std::map<std::string, HostBaseline, std::less<>>& hosts() const { return hosts_; }
  const std::map<std::string, FleetNameBaseline, std::less<>>& fleet_names() const {
    return fleet_names_;
  }
  // A small number standing for `host_id` in HostBits, the same for the life of this object;
  // assigned on first use (a host need not have a baseline).
  uint32_t HostIndex(std::string_view host_id);

  static std::string EncodeName(const NameBaseline& b);
  static void EncodeName(const NameBaseline& b, std::string* out);  // replaces *out
  static Result<NameBaseline> DecodeName(std::string_view bytes);

 private:
  // Gives every host baseline its index and every fleet name its host bits (after Load).
  void IndexHosts();
  // The entry of `name` on the host of index `host` in memo_.name_slots (hash: NameSlotHash),
  // or null; and remembers one there.
  EntryOf<NameBaseline>* FindNameSlot(uint64_t hash, uint32_t host, std::string_view name) const;
  void AddNameSlot(uint64_t hash, uint32_t host, EntryOf<NameBaseline>* entry);

  std::map<std::string, HostBaseline, std::less<>> hosts_;
  std::map<std::string, FleetNameBaseline, std::less<>> fleet_names_;
  std::map<std::string, FleetUserBaseline, std::less<>> fleet_users_;
  std::map<std::string, std::set<std::string>, std::less<>> behaviour_hosts_;
  // behaviour_hosts_'s set sizes by hash, kept with it: the scorer asks for every external
  // behaviour of every activity, where searching the map compared strings at each level.
  struct BehaviourHash {
    using is_transparent = void;
    size_t operator()(std::string_view behaviour) const { return HashBytes(behaviour); }
  };
  std::unordered_map<std::string, size_t, BehaviourHash, std::equal_to<>> behaviour_host_counts_;
  // HostIndex: host ids by index, found by hash.
  std::vector<std::string> host_ids_;
  HashIndex host_indexes_;
  struct ParentCount {
    uint64_t count = 0;
    DirtyMark mark;
  };
  std::map<std::string, ParentCount, std::less<>> parent_observations_;
  // A name's entries in fleet_names_ and parent_observations_ (null while it has none).
  struct FleetNameEntries {
    std::string name;
    EntryOf<FleetNameBaseline>* fleet = nullptr;
    EntryOf<ParentCount>* parent = nullptr;
  };
  // Changed since the last Persist: views of the entries' map keys (entries are never erased)
  // with the entries. An entry with a DirtyMark is listed once, when it is marked; the fleet
  // behaviours, which change rarely, are listed on every change (so repeated). Vectors keep
  // their capacity, so marking allocates nothing once warm. Empty in a copy, like its marks.
  template <typename Entry>
  using Dirty = OwnPointers<std::vector<std::pair<std::string_view, Entry*>>>;
  template <typename Entry>
  using DirtyHostEntries =
      OwnPointers<std::vector<std::pair<std::pair<std::string_view, std::string_view>, Entry*>>>;
  Dirty<HostBaseline> dirty_hosts_meta_;
  DirtyHostEntries<NameBaseline> dirty_host_names_;
  DirtyHostEntries<UserBaseline> dirty_host_users_;
  DirtyHostEntries<LaunchContextBaseline> dirty_host_contexts_;
  Dirty<FleetNameBaseline> dirty_fleet_names_;  // counters
  Dirty<FleetNameBaseline> dirty_fleet_sets_;
  Dirty<FleetUserBaseline> dirty_fleet_users_;
  Dirty<std::set<std::string>> dirty_behaviours_;
  Dirty<ParentCount> dirty_parents_;
  // Scratch of Observe: the bucket's behaviours new to the host's name (views of the features).
  std::vector<const std::string*> fresh_behaviours_;
  std::string context_key_;  // LaunchContextKey of the activity observed
  // What Observe saw last, to reuse while it repeats: a bucket's groups come sorted by name and
  // users repeat. Empty in a copy, whose pointers would be into the original's maps.
  struct ObserveMemo {
    ObserveMemo() = default;
    ObserveMemo(const ObserveMemo&) {}
    ObserveMemo& operator=(const ObserveMemo&) {
      hosts.clear();
      fleet_name = nullptr;
      fleet_user = nullptr;
      bucket_ns = -1;
      name_slots.clear();
      name_count = 0;
      fleet_names.clear();
      fleet_name_index.Clear();
      return *this;
    }
    // By HostIndex: the host's entry in hosts_ once Find found it (null: not yet).
    std::vector<EntryOf<HostBaseline>*> hosts;
    // (host index, name) -> the host's name entry, once Find found it there: an open-addressing
    // table (one slot per entry found, so as many as the host name entries at most), which
    // spares Find a search of the host's map of names with string compares.
    struct NameSlot {
      uint64_t hash = 0;
      uint32_t host = 0;
      EntryOf<NameBaseline>* entry = nullptr;  // null: a free slot
    };
    std::vector<NameSlot> name_slots;  // size a power of two, or empty
    size_t name_count = 0;
    // By name: its entries in fleet_names_ and parent_observations_ (null while absent; set
    // when they are added), found by hash. As many as the names asked about.
    std::vector<FleetNameEntries> fleet_names;
    HashIndex fleet_name_index;  // hash of a name -> its index in fleet_names
    // Entries of fleet_names_ and fleet_users_ (never erased, so never invalidated).
    std::pair<const std::string, FleetNameBaseline>* fleet_name = nullptr;
    std::pair<const std::string, FleetUserBaseline>* fleet_user = nullptr;
    // The calendar bits of a bucket.
    int64_t bucket_ns = -1;
    uint32_t weekday_bit = 0;
    uint32_t month_day_bit = 0;
    int64_t day_ns = 0;  // UtcDayStart
  };
  ObserveMemo memo_;
  // The entries of `name` in memo_.fleet_names (made on first use). Valid until the next call.
  FleetNameEntries& FleetEntriesOf(std::string_view name);
  // Scratch row key and value of Persist, reused so that rows cost no allocation.
  std::string key_buffer_;
  std::string value_buffer_;
};

}  // namespace ulna::server
