// ProcessCache: what the agent knows about every live process, so each network record can be
// enriched with executable, arguments, working directory, parent and container without touching
// /proc on the hot path. Seeded from /proc at start, then kept current by the kernel's exec,
// fork and exit records; a process the cache has never seen is read from /proc on first use.
// Not thread-safe: owned by the capture loop.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "agent/proc_fs.h"

namespace ulna::agent {

// Identity of a task as a kernel record states it (agent-side copy of struct netmon_task).
struct KernelTask {
  uint32_t pid = 0;  // thread-group id
  uint32_t ppid = 0;
  uint64_t start_ticks = 0;  // process start, clock ticks after boot
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::string comm;
};

struct CachedProcess {
  uint32_t pid = 0;
  uint32_t ppid = 0;
  uint64_t start_ticks = 0;  // 0 = not yet known (a fork seen before the child's own records)
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::string name;
  std::string executable;
  std::vector<std::string> args;
  std::string working_directory;
  std::string container_id;
  int64_t exited_at_ns = 0;  // agent clock; 0 while alive
};

class ProcessCache {
 public:
  struct Options {
    size_t max_entries = 65536;
    // Records of a process may still sit in the ring buffer behind its exit record; keep the
    // entry this long after exit so they are still enriched.
    int64_t exit_grace_ns = 10'000'000'000;
  };
  struct Stats {
    uint64_t proc_reads = 0;   // /proc lookups done for processes not in the cache
    uint64_t proc_misses = 0;  // ... that found the process already gone
    uint64_t evictions = 0;    // live entries dropped because the cache was full
    uint64_t pid_reuse = 0;    // entries replaced because the pid now names another process
  };

  ProcessCache(const ProcFs* procfs, Options options);

  // Loads every process in /proc. Returns how many were loaded.
  size_t SeedFromProc();

  // What the kernel copied when a process replaced its image.
  struct ExecFacts {
    // The executed file with symlinks resolved, as /proc/<pid>/exe shows it ("" when the
    // kernel's walk failed).
    std::string_view resolved_executable = {};
    std::string_view filename = {};    // the path given to execve(), as written (fallback only)
    std::string_view args_block = {};  // NUL-separated argv, possibly cut
    std::string_view cwd = {};         // "" when unknown
  };
  // The executable is the kernel's resolved path, so a process reports the same path whether it
  // is still alive when its record is read or not; /proc supplies it only when the walk failed.
  // Arguments and cwd come from /proc when it still shows the same image (it is not cut short).
  void OnExec(const KernelTask& task, const ExecFacts& exec);
  // `parent` created process `child_pid`, which starts as a copy of the parent.
  void OnFork(const KernelTask& parent, uint32_t child_pid);
  void OnExit(const KernelTask& task, int64_t now_ns);

  // The process a network record names: from the cache, else from /proc, else built from the
  // record alone (a process gone before it could be read). Valid until the next mutating call.
  const CachedProcess& Resolve(const KernelTask& task);
  // The parent of `child`, from the cache or /proc; nullptr when unknown.
  const CachedProcess* Parent(const CachedProcess& child);

  // Drops entries whose exit grace has passed.
  void ExpireExited(int64_t now_ns);

  const CachedProcess* Find(uint32_t pid) const;
  size_t size() const { return entries_.size(); }
  const Stats& stats() const { return stats_; }

 private:
  CachedProcess& Insert(CachedProcess process);
  static CachedProcess FromSnapshot(ProcSnapshot snap);

  const ProcFs* procfs_;
  Options options_;
  std::unordered_map<uint32_t, CachedProcess> entries_;
  Stats stats_;
};

}  // namespace ulna::agent
