// BucketActivity: one closed bucket's kept events, grouped by host and process name — the unit
// the detectors score and the rule alerts on — with the investigation context of each group.
// Immutable after construction; safe to read from several threads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/event.h"
#include "server/alert/alert.h"
#include "server/job/event_run.h"

namespace ulna::server {

// All events of one process name on one host within the bucket.
struct ProcessActivity {
  const HostInfo& host;  // of its events (held by the BucketActivity)
  std::string process_name;
  std::vector<const NetworkEvent*> events;  // time order
  const NetworkEvent& first() const { return *events.front(); }
};

// "loopback", "link_local" (incl. cloud metadata 169.254.169.254), "internal" (private ranges),
// or "external".
const char* DestinationClass(const IpAddress& remote);

class BucketActivity {
 public:
  // Takes the bucket's kept events (any order) and groups them.
  BucketActivity(int64_t start_ns, int64_t end_ns, std::vector<NetworkEvent> events);
  // Groups `events` (any order), which point into `runs`: the bucket's runs, kept alive here,
  // may hold events that are not kept (the datafeed's exclusions).
  BucketActivity(int64_t start_ns, int64_t end_ns, std::vector<EventRun> runs,
                 std::vector<const NetworkEvent*> events);
  BucketActivity(const BucketActivity&) = delete;
  BucketActivity& operator=(const BucketActivity&) = delete;

  int64_t start_ns() const { return start_ns_; }
  int64_t end_ns() const { return end_ns_; }
  // The kept events, in arrival order.
  const std::vector<const NetworkEvent*>& events() const { return events_; }
  // Sorted by (process name, host id).
  const std::vector<ProcessActivity>& groups() const { return groups_; }
  // Distinct process names in the bucket, sorted.
  const std::vector<std::string>& ProcessNames() const { return names_; }
  // The index in ProcessNames() of the name of groups()[group].
  size_t NameIndex(size_t group) const { return group_names_[group]; }
  // Hosts that ran ProcessNames()[name_index] on the network in this bucket.
  size_t HostCountAt(size_t name_index) const { return hosts_per_name_[name_index]; }
  // Hosts that ran `process_name` on the network in this bucket.
  size_t HostCount(const std::string& process_name) const;

 private:
  // Groups events_ into groups_, lists the names and counts hosts per name.
  void Group();

  int64_t start_ns_;
  int64_t end_ns_;
  std::vector<EventRun> runs_;
  std::vector<const NetworkEvent*> events_;
  std::vector<ProcessActivity> groups_;
  std::vector<std::string> names_;
  std::vector<uint32_t> group_names_;     // per group, its name's index in names_
  std::vector<uint32_t> hosts_per_name_;  // per name in names_, its groups (one per host)
};

// The context of an alert on `activity`: users, destinations with classes, ports, directions,
// transports (each bounded), and the process details of its first event.
AlertContext BuildContext(const ProcessActivity& activity);

}  // namespace ulna::server
