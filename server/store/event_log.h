// EventLog: network events at rest, as self-contained compact batches keyed by time, so that
// the job reads one bucket of the whole fleet as one range scan and retention is one range
// delete. Also remembers each agent's last durable batch sequence (dedupe after reconnects).
// Thread-safety: safe for concurrent use.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/ecs_codec.h"
#include "common/event.h"
#include "common/status.h"
#include "server/store/store.h"

namespace ulna::server {

// A stored batch never spans more than this much event time (writers split longer ones), so a
// scan of [start, end) only needs to begin kMaxBatchSpanNs before `start`. Long enough that a
// sparse archive's batch holds dozens of events (each self-contained batch repeats its strings:
// dev1 took ~280 bytes an event in 1-minute per-host batches, ~170 in 5-minute ones of all
// hosts), short enough that a bucket's scan reads little before its start. Raising it needs a
// new kSchemaVersion: an older server would start its scans too late.
inline constexpr int64_t kMaxBatchSpanNs = 300'000'000'000;

class EventLog {
 public:
  explicit EventLog(Store* store) : store_(store) {}

  // Adds `events` (all of `host`, any order) to `group`; the caller writes the group, possibly
  // with other writes such as the agent's sequence, in one atomic Store::Write.
  // `batch_key` makes the keys unique per source (e.g. the agent's batch sequence).
  void Append(const HostInfo& host, uint64_t batch_key, const std::vector<NetworkEvent>& events,
              WriteGroup* group) const;
  // As above, for a caller that no longer needs `events` (the ingest of an agent's batch):
  // they are sorted in place instead of copied first.
  void Append(const HostInfo& host, uint64_t batch_key, std::vector<NetworkEvent>&& events,
              WriteGroup* group) const;
  // Adds events of recorded archives, of any hosts (each keeps its own), sorted by time, to
  // `group` without copying them; `batch_key` must be unique per call across the store's life.
  void AppendArchive(uint64_t batch_key, std::span<const NetworkEvent> sorted_events,
                     WriteGroup* group) const;
  // An upper bound on the time of every stored event; nullopt when none is stored.
  Result<std::optional<int64_t>> LatestTimeBound() const;
  // Records `sequence` as the last durable batch of `host_id`, in `group`.
  void SetLastSequence(const std::string& host_id, uint64_t sequence, WriteGroup* group) const;
  // 0 when the agent never sent a batch.
  Result<uint64_t> LastSequence(const std::string& host_id) const;

  // Visits the events with start_ns <= time < end_ns (in stored batch order, not sorted).
  Status Scan(int64_t start_ns, int64_t end_ns,
              const std::function<void(const NetworkEvent&)>& visit) const;
  // As above, but stored events that fail to decode are counted in *rejects (and skipped)
  // instead of failing the scan; the 3-argument form returns Internal when any was rejected.
  // A stored batch that is not an EventBatch at all fails the scan either way.
  Status Scan(int64_t start_ns, int64_t end_ns,
              const std::function<void(const NetworkEvent&)>& visit, RejectTally* rejects) const;
  // As the 4-argument Scan, but hands each event over to `take` (it may move from it), for a
  // caller that keeps the events (the job) and should not copy every string of each one.
  Status ScanOwned(int64_t start_ns, int64_t end_ns,
                   const std::function<void(NetworkEvent&& event)>& take,
                   RejectTally* rejects) const;
  // Deletes every batch older than `cutoff_ns`.
  Status DeleteBefore(int64_t cutoff_ns);

 private:
  Store* store_;
};

}  // namespace ulna::server
