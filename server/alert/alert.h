// Anomaly records and alerts: what the job found for one host and process in one bucket, and
// the alert the rule raises from it, with the investigation context an analyst needs inline.
// Plain value types.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/event.h"

namespace ulna::server {

// When a process was seen using the network before, on one host or across the fleet.
struct ProcessHistory {
  int64_t first_seen_ns = 0;         // 0: never before this bucket
  int64_t last_seen_ns = 0;          // last bucket before this one (0: never)
  uint32_t buckets_seen = 0;         // earlier buckets with activity
  uint32_t hosts_seen = 0;           // fleet scope only: hosts that ever ran it on the network
  std::vector<int64_t> recent_days;  // UTC day starts (ns) it was active on, newest last, <= 8
};

// Everything an analyst would look up first (the Elastic investigation guide, inline).
struct AlertContext {
  std::vector<std::string> args;
  std::string working_directory;
  std::string parent_name;
  std::string parent_executable;
  std::vector<std::string> user_names;
  std::vector<std::string> destination_ips;      // distinct remote addresses, bounded
  std::vector<uint16_t> destination_ports;       // distinct service ports, bounded
  std::vector<std::string> destination_classes;  // "loopback", "internal", "external", ...
  std::vector<std::string> directions;           // "egress", "ingress"
  std::vector<std::string> transports;           // "tcp", "udp"
  uint32_t event_count = 0;
  bool capture_drops = false;  // the agent reported drops in this bucket
  ProcessHistory host_history;
  ProcessHistory fleet_history;
};

// One finding of the detector, for one host (a fleet-wide finding is split per host).
struct AnomalyRecord {
  int64_t bucket_start_ns = 0;
  std::string mode;  // "elastic" or "ulna"
  HostInfo host;
  std::string process_name;
  std::string process_executable;
  double probability = 1.0;
  double score = 0;                  // 0-100
  std::vector<std::string> reasons;  // human-readable, one per scoring term
  uint32_t other_hosts = 0;          // other hosts with the same finding in this bucket
  AlertContext context;
};

struct Alert {
  std::string id;         // see AlertId()
  std::string rule_name;  // "Unusual Linux Network Activity"
  std::string severity;   // "low"
  uint32_t risk_score = 21;
  int64_t created_ns = 0;
  AnomalyRecord record;
};

// Stable id of the alert for (rule, host, process, bucket): the same anomaly seen by
// overlapping rule runs gets the same id, so it is stored and emitted once.
std::string AlertId(const std::string& rule_name, const std::string& host_id,
                    const std::string& process_key, int64_t bucket_start_ns);

}  // namespace ulna::server
