// ProcFs reads what the agent needs about a process from a procfs tree (normally /proc; tests
// point it at a directory of their own). The Parse* functions are pure and exposed for tests.
// Thread-safety: a ProcFs holds only its root path; concurrent calls are safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace ulna::agent {

// The fields of /proc/<pid>/stat the agent uses.
struct ProcStat {
  uint32_t pid = 0;
  std::string comm;  // without the parentheses; may itself contain spaces and ')'
  uint32_t ppid = 0;
  uint64_t start_ticks = 0;  // clock ticks after boot (field 22)
};

// One process as procfs shows it. Empty strings mean "could not be read" (e.g. a kernel thread
// has no exe, or the process exited while being read).
struct ProcSnapshot {
  ProcStat stat;
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::string executable;
  std::vector<std::string> args;
  std::string working_directory;
  std::string container_id;
};

// Parses /proc/<pid>/stat; comm is taken between the first '(' and the last ')'.
Result<ProcStat> ParseProcStat(std::string_view text);
// Real uid and gid from the "Uid:" and "Gid:" lines of /proc/<pid>/status.
Status ParseProcStatusIds(std::string_view text, uint32_t* uid, uint32_t* gid);

class ProcFs {
 public:
  explicit ProcFs(std::string root = "/proc") : root_(std::move(root)) {}

  Result<ProcStat> ReadStat(uint32_t pid) const;
  // Everything about `pid`; fails only when the process is gone (stat unreadable).
  Result<ProcSnapshot> ReadProcess(uint32_t pid) const;
  // Numeric entries of the root: the pids alive now.
  std::vector<uint32_t> ListPids() const;

 private:
  std::string Path(uint32_t pid, std::string_view leaf) const;
  std::string root_;
};

// Reads a whole small file; NotFound when absent.
Result<std::string> ReadSmallFile(const std::string& path, size_t limit = 1 << 20);

}  // namespace ulna::agent
