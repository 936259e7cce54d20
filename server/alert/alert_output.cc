#include "server/alert/alert_output.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "server/alert/alert_ecs.h"

namespace ulna::server {

Result<std::unique_ptr<AlertOutput>> AlertOutput::Open(const std::string& path, AlertSync sync) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) {
    return Status::IoError("cannot open alert output " + path + ": " + std::strerror(errno));
  }
  return std::unique_ptr<AlertOutput>(new AlertOutput(fd, path, sync));
}

AlertOutput::~AlertOutput() { ::close(fd_); }

Status AlertOutput::Write(const std::vector<Alert>& alerts) {
  if (alerts.empty()) return Status::Ok();
  std::string lines;
  for (const Alert& alert : alerts) {
    lines += AlertToEcsJson(alert);
    lines.push_back('\n');
  }
  // On a failed write the file is cut back to where it was, so it never ends in half a line;
  // the caller keeps the alerts (the job's outbox) and writes them again later.
  const off_t start = ::lseek(fd_, 0, SEEK_END);
  size_t written = 0;
  while (written < lines.size()) {
    const ssize_t n = ::write(fd_, lines.data() + written, lines.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      if (start >= 0) (void)::ftruncate(fd_, start);
      const std::string message = "writing " + path_ + ": " + std::strerror(error);
      return error == ENOSPC ? Status::ResourceExhausted(message) : Status::IoError(message);
    }
    written += static_cast<size_t>(n);
  }
  return sync_ == AlertSync::kEveryWrite ? Sync() : Status::Ok();
}

Status AlertOutput::Sync() {
  if (::fsync(fd_) != 0) return Status::IoError("fsync " + path_ + ": " + std::strerror(errno));
  return Status::Ok();
}

}  // namespace ulna::server
