// AlertOutput: the NDJSON alert file — one ECS alert document per line, appended and fsynced per
// rule run, for SIEM shipping and for evaluation. Not thread-safe: owned by the job.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "server/alert/alert.h"

namespace ulna::server {

class AlertOutput {
 public:
  // Opens `path` for appending (created 0640 when missing). IoError when it cannot.
  static Result<std::unique_ptr<AlertOutput>> Open(const std::string& path);
  ~AlertOutput();
  AlertOutput(const AlertOutput&) = delete;
  AlertOutput& operator=(const AlertOutput&) = delete;

  // Appends one line per alert and fsyncs. A short write (disk full) is ResourceExhausted.
  Status Write(const std::vector<Alert>& alerts);

 private:
  AlertOutput(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
};

}  // namespace ulna::server
