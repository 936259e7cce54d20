// Spool: the agent's on-disk queue of event batches between capture and the server's ack. Every
// batch is made durable here (one write-once file per batch, fsynced) BEFORE it is sent and is
// removed only once the server acked it, so neither a server outage nor an agent crash loses
// it. It assigns the batch sequence numbers and persists them, so a restarted agent continues
// the sequence and the server's dedupe stays correct. Bounded: when full, the OLDEST batches are
// dropped and the count is reported in the next batch's CaptureCounters.spool_drops.
// Thread-safe: the batcher appends while the ingest client reads and removes.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.h"
#include "ulna/v1/events.pb.h"

namespace ulna::agent {

struct SpoolOptions {
  std::string dir;
  uint64_t max_bytes = 256ull << 20;
  // fsync every batch file, the sequence file and the directory. Only tests turn it off.
  bool sync = true;
};

struct SpoolStats {
  uint64_t depth = 0;            // batches waiting for an ack
  uint64_t bytes = 0;            // their size on disk
  uint64_t events = 0;           // events in them
  uint64_t appended = 0;         // batches written since open
  uint64_t appended_events = 0;  // events in them
  uint64_t dropped = 0;          // batches dropped because the spool was full (or unreadable)
  uint64_t dropped_events = 0;
  uint64_t corrupt = 0;  // files found unreadable at open or read (counted in dropped too)
};

struct SpooledBatch {
  uint64_t sequence = 0;
  v1::EventBatch batch;  // self-contained; batch.sequence() == sequence
};

class Spool {
 public:
  // Creates `dir` if needed, indexes the batches a previous run left and restores the sequence.
  static Result<std::unique_ptr<Spool>> Open(SpoolOptions options);

  // Gives `batch` (self-contained) the next sequence number, stamps into its counters the spool
  // drops not yet reported, makes room by dropping the oldest batches if needed, and writes it
  // durably. Returns the sequence. A batch larger than the whole spool is dropped (counted) and
  // ResourceExhausted returned.
  Result<uint64_t> Append(v1::EventBatch batch);

  // The batch stored under `sequence`; NotFound when it was acked or dropped meanwhile.
  Result<SpooledBatch> Read(uint64_t sequence);
  // Pending sequences greater than `after`, ascending.
  std::vector<uint64_t> PendingAfter(uint64_t after) const;
  // Blocks until a batch with a sequence greater than `after` is pending, or `timeout`.
  bool WaitForPendingAfter(uint64_t after, std::chrono::milliseconds timeout);

  // The server acknowledged `sequence`: forget it. Returns the events it held (0 when it was
  // not pending, e.g. dropped while in flight).
  uint32_t Remove(uint64_t sequence);
  // The server says everything up to `last_durable` is stored: forget those batches. Returns the
  // number of events removed.
  uint64_t RemoveThrough(uint64_t last_durable);

  // The server has durably stored a sequence this spool never issued: the agent's state was
  // lost (a wiped spool directory). New batches under old numbers would be taken for
  // duplicates, so the pending ones are renumbered after `server_last` and numbering continues
  // from there. A no-op when server_last < next sequence.
  Status Rebase(uint64_t server_last);

  uint64_t next_sequence() const;
  SpoolStats stats() const;

 private:
  struct Entry {
    uint64_t bytes = 0;
    uint32_t events = 0;
  };
  explicit Spool(SpoolOptions options);
  Status Load();
  std::string BatchPath(uint64_t sequence) const;
  Status WriteBatchLocked(uint64_t sequence, const v1::EventBatch& batch, uint64_t* bytes);
  Status PersistSequenceLocked();
  void DropLocked(std::map<uint64_t, Entry>::iterator it, bool corrupt);
  void RemoveFileLocked(uint64_t sequence);

  const SpoolOptions options_;
  mutable std::mutex mu_;
  std::condition_variable appended_cv_;
  std::map<uint64_t, Entry> pending_;  // sequence -> entry, ascending
  uint64_t next_sequence_ = 1;
  uint64_t unreported_drops_ = 0;  // batches dropped since the last append stamped them
  SpoolStats stats_;
};

}  // namespace ulna::agent
