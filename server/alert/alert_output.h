// AlertOutput: the NDJSON alert file — one ECS alert document per line, appended (and fsynced)
// per rule run, for SIEM shipping and for evaluation. Not thread-safe: owned by the job.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "server/alert/alert.h"

namespace ulna::server {

// When appended lines are made durable.
enum class AlertSync {
  kEveryWrite,  // serving: an alert is on disk before the job's outbox forgets it
  kOnSync,      // replay: a crashed replay is re-run from scratch, so only Sync() (see replay.cc)
};

class AlertOutput {
 public:
  // Opens `path` for appending (created 0640 when missing). IoError when it cannot.
  static Result<std::unique_ptr<AlertOutput>> Open(const std::string& path,
                                                   AlertSync sync = AlertSync::kEveryWrite);
  ~AlertOutput();
  AlertOutput(const AlertOutput&) = delete;
  AlertOutput& operator=(const AlertOutput&) = delete;

  // Appends one line per alert (and fsyncs, kEveryWrite). A short write (disk full) is
  // ResourceExhausted.
  Status Write(const std::vector<Alert>& alerts);
  // Makes every line written so far durable.
  Status Sync();

 private:
  AlertOutput(int fd, std::string path, AlertSync sync)
      : fd_(fd), path_(std::move(path)), sync_(sync) {}
  int fd_;
  std::string path_;
  AlertSync sync_;
};

}  // namespace ulna::server
