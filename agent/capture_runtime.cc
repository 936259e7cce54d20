#include "agent/capture_runtime.h"

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstdio>

#include "agent/boot_clock.h"
#include "agent/host_identity.h"
#include "common/prometheus_text.h"

namespace ulna::agent {
namespace {

std::atomic<bool> g_stop{false};

void OnSignal(int) { g_stop.store(true); }

// No SA_RESTART: the ring-buffer wait returns EINTR at once, so a stop is never delayed.
void InstallSignalHandlers() {
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

}  // namespace

Result<HookPlan> ProbeAndReport(const CaptureOptions& options) {
  ProbeOptions probe_options;
  probe_options.want_udp = options.udp;
  Result<HookPlan> plan = ProbeCapabilities(probe_options);
  if (!plan.ok()) {
    return Status::FailedPrecondition("cannot capture on this host: " + plan.status().ToString());
  }
  std::fprintf(stderr, "ulna-agent: hook set: %s\n", plan->name.c_str());
  for (const std::string& note : plan->notes) std::fprintf(stderr, "  - %s\n", note.c_str());
  return plan;
}

CaptureRuntime::CaptureRuntime(const CaptureOptions& options, CaptureSession::EventSink sink)
    : options_(options), session_(ReadHostIdentity(), BootClock::Now(), std::move(sink)) {}

Result<std::unique_ptr<CaptureRuntime>> CaptureRuntime::Start(const CaptureOptions& options,
                                                              const HookPlan& plan,
                                                              CaptureSession::EventSink sink) {
  InstallSignalHandlers();
  std::unique_ptr<CaptureRuntime> rt(new CaptureRuntime(options, std::move(sink)));
  NetmonOptions netmon_options;
  netmon_options.dedup_window_ns = static_cast<uint64_t>(options.dedup_window_seconds * 1e9);
  netmon_options.include_loopback = options.include_loopback;
  netmon_options.ringbuf_bytes = options.ringbuf_mb << 20;
  CaptureSession* session = &rt->session_;
  Result<std::unique_ptr<NetmonLoader>> loader = NetmonLoader::Open(
      plan, netmon_options,
      [session](const void* data, size_t size) { session->HandleRecord(data, size); });
  if (!loader.ok()) return loader.status();
  rt->loader_ = std::move(loader.value());
  for (const std::string& hook : rt->loader_->attached()) {
    std::fprintf(stderr, "  attached: %s\n", hook.c_str());
  }
  // Seeded after attaching, so a process started meanwhile is caught by its exec record.
  rt->session_.Seed();
  rt->start_ns_ = MonotonicNs();
  return rt;
}

Status CaptureRuntime::Run(const std::function<void(int64_t)>& on_tick) {
  const int64_t deadline = options_.duration_seconds > 0
                               ? start_ns_ + static_cast<int64_t>(options_.duration_seconds * 1e9)
                               : 0;
  Status result = Status::Ok();
  while (!g_stop.load()) {
    int64_t now = MonotonicNs();
    if (deadline != 0 && now >= deadline) break;
    int timeout_ms = 100;
    if (deadline != 0)
      timeout_ms = static_cast<int>(std::min<int64_t>(100, (deadline - now) / 1'000'000 + 1));
    Result<int> n = loader_->Poll(timeout_ms);
    if (!n.ok()) {
      result = n.status();
      break;
    }
    now = MonotonicNs();
    session_.Tick(now);
    on_tick(now);
  }
  // Drain what the kernel queued before the stop.
  (void)loader_->Consume();
  const int64_t now = MonotonicNs();
  session_.Tick(now);
  on_tick(now);
  return result;
}

AgentMetrics CaptureRuntime::Snapshot() const {
  AgentMetrics m;
  if (Result<KernelCounters> k = loader_->ReadCounters(); k.ok()) m.kernel = *k;
  m.ringbuf_bytes = loader_->ringbuf_bytes();
  session_.FillMetrics(&m);
  ReadProcessUsage(&m.rss_bytes, &m.cpu_seconds);
  return m;
}

double CaptureRuntime::elapsed_seconds() const { return (MonotonicNs() - start_ns_) / 1e9; }

}  // namespace ulna::agent
