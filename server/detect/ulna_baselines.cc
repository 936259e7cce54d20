#include "server/detect/ulna_baselines.h"

#include "common/byte_codec.h"
#include "common/duration.h"

namespace ulna::server {
namespace {

constexpr uint64_t kFormatVersion = 1;
constexpr uint64_t kMaxEntries = 1 << 20;  // sanity bound on decoded counts

// Every baseline key starts with this, then a kind and NUL-separated parts.
const char kPrefix[] = "model/ulna/b/";
const char kPrefixEnd[] = "model/ulna/b0";  // '0' follows '/'

std::string HostKey(const std::string& host, char kind, const std::string& part) {
  std::string key = kPrefix;
  key += 'h';
  key += '\0';
  key += host;
  key += '\0';
  key += kind;
  if (kind != 'm') {
    key += '\0';
    key += part;
  }
  return key;
}

std::string FleetKey(char kind, const std::string& part) {
  std::string key = kPrefix;
  key += 'f';
  key += kind;
  key += '\0';
  key += part;
  return key;
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

std::string Encode(const UserBaseline& b) {
  std::string out;
  ByteWriter w(&out);
  w.Varint(kFormatVersion);
  PutSet(w, b.names);
  w.Varint(b.buckets);
  w.SignedVarint(b.last_bucket_ns);
  w.Varint(b.days);
  w.SignedVarint(b.last_day_ns);
  w.Varint(b.outbound_external ? 1 : 0);
  return out;
}

std::string Encode(const LaunchContextBaseline& b) {
  std::string out;
  ByteWriter w(&out);
  w.Varint(kFormatVersion);
  PutSet(w, b.names);
  w.Varint(b.buckets);
  w.SignedVarint(b.last_bucket_ns);
  return out;
}

std::string Encode(const FleetNameBaseline& b) {
  std::string out;
  ByteWriter w(&out);
  w.Varint(kFormatVersion);
  w.SignedVarint(b.first_bucket_ns);
  w.Varint(b.observations);
  w.Varint(b.accepts_ingress ? 1 : 0);
  PutSet(w, b.hosts);
  PutSet(w, b.executables);
  w.Varint(b.behaviour_hosts.size());
  for (const auto& [behaviour, hosts] : b.behaviour_hosts) {
    w.String(behaviour);
    PutSet(w, hosts);
  }
  return out;
}

std::string Encode(const FleetUserBaseline& b) {
  std::string out;
  ByteWriter w(&out);
  w.Varint(kFormatVersion);
  PutSet(w, b.names);
  w.Varint(b.buckets);
  return out;
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

bool Decode(ByteReader& r, FleetNameBaseline* b) {
  b->first_bucket_ns = r.SignedVarint();
  b->observations = static_cast<uint32_t>(r.Varint());
  b->accepts_ingress = r.Varint() != 0;
  b->hosts = GetSet(r);
  b->executables = GetSet(r);
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
  ByteWriter w(&out);
  w.Varint(kFormatVersion);
  w.SignedVarint(b.first_bucket_ns);
  w.SignedVarint(b.last_bucket_ns);
  w.Varint(b.buckets);
  w.Varint(b.weekdays);
  w.Varint(b.month_days);
  PutSet(w, b.behaviours);
  PutSet(w, b.executables);
  PutSet(w, b.users);
  return out;
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
  ULNA_RETURN_IF_ERROR(store.Scan(Family::kMeta, kPrefix, kPrefixEnd,
                                  [&](std::string_view key, std::string_view value) {
                                    std::string_view rest = key.substr(sizeof(kPrefix) - 1);
                                    ByteReader r(value);
                                    if (rest.size() < 2) return fail(key, "key");
                                    if (rest[0] == 'h') {
                                      // h \0 host \0 kind [\0 part]
                                      auto parts = SplitNul(rest.substr(2), 3);
                                      if (parts.size() < 2 || parts[1].size() != 1)
                                        return fail(key, "host key");
                                      HostBaseline& host = hosts_[std::string(parts[0])];
                                      const char kind = parts[1][0];
                                      if (kind == 'm') {
                                        if (r.Varint() != kFormatVersion)
                                          return fail(key, "version");
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
                                    if (rest[0] != 'f' || rest.size() < 3 || rest[2] != '\0')
                                      return fail(key, "fleet key");
                                    const std::string part(rest.substr(3));
                                    if (r.Varint() != kFormatVersion) return fail(key, "version");
                                    bool ok = false;
                                    switch (rest[1]) {
                                      case 'n':
                                        ok = Decode(r, &fleet_names_[part]);
                                        break;
                                      case 'u':
                                        ok = Decode(r, &fleet_users_[part]);
                                        break;
                                      case 'b':
                                        behaviour_hosts_[part] = GetSet(r);
                                        ok = r.ok();
                                        break;
                                      case 'p':
                                        parent_observations_[part] = r.Varint();
                                        ok = r.ok();
                                        break;
                                    }
                                    return ok && r.done() ? true : fail(key, "fleet entry");
                                  }));
  return status;
}

void UlnaBaselines::Observe(int64_t bucket_start_ns, const HostInfo& host,
                            const ActivityFeatures& f) {
  HostBaseline& h = hosts_[host.id];
  if (h.first_bucket_ns == 0) {
    h.first_bucket_ns = bucket_start_ns;
    dirty_hosts_meta_.insert(host.id);
  }
  NameBaseline& n = h.names[f.name];
  if (n.buckets == 0) n.first_bucket_ns = bucket_start_ns;
  if (n.last_bucket_ns != bucket_start_ns) {
    ++n.buckets;
    n.last_bucket_ns = bucket_start_ns;
  }
  n.weekdays |= 1u << UtcWeekday(bucket_start_ns);
  n.month_days |= 1u << (UtcDayOfMonth(bucket_start_ns) - 1);
  n.behaviours.insert(f.behaviours.begin(), f.behaviours.end());
  n.executables.insert(f.executable);
  n.users.insert(f.user);
  dirty_host_names_.insert({host.id, f.name});

  UserBaseline& u = h.users[f.user];
  u.names.insert(f.name);
  if (u.last_bucket_ns != bucket_start_ns) {
    ++u.buckets;
    u.last_bucket_ns = bucket_start_ns;
  }
  const int64_t day = UtcDayStart(bucket_start_ns);
  if (u.last_day_ns != day) {
    ++u.days;
    u.last_day_ns = day;
  }
  if (f.outbound_external) u.outbound_external = true;
  dirty_host_users_.insert({host.id, f.user});

  const std::string context_key = LaunchContextKey(f.user, f.parent_name);
  LaunchContextBaseline& c = h.contexts[context_key];
  c.names.insert(f.name);
  if (c.last_bucket_ns != bucket_start_ns) {
    ++c.buckets;
    c.last_bucket_ns = bucket_start_ns;
  }
  dirty_host_contexts_.insert({host.id, context_key});

  FleetNameBaseline& fn = fleet_names_[f.name];
  if (fn.observations == 0) fn.first_bucket_ns = bucket_start_ns;
  ++fn.observations;
  fn.hosts.insert(host.id);
  fn.executables.insert(f.executable);
  for (const std::string& behaviour : f.behaviours) {
    fn.behaviour_hosts[behaviour].insert(host.id);
    if (!IsOutboundBehaviour(behaviour)) fn.accepts_ingress = true;
    if (behaviour_hosts_[behaviour].insert(host.id).second) dirty_behaviours_.insert(behaviour);
  }
  dirty_fleet_names_.insert(f.name);

  FleetUserBaseline& fu = fleet_users_[f.user];
  fu.names.insert(f.name);
  ++fu.buckets;
  dirty_fleet_users_.insert(f.user);
}

void UlnaBaselines::ObserveParent(const std::string& parent_name) {
  ++parent_observations_[parent_name];
  dirty_parents_ = true;
}

void UlnaBaselines::Persist(WriteGroup* group) {
  for (const std::string& id : dirty_hosts_meta_) {
    std::string out;
    ByteWriter w(&out);
    w.Varint(kFormatVersion);
    w.SignedVarint(hosts_.at(id).first_bucket_ns);
    group->Put(Family::kMeta, HostKey(id, 'm', ""), out);
  }
  for (const auto& [id, name] : dirty_host_names_) {
    group->Put(Family::kMeta, HostKey(id, 'n', name), EncodeName(hosts_.at(id).names.at(name)));
  }
  for (const auto& [id, user] : dirty_host_users_) {
    group->Put(Family::kMeta, HostKey(id, 'u', user), Encode(hosts_.at(id).users.at(user)));
  }
  for (const auto& [id, context] : dirty_host_contexts_) {
    group->Put(Family::kMeta, HostKey(id, 'c', context),
               Encode(hosts_.at(id).contexts.at(context)));
  }
  for (const std::string& name : dirty_fleet_names_) {
    group->Put(Family::kMeta, FleetKey('n', name), Encode(fleet_names_.at(name)));
  }
  for (const std::string& user : dirty_fleet_users_) {
    group->Put(Family::kMeta, FleetKey('u', user), Encode(fleet_users_.at(user)));
  }
  for (const std::string& behaviour : dirty_behaviours_) {
    std::string out;
    ByteWriter w(&out);
    w.Varint(kFormatVersion);
    PutSet(w, behaviour_hosts_.at(behaviour));
    group->Put(Family::kMeta, FleetKey('b', behaviour), out);
  }
  if (dirty_parents_) {
    for (const auto& [parent, count] : parent_observations_) {
      std::string out;
      ByteWriter w(&out);
      w.Varint(kFormatVersion);
      w.Varint(count);
      group->Put(Family::kMeta, FleetKey('p', parent), out);
    }
  }
  dirty_hosts_meta_.clear();
  dirty_host_names_.clear();
  dirty_host_users_.clear();
  dirty_host_contexts_.clear();
  dirty_fleet_names_.clear();
  dirty_fleet_users_.clear();
  dirty_behaviours_.clear();
  dirty_parents_ = false;
}

const HostBaseline* UlnaBaselines::Host(const std::string& host_id) const {
  auto it = hosts_.find(host_id);
  return it == hosts_.end() ? nullptr : &it->second;
}

const FleetNameBaseline* UlnaBaselines::FleetName(const std::string& name) const {
  auto it = fleet_names_.find(name);
  return it == fleet_names_.end() ? nullptr : &it->second;
}

const FleetUserBaseline* UlnaBaselines::FleetUser(const std::string& user) const {
  auto it = fleet_users_.find(user);
  return it == fleet_users_.end() ? nullptr : &it->second;
}

size_t UlnaBaselines::BehaviourHosts(const std::string& behaviour) const {
  auto it = behaviour_hosts_.find(behaviour);
  return it == behaviour_hosts_.end() ? 0 : it->second.size();
}

uint64_t UlnaBaselines::ParentObservations(const std::string& name) const {
  auto it = parent_observations_.find(name);
  return it == parent_observations_.end() ? 0 : it->second;
}

}  // namespace ulna::server
