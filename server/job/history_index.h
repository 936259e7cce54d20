// HistoryIndex: when each process was seen using the network, per host and fleet-wide (first and
// last bucket, buckets and days active, hosts) — the "history of execution" the investigation
// guide asks for, and the prior every detector starts from. Persisted in the baseline_host /
// baseline_fleet families; only entries changed since the last Persist are written.
// Not thread-safe: owned by the job thread.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "common/status.h"
#include "server/alert/alert.h"
#include "server/store/store.h"

namespace ulna::server {

class HistoryIndex {
 public:
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
  using HostKey = std::pair<std::string, std::string>;  // (host id, process key)
  static void Touch(ProcessHistory* history, int64_t bucket_start_ns);

  std::map<HostKey, ProcessHistory> host_;
  std::map<std::string, ProcessHistory> fleet_;
  std::map<std::string, int64_t> host_first_seen_;
  std::set<std::string> hosts_;
  std::set<HostKey> dirty_host_;
  std::set<std::string> dirty_fleet_;
};

}  // namespace ulna::server
