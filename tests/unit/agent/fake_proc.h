// A throwaway procfs-shaped directory for unit tests: real files and symlinks that ProcFs reads
// exactly as it reads /proc. Not thread-safe.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace ulna::agent {

class FakeProc {
 public:
  FakeProc() {
    char tmpl[] = "/tmp/ulna-fakeproc-XXXXXX";
    root_ = ::mkdtemp(tmpl);
  }
  ~FakeProc() { std::filesystem::remove_all(root_); }
  const std::string& root() const { return root_; }

  struct Process {
    uint32_t pid = 0;
    uint32_t ppid = 0;
    std::string comm = "";
    uint64_t start_ticks = 0;
    uint32_t uid = 1000;
    std::string exe = "";
    std::string cmdline = "";  // NUL-separated
    std::string cwd = "";
    std::string cgroup = "0::/user.slice\n";
  };

  void Add(const Process& p) {
    std::string dir = root_ + "/" + std::to_string(p.pid);
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    // Fields 3..21 are filler; field 22 is starttime.
    std::string stat = std::to_string(p.pid) + " (" + p.comm + ") S " + std::to_string(p.ppid);
    for (int field = 5; field <= 21; ++field) stat += " 0";
    stat += " " + std::to_string(p.start_ticks) + " 0 0\n";
    Write(dir + "/stat", stat);
    Write(dir + "/status", "Name:\t" + p.comm + "\nUid:\t" + std::to_string(p.uid) + "\t0\t0\t0\n" +
                               "Gid:\t" + std::to_string(p.uid + 1) + "\t0\t0\t0\n");
    Write(dir + "/cmdline", p.cmdline);
    Write(dir + "/cgroup", p.cgroup);
    if (!p.exe.empty()) std::filesystem::create_symlink(p.exe, dir + "/exe");
    if (!p.cwd.empty()) std::filesystem::create_symlink(p.cwd, dir + "/cwd");
  }
  void Remove(uint32_t pid) { std::filesystem::remove_all(root_ + "/" + std::to_string(pid)); }

 private:
  static void Write(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
  }
  std::string root_;
};

}  // namespace ulna::agent
