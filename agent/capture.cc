#include "agent/capture.h"

#include <signal.h>
#include <time.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "agent/agent_metrics.h"
#include "agent/boot_clock.h"
#include "agent/capability_probe.h"
#include "agent/event_builder.h"
#include "agent/host_identity.h"
#include "agent/metrics_server.h"
#include "agent/netmon_loader.h"
#include "agent/proc_fs.h"
#include "agent/process_cache.h"
#include "agent/user_names.h"
#include "common/ecs_codec.h"

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

int64_t MonotonicNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

struct FileCloser {
  void operator()(FILE* f) const { std::fclose(f); }
};

// Turns ring-buffer records into NDJSON lines. Owned and called by the capture thread; its
// counters are atomics because the metrics thread reads them.
class CaptureSession {
 public:
  CaptureSession(FILE* out, HostInfo host, BootClock clock)
      : out_(out), host_(std::move(host)), clock_(clock), cache_(&procfs_, {}) {}

  void Seed() { cache_.SeedFromProc(); }

  void HandleRecord(const void* data, size_t size) {
    if (size < 1) return Malformed();
    switch (*static_cast<const uint8_t*>(data)) {
      case NETMON_REC_NET:
        if (size < sizeof(netmon_net_record)) return Malformed();
        return OnNet(*static_cast<const netmon_net_record*>(data));
      case NETMON_REC_EXEC: {
        if (size < sizeof(netmon_exec_record)) return Malformed();
        const auto& r = *static_cast<const netmon_exec_record*>(data);
        size_t fn_len = std::min<size_t>(r.filename_len, sizeof(r.filename));
        size_t args_len = std::min<size_t>(r.args_len, sizeof(r.args));
        cache_.OnExec(KernelTaskFromRecord(r.task, clock_), std::string_view(r.filename, fn_len),
                      std::string_view(r.args, args_len), CwdFromRecord(r));
        exec_records_.fetch_add(1, std::memory_order_relaxed);
        return;
      }
      case NETMON_REC_FORK: {
        if (size < sizeof(netmon_fork_record)) return Malformed();
        const auto& r = *static_cast<const netmon_fork_record*>(data);
        cache_.OnFork(KernelTaskFromRecord(r.parent, clock_), r.child_tgid);
        fork_records_.fetch_add(1, std::memory_order_relaxed);
        return;
      }
      case NETMON_REC_EXIT: {
        if (size < sizeof(netmon_exit_record)) return Malformed();
        const auto& r = *static_cast<const netmon_exit_record*>(data);
        cache_.OnExit(KernelTaskFromRecord(r.task, clock_), MonotonicNs());
        exit_records_.fetch_add(1, std::memory_order_relaxed);
        return;
      }
      default:
        return Malformed();
    }
  }

  // Flushes output and ages the cache; called between polls.
  void Tick() {
    if (std::fflush(out_) != 0) {
      std::fprintf(stderr, "ulna-agent: output flush failed: %s\n", std::strerror(errno));
      write_errors_.fetch_add(unflushed_, std::memory_order_relaxed);
    }
    unflushed_ = 0;
    cache_.ExpireExited(MonotonicNs());
    cache_size_.store(cache_.size(), std::memory_order_relaxed);
    proc_reads_.store(cache_.stats().proc_reads, std::memory_order_relaxed);
    proc_misses_.store(cache_.stats().proc_misses, std::memory_order_relaxed);
  }

  // Thread-safe: reads only atomics.
  void FillMetrics(AgentMetrics* m) const {
    m->events_written = written_.load(std::memory_order_relaxed);
    m->records_malformed = malformed_.load(std::memory_order_relaxed);
    m->write_errors = write_errors_.load(std::memory_order_relaxed);
    m->exec_records = exec_records_.load(std::memory_order_relaxed);
    m->fork_records = fork_records_.load(std::memory_order_relaxed);
    m->exit_records = exit_records_.load(std::memory_order_relaxed);
    m->process_cache_size = cache_size_.load(std::memory_order_relaxed);
    m->proc_reads = proc_reads_.load(std::memory_order_relaxed);
    m->proc_misses = proc_misses_.load(std::memory_order_relaxed);
  }

 private:
  void Malformed() { malformed_.fetch_add(1, std::memory_order_relaxed); }

