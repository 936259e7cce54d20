// The agent's health numbers and their Prometheus text rendering (for the metrics endpoint) and
// one-line summary (for --stats). A snapshot is a plain value; rendering is pure.
#pragma once

#include <cstdint>
#include <string>

#include "agent/ingest_client.h"
#include "agent/netmon_loader.h"
#include "agent/spool.h"

namespace ulna::agent {

struct AgentMetrics {
  KernelCounters kernel{};
  uint32_t ringbuf_bytes = 0;
  uint64_t events_written = 0;     // NDJSON lines written
  uint64_t records_malformed = 0;  // ring-buffer records of unknown kind or wrong size
  uint64_t write_errors = 0;       // events lost because the output could not be written
  uint64_t enrich_failures = 0;    // events sent without an executable (process unknown)
  uint64_t exec_records = 0;
  uint64_t fork_records = 0;
  uint64_t exit_records = 0;
  uint64_t process_cache_size = 0;
  uint64_t proc_reads = 0;
  uint64_t proc_misses = 0;
  uint64_t rss_bytes = 0;
  double cpu_seconds = 0;
};

// Prometheus text of the capture counters (kernel, process cache, self usage).
std::string RenderPrometheus(const AgentMetrics& m);
// The `run` mode's extra series: connection, batches, acks and spool.
std::string RenderStreamPrometheus(const IngestStats& ingest, const SpoolStats& spool);
// One-paragraph summary of the same, for --stats.
std::string RenderStreamSummary(const IngestStats& ingest, const SpoolStats& spool);
// Multi-line human summary printed on exit with --stats.
std::string RenderSummary(const AgentMetrics& m, double elapsed_seconds);

}  // namespace ulna::agent
