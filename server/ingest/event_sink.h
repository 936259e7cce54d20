// EventSink: where authenticated agents' batches go — stored durably (then acked) and fed to the
// anomaly job. The gRPC Ingest service talks only to this interface.
// Thread-safety: implementations accept concurrent calls from many streams.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/event.h"
#include "common/status.h"

namespace ulna::server {

struct CaptureLoss {
  uint64_t ring_buffer_drops = 0;
  uint64_t map_full = 0;
  uint64_t spool_drops = 0;
  uint64_t total() const { return ring_buffer_drops + map_full + spool_drops; }
};

struct StoreOutcome {
  bool duplicate = false;  // sequence <= last durable: nothing stored, ack again
  uint32_t accepted = 0;
  uint32_t rejected = 0;  // dropped by validation (late, future, excluded...), counted by reason
};

class EventSink {
 public:
  virtual ~EventSink() = default;
  // Stores one batch of `host` (identity from credentials) durably before returning.
  virtual Result<StoreOutcome> StoreAgentBatch(const HostInfo& host, uint64_t sequence,
                                               std::vector<NetworkEvent> events,
                                               const CaptureLoss& loss) = 0;
  // Last durable sequence of the agent (0: none), so a reconnecting agent resumes after it.
  virtual Result<uint64_t> LastSequence(const std::string& host_id) = 0;
};

}  // namespace ulna::server
