// CaptureRuntime is the pipeline `capture` and `run` share: probe the kernel, load and attach
// netmon, seed the process cache, then poll the ring buffer until SIGINT/SIGTERM or a duration,
// feeding every event to the caller's sink. Detaches everything when destroyed. Run() on one
// thread; Snapshot() may be called from the metrics thread.
#pragma once

#include <functional>
#include <memory>

#include "agent/agent_metrics.h"
#include "agent/capability_probe.h"
#include "agent/capture.h"
#include "agent/capture_session.h"
#include "agent/netmon_loader.h"
#include "common/status.h"

namespace ulna::agent {

class CaptureRuntime {
 public:
  // Probes (printing the hook set and why), loads, attaches and seeds. Installs the SIGINT and
  // SIGTERM handlers that end Run().
  static Result<std::unique_ptr<CaptureRuntime>> Start(const CaptureOptions& options,
                                                       const HookPlan& plan,
                                                       CaptureSession::EventSink sink);

  // Polls until a signal or the duration of the options passed, calling `on_tick(now_ns)`
  // (monotonic) at least every 100 ms. Drains the ring buffer before returning.
  Status Run(const std::function<void(int64_t now_ns)>& on_tick);

  // Kernel and session counters, rss and cpu; thread-safe.
  AgentMetrics Snapshot() const;
  CaptureSession& session() { return session_; }
  double elapsed_seconds() const;

 private:
  CaptureRuntime(const CaptureOptions& options, CaptureSession::EventSink sink);

  CaptureOptions options_;
  CaptureSession session_;
  std::unique_ptr<NetmonLoader> loader_;
  int64_t start_ns_ = 0;
};

// Runs the capability probe with the options' hook wishes and prints the chosen hook set.
Result<HookPlan> ProbeAndReport(const CaptureOptions& options);

}  // namespace ulna::agent
