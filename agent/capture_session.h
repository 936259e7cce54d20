// CaptureSession turns the kernel's ring-buffer records into enriched ulna::NetworkEvents: exec,
// fork and exit records keep the process cache current, and each network record becomes one
// event handed to a sink (the NDJSON writer of `capture`, the batcher of `run`). Called on the
// capture thread only; its counters are atomics so the metrics thread may read them.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "agent/agent_metrics.h"
#include "agent/boot_clock.h"
#include "agent/proc_fs.h"
#include "agent/process_cache.h"
#include "agent/user_names.h"
#include "common/event.h"

namespace ulna::agent {

class CaptureSession {
 public:
  // Takes one event; returns false when it could not be kept (counted as a write error).
  using EventSink = std::function<bool(NetworkEvent&& event)>;

  CaptureSession(HostInfo host, BootClock clock, EventSink sink);

  void Seed() { cache_.SeedFromProc(); }
  // One ring-buffer record; `data` is valid only during the call.
  void HandleRecord(const void* data, size_t size);
  // Ages the process cache and publishes its numbers; called between polls.
  void Tick(int64_t now_ns);
  // Events not kept by the sink, e.g. a failed flush of already-counted lines.
  void AddWriteErrors(uint64_t n) { write_errors_.fetch_add(n, std::memory_order_relaxed); }
  // Events sent without an executable (process gone and unknown): cumulative.
  uint64_t enrich_failures() const { return enrich_failures_.load(std::memory_order_relaxed); }

  // Thread-safe: reads only atomics.
  void FillMetrics(AgentMetrics* m) const;

 private:
  void Malformed() { malformed_.fetch_add(1, std::memory_order_relaxed); }
  void OnNet(const netmon_net_record& r);

  HostInfo host_;
  BootClock clock_;
  EventSink sink_;
  ProcFs procfs_;
  ProcessCache cache_;
  UserNames users_;
  std::atomic<uint64_t> written_{0}, malformed_{0}, write_errors_{0}, enrich_failures_{0};
  std::atomic<uint64_t> exec_records_{0}, fork_records_{0}, exit_records_{0};
  std::atomic<uint64_t> cache_size_{0}, proc_reads_{0}, proc_misses_{0};
};

}  // namespace ulna::agent
