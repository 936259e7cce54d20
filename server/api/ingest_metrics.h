// Counters of the Ingest service: streams, batches, events and why events were rejected, so that
// nothing an agent sends disappears without a trace. Thread-safety: lock-free; every stream
// updates the same instance, readers take a Snapshot().
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "common/ecs_codec.h"

namespace ulna::server {

struct IngestCounters {
  uint64_t streams = 0;                  // authenticated streams opened
  uint64_t unauthenticated_streams = 0;  // refused: no valid client certificate
  uint64_t protocol_errors = 0;          // streams ended for not following Hello-then-batches
  uint64_t batches = 0;                  // batches received (all outcomes)
  uint64_t duplicate_batches = 0;        // already durable, acked again
  uint64_t failed_batches = 0;           // rejected whole (e.g. dictionary mismatch)
  uint64_t accepted_events = 0;
  std::array<uint64_t, static_cast<size_t>(RejectReason::kCount)> decode_rejects{};
  uint64_t sink_rejects = 0;       // dropped by the sink's validation (it keeps the reasons)
  uint64_t ring_buffer_drops = 0;  // capture losses the agents reported
  uint64_t map_full = 0;
  uint64_t spool_drops = 0;

  uint64_t rejected_events() const {
    uint64_t total = sink_rejects;
    for (uint64_t n : decode_rejects) total += n;
    return total;
  }
};

class IngestMetrics {
 public:
  void AddStream() { streams_.fetch_add(1, kOrder); }
  void AddUnauthenticated() { unauthenticated_.fetch_add(1, kOrder); }
  void AddProtocolError() { protocol_errors_.fetch_add(1, kOrder); }
  void AddBatch() { batches_.fetch_add(1, kOrder); }
  void AddDuplicate() { duplicates_.fetch_add(1, kOrder); }
  void AddFailedBatch() { failed_.fetch_add(1, kOrder); }
  void AddAccepted(uint64_t n) { accepted_.fetch_add(n, kOrder); }
  void AddDecodeRejects(const RejectTally& tally) {
    for (size_t i = 0; i < tally.counts.size(); ++i)
      decode_rejects_[i].fetch_add(tally.counts[i], kOrder);
  }
  void AddSinkRejects(uint64_t n) { sink_rejects_.fetch_add(n, kOrder); }
  void AddCaptureLoss(uint64_t ring_buffer_drops, uint64_t map_full, uint64_t spool_drops) {
    ring_buffer_drops_.fetch_add(ring_buffer_drops, kOrder);
    map_full_.fetch_add(map_full, kOrder);
    spool_drops_.fetch_add(spool_drops, kOrder);
  }

  IngestCounters Snapshot() const {
    IngestCounters c;
    c.streams = streams_.load(kOrder);
    c.unauthenticated_streams = unauthenticated_.load(kOrder);
    c.protocol_errors = protocol_errors_.load(kOrder);
    c.batches = batches_.load(kOrder);
    c.duplicate_batches = duplicates_.load(kOrder);
    c.failed_batches = failed_.load(kOrder);
    c.accepted_events = accepted_.load(kOrder);
    for (size_t i = 0; i < c.decode_rejects.size(); ++i)
      c.decode_rejects[i] = decode_rejects_[i].load(kOrder);
    c.sink_rejects = sink_rejects_.load(kOrder);
    c.ring_buffer_drops = ring_buffer_drops_.load(kOrder);
    c.map_full = map_full_.load(kOrder);
    c.spool_drops = spool_drops_.load(kOrder);
    return c;
  }

 private:
  // Counters are independent totals; no ordering between them is promised.
  static constexpr std::memory_order kOrder = std::memory_order_relaxed;
  std::atomic<uint64_t> streams_{0}, unauthenticated_{0}, protocol_errors_{0}, batches_{0},
      duplicates_{0}, failed_{0}, accepted_{0}, sink_rejects_{0}, ring_buffer_drops_{0},
      map_full_{0}, spool_drops_{0};
  std::array<std::atomic<uint64_t>, static_cast<size_t>(RejectReason::kCount)> decode_rejects_{};
};

}  // namespace ulna::server
