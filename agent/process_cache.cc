#include "agent/process_cache.h"

#include <utility>

#include "agent/arg_list.h"

namespace ulna::agent {

ProcessCache::ProcessCache(const ProcFs* procfs, Options options)
    : procfs_(procfs), options_(options) {}

CachedProcess ProcessCache::FromSnapshot(ProcSnapshot snap) {
  CachedProcess p;
  p.pid = snap.stat.pid;
  p.ppid = snap.stat.ppid;
  p.start_ticks = snap.stat.start_ticks;
  p.uid = snap.uid;
  p.gid = snap.gid;
  p.name = std::move(snap.stat.comm);
  p.executable = std::move(snap.executable);
  p.args = std::move(snap.args);
  p.working_directory = std::move(snap.working_directory);
  p.container_id = std::move(snap.container_id);
  return p;
}

CachedProcess& ProcessCache::Insert(CachedProcess process) {
  auto it = entries_.find(process.pid);
  if (it != entries_.end()) {
    it->second = std::move(process);
    return it->second;
  }
  if (entries_.size() >= options_.max_entries) {
    // Prefer dropping a process that has exited; otherwise any one (counted).
    auto victim = entries_.begin();
    for (auto e = entries_.begin(); e != entries_.end(); ++e) {
      if (e->second.exited_at_ns != 0) {
        victim = e;
        break;
      }
    }
    if (victim->second.exited_at_ns == 0) ++stats_.evictions;
    entries_.erase(victim);
  }
  uint32_t pid = process.pid;
  return entries_.emplace(pid, std::move(process)).first->second;
}

size_t ProcessCache::SeedFromProc() {
  size_t loaded = 0;
  for (uint32_t pid : procfs_->ListPids()) {
    Result<ProcSnapshot> snap = procfs_->ReadProcess(pid);
    if (!snap.ok()) continue;  // exited while we listed
    Insert(FromSnapshot(std::move(snap.value())));
    ++loaded;
  }
  return loaded;
}

void ProcessCache::OnExec(const KernelTask& task, const ExecFacts& exec) {
  CachedProcess p;
  // The cgroup survives exec, and so does the working directory when the kernel could not name
  // it: start from what we knew before.
  if (const CachedProcess* before = Find(task.pid); before != nullptr) {
    p.working_directory = before->working_directory;
    p.container_id = before->container_id;
  }
  if (!exec.cwd.empty()) p.working_directory = std::string(exec.cwd);
  p.pid = task.pid;
  p.ppid = task.ppid;
  p.start_ticks = task.start_ticks;
  p.uid = task.uid;
  p.gid = task.gid;
  p.name = task.comm;
  const bool resolved = !exec.resolved_executable.empty();
  p.executable = std::string(resolved ? exec.resolved_executable : exec.filename);
  p.args = SplitArgs(exec.args_block).args;

  ++stats_.proc_reads;
  Result<ProcSnapshot> snap = procfs_->ReadProcess(task.pid);
  // Use /proc only if it still shows this image: same process (start time) and same comm; a
  // later exec or a reused pid would otherwise lend this record another program's details.
  if (snap.ok() && snap->stat.start_ticks == task.start_ticks && snap->stat.comm == task.comm) {
    if (!resolved && !snap->executable.empty()) p.executable = std::move(snap->executable);
    if (!snap->args.empty()) p.args = std::move(snap->args);
    if (!snap->working_directory.empty()) p.working_directory = std::move(snap->working_directory);
    p.container_id = std::move(snap->container_id);
  } else {
    ++stats_.proc_misses;
  }
  Insert(std::move(p));
}

void ProcessCache::OnFork(const KernelTask& parent, uint32_t child_pid) {
  CachedProcess child;
  if (const CachedProcess* known = Find(parent.pid); known != nullptr) child = *known;
  child.pid = child_pid;
  child.ppid = parent.pid;
  child.start_ticks = 0;  // learned from the child's first own record
  child.uid = parent.uid;
  child.gid = parent.gid;
  child.name = parent.comm;
  child.exited_at_ns = 0;
  Insert(std::move(child));
}

void ProcessCache::OnExit(const KernelTask& task, int64_t now_ns) {
  auto it = entries_.find(task.pid);
  if (it == entries_.end()) return;
  if (it->second.start_ticks != 0 && it->second.start_ticks != task.start_ticks) return;
  it->second.exited_at_ns = now_ns;
}

void ProcessCache::ExpireExited(int64_t now_ns) {
  std::erase_if(entries_, [&](const auto& kv) {
    return kv.second.exited_at_ns != 0 && now_ns - kv.second.exited_at_ns > options_.exit_grace_ns;
  });
}

const CachedProcess* ProcessCache::Find(uint32_t pid) const {
  auto it = entries_.find(pid);
  return it == entries_.end() ? nullptr : &it->second;
}

const CachedProcess& ProcessCache::Resolve(const KernelTask& task) {
  auto it = entries_.find(task.pid);
  if (it != entries_.end()) {
    CachedProcess& p = it->second;
    if (p.start_ticks == 0) p.start_ticks = task.start_ticks;  // a forked child, now known
    if (p.start_ticks == task.start_ticks) {
      p.name = task.comm;  // comm at event time wins (prctl(PR_SET_NAME) renames)
      p.uid = task.uid;    // setuid after start
      p.gid = task.gid;
      return p;
    }
    ++stats_.pid_reuse;
  }
  ++stats_.proc_reads;
  Result<ProcSnapshot> snap = procfs_->ReadProcess(task.pid);
  if (snap.ok() && snap->stat.start_ticks == task.start_ticks) {
    CachedProcess& p = Insert(FromSnapshot(std::move(snap.value())));
    p.name = task.comm;
    return p;
  }
  ++stats_.proc_misses;
  // Gone before we could look: keep what the record says, and if the parent still runs the same
  // program name, the child is a fork that never exec'ed and shares the parent's image.
  CachedProcess p;
  p.pid = task.pid;
  p.ppid = task.ppid;
  p.start_ticks = task.start_ticks;
  p.uid = task.uid;
  p.gid = task.gid;
  p.name = task.comm;
  if (const CachedProcess* parent = Find(task.ppid); parent != nullptr && parent->name == p.name) {
    p.executable = parent->executable;
    p.args = parent->args;
    p.working_directory = parent->working_directory;
    p.container_id = parent->container_id;
  }
  return Insert(std::move(p));
}

const CachedProcess* ProcessCache::Parent(const CachedProcess& child) {
  if (child.ppid == 0) return nullptr;
  if (const CachedProcess* p = Find(child.ppid); p != nullptr) return p;
  ++stats_.proc_reads;
  Result<ProcSnapshot> snap = procfs_->ReadProcess(child.ppid);
  if (!snap.ok()) {
    ++stats_.proc_misses;
    return nullptr;
  }
  return &Insert(FromSnapshot(std::move(snap.value())));
}

}  // namespace ulna::agent
