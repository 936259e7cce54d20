// IngestPipeline: the one way events enter the server, from live agents (EventSink) or from
// recorded archives (replay). It checks each event's time, stores the events durably in the
// EventLog together with the agent's batch sequence (so a resent batch is recognised), and
// counts everything it rejects by reason.
// Thread-safety: StoreAgentBatch may be called concurrently (batches of one host are serialised).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/ecs_codec.h"
#include "server/ingest/event_sink.h"
#include "server/store/event_log.h"
#include "server/store/store.h"

namespace ulna::server {

struct IngestOptions {
  int64_t max_future_skew_ns = 0;  // events later than clock() + this are rejected
  // Events before this time are rejected as out of range (a clock reset to the epoch, not data).
  int64_t min_valid_time_ns = 946'684'800'000'000'000;  // 2000-01-01
};

struct IngestStats {
  std::atomic<uint64_t> batches{0};
  std::atomic<uint64_t> duplicate_batches{0};
  std::atomic<uint64_t> events_stored{0};
  std::atomic<uint64_t> events_late{0};  // stored, but their bucket was already scored
  std::array<std::atomic<uint64_t>, static_cast<size_t>(RejectReason::kCount)> rejected{};
  std::atomic<uint64_t> capture_drops{0};  // what agents reported losing before sending
};

// Archive events made ready to store by IngestPipeline::PrepareArchiveEvents: time-checked,
// sorted by time, encoded and batched for the store, so that the costly part can run on other
// threads.
struct PreparedArchiveEvents {
  WriteGroup group;                  // the encoded batches; consumed by the store step
  std::vector<NetworkEvent> events;  // the kept events, sorted by time
};

class IngestPipeline : public EventSink {
 public:
  // `clock` gives "now" for the future-time check; `closed_before` gives the job's scored
  // horizon (events before it are late). Both are called on every batch.
  IngestPipeline(Store* store, IngestOptions options, std::function<int64_t()> clock,
                 std::function<int64_t()> closed_before);

  Result<StoreOutcome> StoreAgentBatch(const HostInfo& host, uint64_t sequence,
                                       std::vector<NetworkEvent> events,
                                       const CaptureLoss& loss) override;
  Result<uint64_t> LastSequence(const std::string& host_id) override;

  // Stores events of recorded archives, whose host identity is in each event. `sync` false
  // lets replay batch its fsyncs; the caller flushes at the end.
  Status StoreArchiveEvents(std::vector<NetworkEvent> events, bool sync);
  // StoreArchiveEvents in two steps. Prepare may run on several threads at once; Store writes
  // prepared->group and counts the late events, leaving prepared->events to the caller (the
  // job takes them); stores happen in the caller's order.
  PreparedArchiveEvents PrepareArchiveEvents(std::vector<NetworkEvent> events);
  Status StorePreparedArchiveEvents(PreparedArchiveEvents* prepared, bool sync);

  const IngestStats& stats() const { return stats_; }

 private:
  // Drops events with out-of-range times (counted); returns how many were kept.
  size_t KeepValidTimes(std::vector<NetworkEvent>* events);
  // Drops out-of-range times (counted) without the late count, which needs the job's horizon
  // at store time.
  void DropOutOfRangeTimes(std::vector<NetworkEvent>* events);
  std::mutex& HostMutex(const std::string& host_id);

  Store* store_;
  EventLog log_;
  IngestOptions options_;
  std::function<int64_t()> clock_;
  std::function<int64_t()> closed_before_;
  IngestStats stats_;
  std::atomic<uint64_t> archive_batch_key_{0};
  std::mutex host_mutexes_mu_;
  std::unordered_map<std::string, std::unique_ptr<std::mutex>> host_mutexes_;
};

}  // namespace ulna::server
