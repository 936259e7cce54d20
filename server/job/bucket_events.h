// BucketEvents: where the anomaly job reads the events of a bucket it closes. StoredBucketEvents
// reads them back from the event log; BufferedBucketEvents keeps in memory the blocks of events
// its owner has just stored (replay), sparing the job a read and decode of what was just written.
// Buckets are the job's: bucket_span_ns long, aligned to the epoch.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "common/event.h"
#include "common/status.h"
#include "server/job/event_run.h"
#include "server/store/event_log.h"
#include "server/store/store.h"

namespace ulna::server {

class BucketEvents {
 public:
  virtual ~BucketEvents() = default;
  // Appends runs holding every stored event with start_ns <= time < end_ns to *out (any order).
  // Called for consecutive buckets, in time order.
  virtual Status Take(int64_t start_ns, int64_t end_ns, std::vector<EventRun>* out) = 0;
};

// Reads buckets from the event log. Thread-safety: as EventLog.
class StoredBucketEvents : public BucketEvents {
 public:
  explicit StoredBucketEvents(Store* store) : log_(store) {}
  Status Take(int64_t start_ns, int64_t end_ns, std::vector<EventRun>* out) override;

 private:
  EventLog log_;
};

// Serves buckets from the blocks of events handed to Add() after they were stored, and from the
// event log for buckets that may hold events stored before this object existed (a reused store).
// Holds only runs of buckets not yet taken (a block spanning several buckets is shared by their
// runs, not split). Not thread-safe: one thread adds and takes.
class BufferedBucketEvents : public BucketEvents {
 public:
  // Looks up what `store` already holds.
  static Result<BufferedBucketEvents> Open(Store* store, int64_t bucket_span_ns);

  // Takes a block of events that were just stored, shared with whoever made it (in time order
  // as ingest hands them over; a block in any other order is copied in order). Events of
  // buckets already taken are late: their bucket has been scored, so they are left out here
  // (the ingest counted them).
  void Add(std::shared_ptr<const std::vector<NetworkEvent>> block);
  // As above, for a block handed over (sorted in place when needed).
  void Add(std::vector<NetworkEvent>&& events);
  Status Take(int64_t start_ns, int64_t end_ns, std::vector<EventRun>* out) override;
  // Events held, for tests and memory accounting.
  size_t pending_events() const;

 private:
  BufferedBucketEvents(Store* store, int64_t bucket_span_ns, std::optional<int64_t> stored_until)
      : stored_(store), bucket_span_ns_(bucket_span_ns), stored_until_(stored_until) {}
  // Add() of a block in time order: one run per bucket.
  void AddSorted(std::shared_ptr<const std::vector<NetworkEvent>> block);

  StoredBucketEvents stored_;
  int64_t bucket_span_ns_;
  // An upper bound on the times stored before Open (nullopt: the store held no events).
  std::optional<int64_t> stored_until_;
  std::optional<int64_t> taken_until_;                // the end of the last bucket taken
  std::map<int64_t, std::vector<EventRun>> pending_;  // by bucket start
};

}  // namespace ulna::server
