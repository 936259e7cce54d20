#include "server/detect/ulna_baselines.h"

#include <algorithm>
#include <bit>
#include <functional>

#include "common/byte_codec.h"
#include "common/duration.h"

namespace ulna::server {
namespace {

constexpr uint64_t kFormatVersion = 1;
// Fleet name rows ('n') of version 1 held the sets too; version 2 holds only the counters.
constexpr uint64_t kFleetCountersVersion = 2;
constexpr uint64_t kMaxEntries = 1 << 20;  // sanity bound on decoded counts

// Every baseline key starts with this, then a kind and NUL-separated parts.
const char kPrefix[] = "model/ulna/b/";
const char kPrefixEnd[] = "model/ulna/b0";  // '0' follows '/'

// (host id, part) of a host entry, viewing the map keys.
using KeyViews = std::pair<std::string_view, std::string_view>;

// The store key of a host entry, built in *key (reused across rows to spare allocations).
void HostKey(std::string_view host, char kind, std::string_view part, std::string* key) {
  key->assign(kPrefix);
  *key += 'h';
  *key += '\0';
  *key += host;
  *key += '\0';
  *key += kind;
  if (kind != 'm') {
    *key += '\0';
    *key += part;
  }
}

void FleetKey(char kind, std::string_view part, std::string* key) {
  key->assign(kPrefix);
  *key += 'f';
  *key += kind;
  *key += '\0';
  *key += part;
}

void PutSet(ByteWriter& w, const std::set<std::string>& values) {
  w.Varint(values.size());
  for (const std::string& v : values) w.String(v);
}

std::set<std::string> GetSet(ByteReader& r) {
  std::set<std::string> values;
  const uint64_t n = r.Count(kMaxEntries);
  for (uint64_t i = 0; i < n && r.ok(); ++i) values.insert(r.String());
  return values;
}

// Encoders replace *out (a buffer reused across rows).
void Encode(const UserBaseline& b, std::string* out) {
  out->clear();
  ByteWriter w(out);
  w.Varint(kFormatVersion);
  PutSet(w, b.names);
  w.Varint(b.buckets);
  w.SignedVarint(b.last_bucket_ns);
  w.Varint(b.days);
  w.SignedVarint(b.last_day_ns);
  w.Varint(b.outbound_external ? 1 : 0);
}

void Encode(const LaunchContextBaseline& b, std::string* out) {
  out->clear();
  ByteWriter w(out);
  w.Varint(kFormatVersion);
  PutSet(w, b.names);
  w.Varint(b.buckets);
  w.SignedVarint(b.last_bucket_ns);
}

// A fleet name is two rows: its counters ('n'), which change with every bucket it is active in,
// and its sets ('s': hosts, executables, behaviours' hosts), which grow rarely and can be large,
// so they are rewritten only when they grew.
void EncodeCounters(const FleetNameBaseline& b, std::string* out) {
  out->clear();
  ByteWriter w(out);
  w.Varint(kFleetCountersVersion);
  w.SignedVarint(b.first_bucket_ns);
  w.Varint(b.observations);
  w.Varint(b.accepts_ingress ? 1 : 0);
}

void EncodeSets(const FleetNameBaseline& b, std::string* out) {
  out->clear();
  ByteWriter w(out);
  w.Varint(kFormatVersion);
  PutSet(w, b.hosts);
  PutSet(w, b.executables);
  w.Varint(b.behaviour_hosts.size());
  for (const auto& [behaviour, hosts] : b.behaviour_hosts) {
    w.String(behaviour);
    PutSet(w, hosts);
  }
}

void Encode(const FleetUserBaseline& b, std::string* out) {
  out->clear();
  ByteWriter w(out);
  w.Varint(kFormatVersion);
  PutSet(w, b.names);
  w.Varint(b.buckets);
}

bool Decode(ByteReader& r, UserBaseline* b) {
  b->names = GetSet(r);
  b->buckets = static_cast<uint32_t>(r.Varint());
  b->last_bucket_ns = r.SignedVarint();
  b->days = static_cast<uint32_t>(r.Varint());
  b->last_day_ns = r.SignedVarint();
  b->outbound_external = r.Varint() != 0;
  return r.ok();
}

bool Decode(ByteReader& r, LaunchContextBaseline* b) {
  b->names = GetSet(r);
  b->buckets = static_cast<uint32_t>(r.Varint());
  b->last_bucket_ns = r.SignedVarint();
  return r.ok();
}

bool DecodeCounters(ByteReader& r, FleetNameBaseline* b) {
  b->first_bucket_ns = r.SignedVarint();
  b->observations = static_cast<uint32_t>(r.Varint());
  b->accepts_ingress = r.Varint() != 0;
  return r.ok();
}

bool DecodeSets(ByteReader& r, FleetNameBaseline* b) {
  b->hosts = GetSet(r);
  b->executables = GetSet(r);
  b->behaviour_hosts.clear();
  const uint64_t n = r.Count(kMaxEntries);
  for (uint64_t i = 0; i < n && r.ok(); ++i) {
    std::string behaviour = r.String();
    b->behaviour_hosts[behaviour] = GetSet(r);
  }
  return r.ok();
}

bool Decode(ByteReader& r, FleetUserBaseline* b) {
  b->names = GetSet(r);
  b->buckets = static_cast<uint32_t>(r.Varint());
  return r.ok();
}

// Splits "a\0b\0c" into at most `max` parts (the last keeps any further NULs).
std::vector<std::string_view> SplitNul(std::string_view key, size_t max) {
  std::vector<std::string_view> parts;
  while (parts.size() + 1 < max) {
    const size_t nul = key.find('\0');
    if (nul == std::string_view::npos) break;
    parts.push_back(key.substr(0, nul));
    key.remove_prefix(nul + 1);
  }
  parts.push_back(key);
  return parts;
}

}  // namespace

std::string UlnaBaselines::EncodeName(const NameBaseline& b) {
  std::string out;
  EncodeName(b, &out);
  return out;
}

void UlnaBaselines::EncodeName(const NameBaseline& b, std::string* out) {
  out->clear();
  ByteWriter w(out);
  w.Varint(kFormatVersion);
  w.SignedVarint(b.first_bucket_ns);
  w.SignedVarint(b.last_bucket_ns);
  w.Varint(b.buckets);
  w.Varint(b.weekdays);
  w.Varint(b.month_days);
  PutSet(w, b.behaviours);
  PutSet(w, b.executables);
  PutSet(w, b.users);
}

Result<NameBaseline> UlnaBaselines::DecodeName(std::string_view bytes) {
  ByteReader r(bytes);
  NameBaseline b;
  if (r.Varint() != kFormatVersion) return Status::InvalidArgument("unknown name baseline format");
  b.first_bucket_ns = r.SignedVarint();
  b.last_bucket_ns = r.SignedVarint();
  b.buckets = static_cast<uint32_t>(r.Varint());
  b.weekdays = static_cast<uint32_t>(r.Varint());
  b.month_days = static_cast<uint32_t>(r.Varint());
  b.behaviours = GetSet(r);
  b.executables = GetSet(r);
  b.users = GetSet(r);
  if (!r.ok() || !r.done()) return Status::InvalidArgument("corrupt name baseline");
  return b;
}

Status UlnaBaselines::Load(const Store& store) {
  Status status;
  auto fail = [&](std::string_view key, const char* what) {
    status = Status::InvalidArgument(std::string("corrupt ulna baseline (") + what + ") at key " +
                                     std::string(key.substr(sizeof(kPrefix) - 1)));
    return false;
  };
  ULNA_RETURN_IF_ERROR(store.Scan(
      Family::kMeta, kPrefix, kPrefixEnd, [&](std::string_view key, std::string_view value) {
        std::string_view rest = key.substr(sizeof(kPrefix) - 1);
        ByteReader r(value);
        if (rest.size() < 2) return fail(key, "key");
        if (rest[0] == 'h') {
          // h \0 host \0 kind [\0 part]
          auto parts = SplitNul(rest.substr(2), 3);
          if (parts.size() < 2 || parts[1].size() != 1) return fail(key, "host key");
          HostBaseline& host = hosts_[std::string(parts[0])];
          const char kind = parts[1][0];
          if (kind == 'm') {
            if (r.Varint() != kFormatVersion) return fail(key, "version");
            host.first_bucket_ns = r.SignedVarint();
            return r.ok() && r.done() ? true : fail(key, "host");
          }
          if (parts.size() != 3) return fail(key, "host key");
          const std::string part(parts[2]);
          if (kind == 'n') {
            auto name = DecodeName(value);
            if (!name.ok()) return fail(key, "name");
            host.names[part] = std::move(name).value();
            return true;
          }
          if (r.Varint() != kFormatVersion) return fail(key, "version");
          bool ok = false;
          if (kind == 'u') ok = Decode(r, &host.users[part]);
          if (kind == 'c') ok = Decode(r, &host.contexts[part]);
          return ok && r.done() ? true : fail(key, "host entry");
        }
        // f kind \0 part
        if (rest[0] != 'f' || rest.size() < 3 || rest[2] != '\0') return fail(key, "fleet key");
        const std::string part(rest.substr(3));
        const uint64_t version = r.Varint();
        if (rest[1] == 'n' && version == kFleetCountersVersion) {
          const bool ok = DecodeCounters(r, &fleet_names_[part]);
          return ok && r.done() ? true : fail(key, "fleet name");
        }
        if (version != kFormatVersion) return fail(key, "version");
        bool ok = false;
        switch (rest[1]) {
          case 'n': {
            // Version 1: counters and sets in one row. The next Persist moves the sets to
            // their own row, before any version 2 counters row can replace this one.
            const auto it = fleet_names_.try_emplace(part).first;
            ok = DecodeCounters(r, &it->second) && DecodeSets(r, &it->second);
            if (!it->second.sets_mark.dirty) {
              it->second.sets_mark.dirty = true;
              dirty_fleet_sets_.emplace_back(it->first, &it->second);
            }
            break;
          }
          case 's':
            ok = DecodeSets(r, &fleet_names_[part]);
            break;
          case 'u':
            ok = Decode(r, &fleet_users_[part]);
            break;
          case 'b':
            behaviour_hosts_[part] = GetSet(r);
            ok = r.ok();
            break;
          case 'p':
            parent_observations_[part].count = r.Varint();
            ok = r.ok();
            break;
        }
        return ok && r.done() ? true : fail(key, "fleet entry");
      }));
  behaviour_host_counts_.clear();
  for (const auto& [behaviour, hosts] : behaviour_hosts_) {
    behaviour_host_counts_[behaviour] = hosts.size();
  }
  // Names asked about before may have entries now.
  memo_.fleet_names.clear();
  memo_.fleet_name_index.Clear();
  IndexHosts();
  return status;
}

size_t CommonHosts(const HostBits& a, const HostBits& b) {
  size_t common = 0;
  for (size_t i = 0, n = std::min(a.size(), b.size()); i < n; ++i) {
    common += static_cast<size_t>(std::popcount(a[i] & b[i]));
  }
  return common;
}

uint32_t UlnaBaselines::HostIndex(std::string_view host_id) {
  bool inserted = false;
  const uint32_t index = host_indexes_.FindOrInsert(
      HashBytes(host_id), static_cast<uint32_t>(host_ids_.size()),
      [&](uint32_t candidate) { return host_ids_[candidate] == host_id; }, &inserted);
  if (inserted) host_ids_.emplace_back(host_id);
  return index;
}

void UlnaBaselines::IndexHosts() {
  for (auto& [id, host] : hosts_) host.index = HostIndex(id);
  for (auto& [name, fleet] : fleet_names_) {
    fleet.host_bits.clear();
    for (const std::string& id : fleet.hosts) SetHostBit(&fleet.host_bits, HostIndex(id));
  }
}

namespace {

// Lists `entry` for the next Persist unless it is listed already.
template <typename List, typename Key, typename Entry>
void MarkDirty(List* list, const Key& key, Entry* entry, DirtyMark* mark) {
  if (mark->dirty) return;
  mark->dirty = true;
  list->emplace_back(key, entry);
}

// True if `key` is LaunchContextKey(user, parent_name), compared without building it.
bool IsLaunchContextKey(std::string_view key, std::string_view user, std::string_view parent_name) {
  return key.size() == user.size() + 1 + parent_name.size() && key.starts_with(user) &&
         key[user.size()] == kLaunchContextSeparator && key.ends_with(parent_name);
}

}  // namespace

EntryOf<NameBaseline>* UlnaBaselines::FindNameSlot(uint64_t hash, uint32_t host,
                                                   std::string_view name) const {
  const std::vector<ObserveMemo::NameSlot>& slots = memo_.name_slots;
  if (slots.empty()) return nullptr;
  const size_t mask = slots.size() - 1;
  for (size_t i = static_cast<size_t>(hash) & mask; slots[i].entry != nullptr; i = (i + 1) & mask) {
    const ObserveMemo::NameSlot& slot = slots[i];
    if (slot.hash == hash && slot.host == host && slot.entry->first == name) return slot.entry;
  }
  return nullptr;
}

void UlnaBaselines::AddNameSlot(uint64_t hash, uint32_t host, EntryOf<NameBaseline>* entry) {
  std::vector<ObserveMemo::NameSlot>& slots = memo_.name_slots;
  if (2 * (memo_.name_count + 1) > slots.size()) {
    std::vector<ObserveMemo::NameSlot> old;
    old.swap(slots);
    slots.resize(std::max<size_t>(64, old.size() * 2));
    memo_.name_count = 0;
    for (const ObserveMemo::NameSlot& slot : old) {
      if (slot.entry != nullptr) AddNameSlot(slot.hash, slot.host, slot.entry);
    }
  }
  const size_t mask = slots.size() - 1;
  size_t i = static_cast<size_t>(hash) & mask;
  while (slots[i].entry != nullptr) i = (i + 1) & mask;
  slots[i] = {hash, host, entry};
  ++memo_.name_count;
}

UlnaBaselines::FleetNameEntries& UlnaBaselines::FleetEntriesOf(std::string_view name) {
  std::vector<FleetNameEntries>& names = memo_.fleet_names;
  bool inserted = false;
  const uint32_t index = memo_.fleet_name_index.FindOrInsert(
      HashBytes(name), static_cast<uint32_t>(names.size()),
      [&](uint32_t candidate) { return names[candidate].name == name; }, &inserted);
  if (!inserted) return names[index];
  FleetNameEntries& entries = names.emplace_back();
  entries.name = name;
  const auto fleet_it = fleet_names_.find(name);
  if (fleet_it != fleet_names_.end()) entries.fleet = &*fleet_it;
  const auto parent_it = parent_observations_.find(name);
  if (parent_it != parent_observations_.end()) entries.parent = &*parent_it;
  return entries;
}

UlnaBaselines::FleetNameFacts UlnaBaselines::FindFleetName(std::string_view name) {
  const FleetNameEntries& entries = FleetEntriesOf(name);
  FleetNameFacts facts;
  if (entries.fleet != nullptr) facts.fleet = &entries.fleet->second;
  if (entries.parent != nullptr) facts.as_parent = entries.parent->second.count;
  return facts;
}

UlnaBaselines::Found UlnaBaselines::Find(std::string_view host_id, std::string_view name) {
  // Hosts are found by index (a hash), not by searching hosts_ with their long ids; their names
  // by a hash of (host index, name) once found in the host's map.
  Found found;
  const uint32_t index = HostIndex(host_id);
  if (memo_.hosts.size() <= index) memo_.hosts.resize(index + 1, nullptr);
  EntryOf<HostBaseline>*& host = memo_.hosts[index];
  if (host == nullptr) {
    const auto host_it = hosts_.find(host_id);
    if (host_it == hosts_.end()) return found;
    host = &*host_it;
  }
  found.host = host;
  const uint64_t hash = HashCombine(HashBytes(name), index);
  found.name = FindNameSlot(hash, index, name);
  if (found.name != nullptr) return found;
  const auto name_it = host->second.names.find(name);
  if (name_it != host->second.names.end()) {
    found.name = &*name_it;
    AddNameSlot(hash, index, found.name);
  }
  return found;
}

void UlnaBaselines::Observe(int64_t bucket_start_ns, const HostInfo& host,
                            const ActivityFeatures& f, Found found) {
  // The dirty lists hold views of the map keys (entries are never erased) and pointers to the
  // entries, so that marking an entry copies no string.
  EntryOf<HostBaseline>* host_entry = found.host;
  if (host_entry == nullptr) {
    // Absent when scored; an activity of the same bucket observed since may have added it.
    auto host_it = hosts_.find(host.id);
    if (host_it == hosts_.end()) {
      host_it = hosts_.try_emplace(host.id).first;
      host_it->second.index = HostIndex(host.id);
    }
    host_entry = &*host_it;
  }
  const std::string_view host_id = host_entry->first;
  HostBaseline& h = host_entry->second;
  if (h.first_bucket_ns == 0) {
    h.first_bucket_ns = bucket_start_ns;
    dirty_hosts_meta_.emplace_back(host_id, &h);
  }
  EntryOf<NameBaseline>* name_entry = found.name;
  bool name_is_new = false;
  if (name_entry == nullptr) {
    const auto [name_it, inserted] = h.names.try_emplace(f.name);
    name_entry = &*name_it;
    name_is_new = inserted;
  }
  NameBaseline& n = name_entry->second;
  if (n.buckets == 0) n.first_bucket_ns = bucket_start_ns;
  if (n.last_bucket_ns != bucket_start_ns) {
    ++n.buckets;
    n.last_bucket_ns = bucket_start_ns;
  }
  if (memo_.bucket_ns != bucket_start_ns) {
    memo_.bucket_ns = bucket_start_ns;
    memo_.day_ns = UtcDayStart(bucket_start_ns);
    memo_.weekday_bit = 1u << UtcWeekday(bucket_start_ns);
    memo_.month_day_bit = 1u << (UtcDayOfMonth(bucket_start_ns) - 1);
  }
  n.weekdays |= memo_.weekday_bit;
  n.month_days |= memo_.month_day_bit;
  // What the host's name baseline already held was added to the fleet's sets when it was first
  // seen (both are persisted in the same write), so the fleet sets, keyed by long host ids and
  // the costliest to search, are only searched for what is new to the host's name.
  NameBaseline::LastSeen& seen = n.last_seen;
  fresh_behaviours_.clear();
  // A name mostly repeats its last bucket's behaviours, which are in its set already.
  const bool same_behaviours = std::equal(
      f.behaviours.begin(), f.behaviours.end(), seen.behaviours.begin(), seen.behaviours.end(),
      [](const std::string& key, const std::string* last) { return key == *last; });
  if (!same_behaviours) {
    seen.behaviours.clear();
    for (const std::string& behaviour : f.behaviours) {
      const auto [behaviour_it, inserted] = n.behaviours.insert(behaviour);
      if (inserted) fresh_behaviours_.push_back(&behaviour);
      seen.behaviours.push_back(&*behaviour_it);
    }
  }
  bool executable_is_new = false;
  if (seen.executable == nullptr || *seen.executable != f.executable) {
    const auto [executable_it, inserted] = n.executables.insert(f.executable);
    executable_is_new = inserted;
    seen.executable = &*executable_it;
  }
  MarkDirty(&dirty_host_names_, KeyViews(host_id, name_entry->first), &n, &n.mark);

  // The user the name ran as last time holds the name in its sets, and so does the fleet user.
  const bool same_user = seen.user != nullptr && seen.user->first == f.user;
  if (!same_user) {
    n.users.insert(f.user);
    seen.user = &*h.users.try_emplace(f.user).first;
    seen.user->second.names.insert(f.name);
  }
  UserBaseline& u = seen.user->second;
  if (u.last_bucket_ns != bucket_start_ns) {
    ++u.buckets;
    u.last_bucket_ns = bucket_start_ns;
  }
  const int64_t day = memo_.day_ns;
  if (u.last_day_ns != day) {
    ++u.days;
    u.last_day_ns = day;
  }
  if (f.outbound_external) u.outbound_external = true;
  MarkDirty(&dirty_host_users_, KeyViews(host_id, seen.user->first), &u, &u.mark);

  if (seen.context == nullptr || !IsLaunchContextKey(seen.context->first, f.user, f.parent_name)) {
    context_key_.assign(f.user);
    context_key_ += kLaunchContextSeparator;
    context_key_ += f.parent_name;
    auto context_it = h.contexts.find(context_key_);
    if (context_it == h.contexts.end()) context_it = h.contexts.try_emplace(context_key_).first;
    seen.context = &*context_it;
    seen.context->second.names.insert(f.name);
  }
  LaunchContextBaseline& c = seen.context->second;
  if (c.last_bucket_ns != bucket_start_ns) {
    ++c.buckets;
    c.last_bucket_ns = bucket_start_ns;
  }
  MarkDirty(&dirty_host_contexts_, KeyViews(host_id, seen.context->first), &c, &c.mark);

  if (memo_.fleet_name == nullptr || memo_.fleet_name->first != f.name) {
    FleetNameEntries& entries = FleetEntriesOf(f.name);
    if (entries.fleet == nullptr) entries.fleet = &*fleet_names_.try_emplace(f.name).first;
    memo_.fleet_name = entries.fleet;
  }
  const auto fleet_it = memo_.fleet_name;
  FleetNameBaseline& fn = fleet_it->second;
  if (fn.observations == 0) fn.first_bucket_ns = bucket_start_ns;
  ++fn.observations;
  bool sets_grew = false;
  if (name_is_new && fn.hosts.insert(host.id).second) {
    SetHostBit(&fn.host_bits, h.index);
    sets_grew = true;
  }
  sets_grew |= executable_is_new && fn.executables.insert(f.executable).second;
  for (const std::string* fresh : fresh_behaviours_) {
    const std::string& behaviour = *fresh;
    sets_grew |= fn.behaviour_hosts[behaviour].insert(host.id).second;
    if (!IsOutboundBehaviour(behaviour)) fn.accepts_ingress = true;
    const auto behaviour_it = behaviour_hosts_.try_emplace(behaviour).first;
    if (behaviour_it->second.insert(host.id).second) {
      behaviour_host_counts_[behaviour_it->first] = behaviour_it->second.size();
      dirty_behaviours_.emplace_back(behaviour_it->first, &behaviour_it->second);
    }
  }
  MarkDirty(&dirty_fleet_names_, fleet_it->first, &fn, &fn.counters_mark);
  if (sets_grew) MarkDirty(&dirty_fleet_sets_, fleet_it->first, &fn, &fn.sets_mark);

  if (!same_user) {
    if (memo_.fleet_user == nullptr || memo_.fleet_user->first != f.user) {
      memo_.fleet_user = &*fleet_users_.try_emplace(f.user).first;
    }
    seen.fleet_user = memo_.fleet_user;
    seen.fleet_user->second.names.insert(f.name);
  }
  FleetUserBaseline& fu = seen.fleet_user->second;
  ++fu.buckets;
  MarkDirty(&dirty_fleet_users_, seen.fleet_user->first, &fu, &fu.mark);
}

void UlnaBaselines::ObserveParent(std::string_view parent_name, uint64_t hosts) {
  FleetNameEntries& entries = FleetEntriesOf(parent_name);
  if (entries.parent == nullptr) {
    entries.parent = &*parent_observations_.try_emplace(std::string(parent_name)).first;
  }
  ParentCount& count = entries.parent->second;
  count.count += hosts;
  MarkDirty(&dirty_parents_, entries.parent->first, &count, &count.mark);
}

void UlnaBaselines::Persist(WriteGroup* group) {
  // In key order, each entry once (equal keys carry the same entry). Marked entries are listed
  // once; the other lists are made unique by entry address (cheap to compare) first.
  const auto by_key = [](auto& dirty) {
    std::sort(dirty.begin(), dirty.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
  };
  const auto sort_unique = [&](auto& dirty) {
    const auto by_entry = [](const auto& a, const auto& b) {
      return std::less<>{}(a.second, b.second);
    };
    const auto same_entry = [](const auto& a, const auto& b) { return a.second == b.second; };
    std::sort(dirty.begin(), dirty.end(), by_entry);
    dirty.erase(std::unique(dirty.begin(), dirty.end(), same_entry), dirty.end());
    by_key(dirty);
  };
  sort_unique(dirty_hosts_meta_);
  by_key(dirty_host_names_);
  by_key(dirty_host_users_);
  by_key(dirty_host_contexts_);
  by_key(dirty_fleet_names_);
  by_key(dirty_fleet_sets_);
  by_key(dirty_fleet_users_);
  sort_unique(dirty_behaviours_);
  by_key(dirty_parents_);
  std::string& key = key_buffer_;
  std::string& value = value_buffer_;
  for (const auto& [id, host] : dirty_hosts_meta_) {
    value.clear();
    ByteWriter w(&value);
    w.Varint(kFormatVersion);
    w.SignedVarint(host->first_bucket_ns);
    HostKey(id, 'm', "", &key);
    group->Put(Family::kMeta, key, value);
  }
  for (const auto& [id_name, baseline] : dirty_host_names_) {
    baseline->mark.dirty = false;
    EncodeName(*baseline, &value);
    HostKey(id_name.first, 'n', id_name.second, &key);
    group->Put(Family::kMeta, key, value);
  }
  for (const auto& [id_user, baseline] : dirty_host_users_) {
    baseline->mark.dirty = false;
    Encode(*baseline, &value);
    HostKey(id_user.first, 'u', id_user.second, &key);
    group->Put(Family::kMeta, key, value);
  }
  for (const auto& [id_context, baseline] : dirty_host_contexts_) {
    baseline->mark.dirty = false;
    Encode(*baseline, &value);
    HostKey(id_context.first, 'c', id_context.second, &key);
    group->Put(Family::kMeta, key, value);
  }
  for (const auto& [name, baseline] : dirty_fleet_names_) {
    baseline->counters_mark.dirty = false;
    EncodeCounters(*baseline, &value);
    FleetKey('n', name, &key);
    group->Put(Family::kMeta, key, value);
  }
  for (const auto& [name, baseline] : dirty_fleet_sets_) {
    baseline->sets_mark.dirty = false;
    EncodeSets(*baseline, &value);
    FleetKey('s', name, &key);
    group->Put(Family::kMeta, key, value);
  }
  for (const auto& [user, baseline] : dirty_fleet_users_) {
    baseline->mark.dirty = false;
    Encode(*baseline, &value);
    FleetKey('u', user, &key);
    group->Put(Family::kMeta, key, value);
  }
  for (const auto& [behaviour, hosts] : dirty_behaviours_) {
    value.clear();
    ByteWriter w(&value);
    w.Varint(kFormatVersion);
    PutSet(w, *hosts);
    FleetKey('b', behaviour, &key);
    group->Put(Family::kMeta, key, value);
  }
  for (const auto& [parent, count] : dirty_parents_) {
    count->mark.dirty = false;
    value.clear();
    ByteWriter w(&value);
    w.Varint(kFormatVersion);
    w.Varint(count->count);
    FleetKey('p', parent, &key);
    group->Put(Family::kMeta, key, value);
  }
  dirty_hosts_meta_.clear();
  dirty_host_names_.clear();
  dirty_host_users_.clear();
  dirty_host_contexts_.clear();
  dirty_fleet_names_.clear();
  dirty_fleet_sets_.clear();
  dirty_fleet_users_.clear();
  dirty_behaviours_.clear();
  dirty_parents_.clear();
}

const HostBaseline* UlnaBaselines::Host(std::string_view host_id) const {
  auto it = hosts_.find(host_id);
  return it == hosts_.end() ? nullptr : &it->second;
}

const FleetNameBaseline* UlnaBaselines::FleetName(std::string_view name) const {
  auto it = fleet_names_.find(name);
  return it == fleet_names_.end() ? nullptr : &it->second;
}

const FleetUserBaseline* UlnaBaselines::FleetUser(std::string_view user) const {
  auto it = fleet_users_.find(user);
  return it == fleet_users_.end() ? nullptr : &it->second;
}

size_t UlnaBaselines::BehaviourHosts(std::string_view behaviour) const {
  const auto it = behaviour_host_counts_.find(behaviour);
  return it == behaviour_host_counts_.end() ? 0 : it->second;
}

uint64_t UlnaBaselines::ParentObservations(std::string_view name) const {
  auto it = parent_observations_.find(name);
  return it == parent_observations_.end() ? 0 : it->second.count;
}

}  // namespace ulna::server
