// `ulna-agent capture`: the standalone mode. Probes the kernel, loads netmon, seeds the process
// cache, and writes one ECS NDJSON line per network event until SIGINT/SIGTERM or --duration,
// serving Prometheus metrics on request. Runs on the calling thread (plus a metrics thread).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace ulna::agent {

struct CaptureOptions {
  std::string output = "ndjson";  // the only format so far
  std::string file;               // empty: stdout
  double duration_seconds = 0;    // 0: until a signal
  bool include_loopback = false;
  int metrics_port = -1;  // -1: no metrics endpoint; 0: any free port (printed)
  bool stats = false;
  double dedup_window_seconds = 60;  // 0 disables dedup
  uint32_t ringbuf_mb = 4;
  bool udp = true;
  bool probe_only = false;  // `ulna-agent probe`: print the hook plan and exit
};

// Parses the arguments after the subcommand ("capture" or "probe").
Result<CaptureOptions> ParseCaptureFlags(const std::vector<std::string>& args);
std::string CaptureUsage();

// Returns the process exit code: 0 on a clean stop, 1 when capture could not start or failed.
int RunCapture(const CaptureOptions& options);

}  // namespace ulna::agent
