// The contract between ulnactl's main and its command groups: each group parses its own words,
// talks to the server, prints, and returns the process exit code (0 ok, 1 server or network
// error, 2 usage error). Stateless.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "cli/connection.h"
#include "common/status.h"

namespace ulna::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

inline int UsageError(const std::string& message) {
  std::fprintf(stderr, "ulnactl: %s (see ulnactl --help)\n", message.c_str());
  return kExitUsage;
}

inline int Failure(const std::string& message) {
  std::fprintf(stderr, "ulnactl: %s\n", message.c_str());
  return kExitFailure;
}

// A missing connection setting is a usage error; an unreadable CA or token file is a failure.
inline int ConnectionError(const Status& status) {
  return status.code() == Status::Code::kInvalidArgument ? UsageError(status.message())
                                                         : Failure(status.message());
}

// Runs `ulnactl alerts ...`; words start after "alerts".
int RunAlertsCommand(const ConnectionOptions& connection, const std::vector<std::string>& words);
// Runs `ulnactl exceptions ...`; words start after "exceptions".
int RunExceptionsCommand(const ConnectionOptions& connection,
                         const std::vector<std::string>& words);

}  // namespace ulna::cli
