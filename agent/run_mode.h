// `ulna-agent run`: the production mode. Captures like `capture`, groups events into batches,
// spools each batch durably and streams it to the server's Ingest service over mTLS, removing
// it from the spool only when acked. Runs the capture loop on the calling thread plus the
// ingest client's threads and, optionally, a metrics thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "agent/capture.h"
#include "common/status.h"

namespace ulna::agent {

struct RunOptions {
  CaptureOptions capture;   // capture knobs shared with `capture` (no --output/--file)
  std::string server;       // host:port of the server's gRPC endpoint
  std::string server_name;  // TLS name to verify instead of the host part; "" = the host
  std::string credentials_dir;
  std::string spool_dir = "/var/lib/ulna-agent/spool";
  uint64_t spool_max_bytes = 256ull << 20;
  size_t batch_max_events = 1000;
  int64_t batch_max_delay_ns = 1'000'000'000;
  int64_t drain_ms = 5000;  // at stop, how long to wait for acks of what is spooled
};

// Parses the arguments after "run".
Result<RunOptions> ParseRunFlags(const std::vector<std::string>& args);
std::string RunUsage();

// Returns the process exit code: 0 on a clean stop, 1 when it could not start or failed.
int RunStreaming(const RunOptions& options);

}  // namespace ulna::agent
