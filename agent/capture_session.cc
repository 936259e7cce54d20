#include "agent/capture_session.h"

#include <algorithm>
#include <string_view>
#include <utility>

#include "agent/event_builder.h"
#include "netmon.h"

namespace ulna::agent {

CaptureSession::CaptureSession(HostInfo host, BootClock clock, EventSink sink)
    : host_(std::move(host)), clock_(clock), sink_(std::move(sink)), cache_(&procfs_, {}) {}

void CaptureSession::HandleRecord(const void* data, size_t size) {
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
      const std::string exe = ExecutableFromRecord(r);
      const std::string cwd = CwdFromRecord(r);
      cache_.OnExec(KernelTaskFromRecord(r.task, clock_),
                    {.resolved_executable = exe,
                     .filename = std::string_view(r.filename, fn_len),
                     .args_block = std::string_view(r.args, args_len),
                     .cwd = cwd});
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

void CaptureSession::Tick(int64_t now_ns) {
  cache_.ExpireExited(now_ns);
  cache_size_.store(cache_.size(), std::memory_order_relaxed);
  proc_reads_.store(cache_.stats().proc_reads, std::memory_order_relaxed);
  proc_misses_.store(cache_.stats().proc_misses, std::memory_order_relaxed);
}

void CaptureSession::FillMetrics(AgentMetrics* m) const {
  m->events_written = written_.load(std::memory_order_relaxed);
  m->records_malformed = malformed_.load(std::memory_order_relaxed);
  m->write_errors = write_errors_.load(std::memory_order_relaxed);
  m->enrich_failures = enrich_failures_.load(std::memory_order_relaxed);
  m->exec_records = exec_records_.load(std::memory_order_relaxed);
  m->fork_records = fork_records_.load(std::memory_order_relaxed);
  m->exit_records = exit_records_.load(std::memory_order_relaxed);
  m->process_cache_size = cache_size_.load(std::memory_order_relaxed);
  m->proc_reads = proc_reads_.load(std::memory_order_relaxed);
  m->proc_misses = proc_misses_.load(std::memory_order_relaxed);
}

void CaptureSession::OnNet(const netmon_net_record& r) {
  NetworkEvent event = NetworkEventFromRecord(r, clock_, host_);
  const CachedProcess& process = cache_.Resolve(KernelTaskFromRecord(r.task, clock_));
  FillProcess(process, nullptr, users_.Lookup(process.uid), clock_, &event);
  // Parent() may insert into the cache; `process` is not used past this point.
  if (const CachedProcess* parent = cache_.Parent(process); parent != nullptr) {
    event.process.parent_name = parent->name;
    event.process.parent_executable = parent->executable;
  }
  if (event.process.executable.empty()) enrich_failures_.fetch_add(1, std::memory_order_relaxed);
  if (!sink_(std::move(event))) {
    write_errors_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  written_.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace ulna::agent
