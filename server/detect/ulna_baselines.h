// UlnaBaselines: what each process does on the network, learned at host and fleet scope (the
// peer-group scope is derived from the host baselines, see PeerGroups): per host the process
// names with their behaviours, executables, users and active weekdays / days of month, the users
// and launch contexts (user, parent) with the names they ran; fleet-wide the hosts and behaviours
// of every name, the hosts using each behaviour, users and how often a name is a parent.
// Persisted in the meta family under "model/ulna/", one key per entry, only changed entries
// written. Not thread-safe: owned by the detector.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"
#include "server/detect/ulna_features.h"
#include "server/store/store.h"

namespace ulna::server {

struct NameBaseline {
  int64_t first_bucket_ns = 0;
  int64_t last_bucket_ns = 0;
  uint32_t buckets = 0;
  uint32_t weekdays = 0;    // bit d: active on weekday d (0 = Sunday), UTC
  uint32_t month_days = 0;  // bit d-1: active on day d of a month, UTC
  std::set<std::string> behaviours;
  std::set<std::string> executables;
  std::set<std::string> users;
};

struct UserBaseline {
  std::set<std::string> names;
  uint32_t buckets = 0;
  int64_t last_bucket_ns = 0;
  uint32_t days = 0;  // distinct UTC days active
  int64_t last_day_ns = 0;
  bool outbound_external = false;
};

// The programs one (user, parent) pair launched onto the network.
struct LaunchContextBaseline {
  std::set<std::string> names;
  uint32_t buckets = 0;
  int64_t last_bucket_ns = 0;
};

struct HostBaseline {
  int64_t first_bucket_ns = 0;
  std::map<std::string, NameBaseline> names;
  std::map<std::string, UserBaseline> users;
  std::map<std::string, LaunchContextBaseline> contexts;  // by LaunchContextKey
};

struct FleetNameBaseline {
  int64_t first_bucket_ns = 0;
  uint32_t observations = 0;  // (host, bucket) pairs active
  bool accepts_ingress = false;
  std::set<std::string> hosts;
  std::set<std::string> executables;
  std::map<std::string, std::set<std::string>> behaviour_hosts;  // behaviour -> host ids
};

struct FleetUserBaseline {
  std::set<std::string> names;
  uint32_t buckets = 0;  // (host, bucket) pairs active
};

class UlnaBaselines {
 public:
  Status Load(const Store& store);
  // Adds one bucket's activity (call after scoring it).
  void Observe(int64_t bucket_start_ns, const HostInfo& host, const ActivityFeatures& features);
  // Counts `parent_name` once as the parent of a network process in this bucket on this host.
  void ObserveParent(const std::string& parent_name);
  void Persist(WriteGroup* group);

  const HostBaseline* Host(const std::string& host_id) const;
  const FleetNameBaseline* FleetName(const std::string& name) const;
  const FleetUserBaseline* FleetUser(const std::string& user) const;
  // Hosts (any process) that used `behaviour`.
  size_t BehaviourHosts(const std::string& behaviour) const;
  uint64_t ParentObservations(const std::string& name) const;
  const std::map<std::string, HostBaseline>& hosts() const { return hosts_; }

  static std::string EncodeName(const NameBaseline& b);
  static Result<NameBaseline> DecodeName(std::string_view bytes);

 private:
  std::map<std::string, HostBaseline> hosts_;
  std::map<std::string, FleetNameBaseline> fleet_names_;
  std::map<std::string, FleetUserBaseline> fleet_users_;
  std::map<std::string, std::set<std::string>> behaviour_hosts_;
  std::map<std::string, uint64_t> parent_observations_;
  // Changed since the last Persist, as (kind, key...) tuples turned into store keys there.
  std::set<std::string> dirty_hosts_meta_;
  std::set<std::pair<std::string, std::string>> dirty_host_names_;
  std::set<std::pair<std::string, std::string>> dirty_host_users_;
  std::set<std::pair<std::string, std::string>> dirty_host_contexts_;
  std::set<std::string> dirty_fleet_names_;
  std::set<std::string> dirty_fleet_users_;
  std::set<std::string> dirty_behaviours_;
  bool dirty_parents_ = false;
};

}  // namespace ulna::server
