// BucketEvents: where the anomaly job reads the events of a bucket it closes. StoredBucketEvents
// reads them back from the event log; BufferedBucketEvents keeps in memory the events its owner
// stores (replay), sparing the job a read and decode of what was just written, and letting the
// owner store ahead of the job without changing what the job sees.
// Buckets are the job's: bucket_span_ns long, aligned to the epoch.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "common/event.h"
#include "common/status.h"
#include "server/store/event_log.h"
#include "server/store/store.h"

namespace ulna::server {

class BucketEvents {
 public:
  virtual ~BucketEvents() = default;
  // Appends every stored event with start_ns <= time < end_ns to *out (any order). Called for
  // consecutive buckets, in time order.
  virtual Status Take(int64_t start_ns, int64_t end_ns, std::vector<NetworkEvent>* out) = 0;
  // The earliest time an event may have (where the job's first bucket is); nullopt: no events.
  virtual Result<std::optional<int64_t>> EarliestTime() = 0;
};

// Reads buckets from the event log. Thread-safety: as EventLog.
class StoredBucketEvents : public BucketEvents {
 public:
  explicit StoredBucketEvents(Store* store) : log_(store) {}
  Status Take(int64_t start_ns, int64_t end_ns, std::vector<NetworkEvent>* out) override;
  Result<std::optional<int64_t>> EarliestTime() override { return log_.EarliestTime(); }

 private:
  EventLog log_;
};

// Serves buckets from the events handed to Add(), plus, for buckets that may hold events stored
// before this run (a reused store), the event log's batches older than the run's: batches with
// keys from `run_batch_keys_from` on are this run's and come from memory only, so that what the
// job sees does not depend on how far ahead of it the run stores.
// Holds only events of buckets not yet taken. Not thread-safe: one thread adds and takes.
class BufferedBucketEvents : public BucketEvents {
 public:
  // Looks up what `store` already holds.
  static Result<BufferedBucketEvents> Open(Store* store, int64_t bucket_span_ns,
                                           uint64_t run_batch_keys_from);

  // Takes stored events of this run (any order), in the order the job is to see them. Events
  // of buckets already taken are late (their bucket has been scored) and are dropped.
  void Add(std::vector<NetworkEvent>&& events);
  Status Take(int64_t start_ns, int64_t end_ns, std::vector<NetworkEvent>* out) override;
  Result<std::optional<int64_t>> EarliestTime() override;
  // Events held, for tests and memory accounting.
  size_t pending_events() const;

 private:
  BufferedBucketEvents(Store* store, int64_t bucket_span_ns, uint64_t run_batch_keys_from)
      : log_(store), bucket_span_ns_(bucket_span_ns), run_batch_keys_from_(run_batch_keys_from) {}
  int64_t BucketOf(int64_t time_ns) const;

  EventLog log_;
  int64_t bucket_span_ns_;
  uint64_t run_batch_keys_from_;
  // What the store held before this run: the earliest time, and an upper bound on the times.
  std::optional<int64_t> stored_from_;
  std::optional<int64_t> stored_until_;
  std::optional<int64_t> taken_until_;                    // the end of the last bucket taken
  std::map<int64_t, std::vector<NetworkEvent>> pending_;  // by bucket start
};

}  // namespace ulna::server
