#include "agent/proc_fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <memory>

#include "agent/arg_list.h"
#include "agent/container_id.h"
#include "common/event.h"
#include "common/scoped_fd.h"

namespace ulna::agent {
namespace {

template <typename T>
bool ParseNumber(std::string_view s, T* out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

std::string ReadLink(const std::string& path) {
  char buf[kMaxPathBytes];
  ssize_t n = ::readlink(path.c_str(), buf, sizeof(buf));
  if (n <= 0 || static_cast<size_t>(n) >= sizeof(buf)) return "";
  return std::string(buf, static_cast<size_t>(n));
}

}  // namespace

Result<std::string> ReadSmallFile(const std::string& path, size_t limit) {
  ScopedFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    int err = errno;
    std::string msg = path + ": " + std::strerror(err);
    return err == ENOENT || err == ESRCH ? Status::NotFound(msg) : Status::IoError(msg);
  }
  std::string out;
  char buf[4096];
  while (out.size() < limit) {
    ssize_t n = ::read(fd.get(), buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::IoError(path + ": " + std::strerror(errno));
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  if (out.size() > limit) out.resize(limit);
  return out;
}

Result<ProcStat> ParseProcStat(std::string_view text) {
  size_t open = text.find('(');
  size_t close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    return Status::InvalidArgument("stat: no (comm)");
  }
  ProcStat st;
  if (!ParseNumber(text.substr(0, open == 0 ? 0 : open - 1), &st.pid)) {
    return Status::InvalidArgument("stat: bad pid");
  }
  st.comm = std::string(text.substr(open + 1, close - open - 1));
  // Fields after comm, numbered from 3 (state).
  std::string_view rest = text.substr(close + 1);
  int field = 2;
  while (!rest.empty()) {
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    size_t sp = rest.find(' ');
    std::string_view token = rest.substr(0, sp);
    rest.remove_prefix(sp == std::string_view::npos ? rest.size() : sp);
    if (token.empty()) break;
    ++field;
    if (field == 4 && !ParseNumber(token, &st.ppid)) {
      return Status::InvalidArgument("stat: bad ppid");
    }
    if (field == 22) {
      while (!token.empty() && token.back() == '\n') token.remove_suffix(1);
      if (!ParseNumber(token, &st.start_ticks)) {
        return Status::InvalidArgument("stat: bad starttime");
      }
      return st;
    }
  }
  return Status::InvalidArgument("stat: too few fields");
}

Status ParseProcStatusIds(std::string_view text, uint32_t* uid, uint32_t* gid) {
  bool have_uid = false;
  bool have_gid = false;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    bool is_uid = line.starts_with("Uid:");
    bool is_gid = line.starts_with("Gid:");
    if (!is_uid && !is_gid) continue;
    line.remove_prefix(4);
    while (!line.empty() && (line.front() == '\t' || line.front() == ' ')) line.remove_prefix(1);
    std::string_view first = line.substr(0, line.find_first_of("\t "));
    uint32_t value = 0;
    if (!ParseNumber(first, &value)) return Status::InvalidArgument("status: bad Uid/Gid line");
    (is_uid ? *uid : *gid) = value;
    (is_uid ? have_uid : have_gid) = true;
  }
  if (!have_uid || !have_gid) return Status::InvalidArgument("status: no Uid/Gid");
  return Status::Ok();
}

std::string ProcFs::Path(uint32_t pid, std::string_view leaf) const {
  std::string p = root_;
  p += '/';
  p += std::to_string(pid);
  p += '/';
  p += leaf;
  return p;
}

Result<ProcStat> ProcFs::ReadStat(uint32_t pid) const {
  Result<std::string> text = ReadSmallFile(Path(pid, "stat"));
  if (!text.ok()) return text.status();
  return ParseProcStat(*text);
}

Result<ProcSnapshot> ProcFs::ReadProcess(uint32_t pid) const {
  Result<ProcStat> stat = ReadStat(pid);
  if (!stat.ok()) return stat.status();
  ProcSnapshot snap;
  snap.stat = std::move(stat.value());
  if (Result<std::string> status = ReadSmallFile(Path(pid, "status")); status.ok()) {
    (void)ParseProcStatusIds(*status, &snap.uid, &snap.gid);  // zeros when unreadable
  }
  snap.executable = ReadLink(Path(pid, "exe"));
  snap.working_directory = ReadLink(Path(pid, "cwd"));
  if (Result<std::string> cmdline = ReadSmallFile(Path(pid, "cmdline"), kMaxArgsTotalBytes * 2);
      cmdline.ok()) {
    snap.args = SplitArgs(*cmdline).args;
  }
  if (Result<std::string> cgroup = ReadSmallFile(Path(pid, "cgroup")); cgroup.ok()) {
    snap.container_id = ContainerIdFromCgroupFile(*cgroup);
  }
  return snap;
}

std::vector<uint32_t> ProcFs::ListPids() const {
  std::vector<uint32_t> pids;
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(root_.c_str()), &::closedir);
  if (dir == nullptr) return pids;
  while (dirent* entry = ::readdir(dir.get())) {
    uint32_t pid = 0;
    if (ParseNumber(std::string_view(entry->d_name), &pid)) pids.push_back(pid);
  }
  return pids;
}

}  // namespace ulna::agent