  void OnNet(const netmon_net_record& r) {
    NetworkEvent event = NetworkEventFromRecord(r, clock_, host_);
    const CachedProcess& process = cache_.Resolve(KernelTaskFromRecord(r.task, clock_));
    FillProcess(process, nullptr, users_.Lookup(process.uid), clock_, &event);
    // Parent() may insert into the cache; `process` is not used past this point.
    if (const CachedProcess* parent = cache_.Parent(process); parent != nullptr) {
      event.process.parent_name = parent->name;
      event.process.parent_executable = parent->executable;
    }
    line_.clear();
    AppendEcsEvent(event, &line_);
    line_ += '\n';
    if (std::fwrite(line_.data(), 1, line_.size(), out_) != line_.size()) {
      write_errors_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    ++unflushed_;
    written_.fetch_add(1, std::memory_order_relaxed);
  }

  FILE* out_;
  HostInfo host_;
  BootClock clock_;
  ProcFs procfs_;
  ProcessCache cache_;
  UserNames users_;
  std::string line_;
  uint64_t unflushed_ = 0;
  std::atomic<uint64_t> written_{0}, malformed_{0}, write_errors_{0};
  std::atomic<uint64_t> exec_records_{0}, fork_records_{0}, exit_records_{0};
  std::atomic<uint64_t> cache_size_{0}, proc_reads_{0}, proc_misses_{0};
};

AgentMetrics Snapshot(const CaptureSession& session, const NetmonLoader& loader) {
  AgentMetrics m;
  if (Result<KernelCounters> k = loader.ReadCounters(); k.ok()) m.kernel = *k;
  m.ringbuf_bytes = loader.ringbuf_bytes();
  session.FillMetrics(&m);
  ReadSelfUsage(&m.rss_bytes, &m.cpu_seconds);
  return m;
}

}  // namespace

int RunCapture(const CaptureOptions& options) {
  ProbeOptions probe_options;
  probe_options.want_udp = options.udp;
  Result<HookPlan> plan = ProbeCapabilities(probe_options);
  if (!plan.ok()) {
    std::fprintf(stderr, "ulna-agent: cannot capture on this host: %s\n",
                 plan.status().ToString().c_str());
    return 1;
  }
  std::fprintf(stderr, "ulna-agent: hook set: %s\n", plan->name.c_str());
  for (const std::string& note : plan->notes) std::fprintf(stderr, "  - %s\n", note.c_str());
  if (options.probe_only) return 0;

  std::unique_ptr<FILE, FileCloser> owned_out;
  FILE* out = stdout;
  if (!options.file.empty()) {
    owned_out.reset(std::fopen(options.file.c_str(), "we"));
    if (!owned_out) {
      std::fprintf(stderr, "ulna-agent: cannot open %s: %s\n", options.file.c_str(),
                   std::strerror(errno));
      return 1;
    }
    out = owned_out.get();
  }

  InstallSignalHandlers();
  CaptureSession session(out, ReadHostIdentity(), BootClock::Now());
  NetmonOptions netmon_options;
  netmon_options.dedup_window_ns = static_cast<uint64_t>(options.dedup_window_seconds * 1e9);
  netmon_options.include_loopback = options.include_loopback;
  netmon_options.ringbuf_bytes = options.ringbuf_mb << 20;
  Result<std::unique_ptr<NetmonLoader>> loader = NetmonLoader::Open(
      *plan, netmon_options,
      [&session](const void* data, size_t size) { session.HandleRecord(data, size); });
  if (!loader.ok()) {
    std::fprintf(stderr, "ulna-agent: %s\n", loader.status().ToString().c_str());
    return 1;
  }
  for (const std::string& hook : (*loader)->attached()) {
    std::fprintf(stderr, "  attached: %s\n", hook.c_str());
  }
  // Seeded after attaching, so a process started meanwhile is caught by its exec record.
  session.Seed();

  std::unique_ptr<MetricsServer> metrics;
  if (options.metrics_port >= 0) {
    NetmonLoader* l = loader->get();
    Result<std::unique_ptr<MetricsServer>> server =
        MetricsServer::Start(static_cast<uint16_t>(options.metrics_port),
                             [&session, l] { return RenderPrometheus(Snapshot(session, *l)); });
    if (!server.ok()) {
      std::fprintf(stderr, "ulna-agent: %s\n", server.status().ToString().c_str());
      return 1;
    }
    metrics = std::move(server.value());
    std::fprintf(stderr, "ulna-agent: metrics on http://127.0.0.1:%u/metrics\n", metrics->port());
  }
  std::fprintf(stderr, "ulna-agent: capturing\n");

  const int64_t start = MonotonicNs();
  const int64_t deadline = options.duration_seconds > 0
                               ? start + static_cast<int64_t>(options.duration_seconds * 1e9)
                               : 0;
  int rc = 0;
  while (!g_stop.load()) {
    int64_t now = MonotonicNs();
    if (deadline != 0 && now >= deadline) break;
    int timeout_ms = 100;
    if (deadline != 0)
      timeout_ms = static_cast<int>(std::min<int64_t>(100, (deadline - now) / 1'000'000 + 1));
    Result<int> n = (*loader)->Poll(timeout_ms);
    if (!n.ok()) {
      std::fprintf(stderr, "ulna-agent: %s\n", n.status().ToString().c_str());
      rc = 1;
      break;
    }
    session.Tick();
  }
  // Drain what the kernel queued before the stop, then detach (the loader's destructor).
  (void)(*loader)->Consume();
  session.Tick();
  metrics.reset();
  if (options.stats) {
    AgentMetrics m = Snapshot(session, **loader);
    std::fprintf(stderr, "%s", RenderSummary(m, (MonotonicNs() - start) / 1e9).c_str());
  }
  loader->reset();
  std::fprintf(stderr, "ulna-agent: detached\n");
  return rc;
}

}  // namespace ulna::agent
