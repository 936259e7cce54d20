#include "server/api/private_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ulna::server {
namespace {

// Owns one file descriptor.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  // Closes now so the caller sees close() errors (deferred write-back failures).
  int Close() {
    int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

Status Errno(const std::string& what, const std::string& path) {
  return Status::IoError(what + " " + path + ": " + std::strerror(errno));
}

}  // namespace

Result<std::string> ReadSmallFile(const std::string& path, size_t max_bytes) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return Status::NotFound(path + " does not exist");
    return Errno("cannot open", path);
  }
  std::string contents;
  char buffer[4096];
  while (true) {
    ssize_t n = ::read(fd.get(), buffer, sizeof(buffer));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("cannot read", path);
    }
    if (n == 0) break;
    contents.append(buffer, static_cast<size_t>(n));
    if (contents.size() > max_bytes) {
      return Status::InvalidArgument(path + " is larger than " + std::to_string(max_bytes) +
                                     " bytes");
    }
  }
  return contents;
}

Status WriteFileAtomically(const std::string& path, const std::string& contents, mode_t mode) {
  const std::string temp = path + ".tmp";
  ::unlink(temp.c_str());  // a leftover from a crash would make O_EXCL fail
  Fd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
  if (fd.get() < 0) return Errno("cannot create", temp);
  // open() applies the umask; fchmod makes the mode exact (e.g. 0644 for certificates).
  if (::fchmod(fd.get(), mode) != 0) return Errno("cannot chmod", temp);
  size_t written = 0;
  while (written < contents.size()) {
    ssize_t n = ::write(fd.get(), contents.data() + written, contents.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("cannot write", temp);
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd.get()) != 0) return Errno("cannot fsync", temp);
  if (fd.Close() != 0) return Errno("cannot close", temp);
  if (::rename(temp.c_str(), path.c_str()) != 0) return Errno("cannot rename to", path);
  return Status::Ok();
}

Status MakeDirectories(const std::string& path, mode_t mode) {
  if (path.empty()) return Status::InvalidArgument("empty directory path");
  for (size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
    const std::string prefix = path.substr(0, slash);
    if (::mkdir(prefix.c_str(), mode) != 0 && errno != EEXIST) {
      return Errno("cannot create directory", prefix);
    }
    if (slash == std::string::npos) break;
  }
  struct stat info;
  if (::stat(path.c_str(), &info) != 0) return Errno("cannot stat", path);
  if (!S_ISDIR(info.st_mode)) return Status::FailedPrecondition(path + " is not a directory");
  return Status::Ok();
}

bool FileExists(const std::string& path) {
  struct stat info;
  return ::stat(path.c_str(), &info) == 0;
}

}  // namespace ulna::server
