// The `eval` command shared by the ulna-eval binary and `ulnactl eval`:
//   eval --labels LABELS.json --alerts ALERTS.ndjson [--json]
// Prints the report on stdout, errors on stderr. Returns the process exit code (0 ok, 2 usage,
// 1 unreadable or malformed input).
#pragma once

#include <string>
#include <vector>

namespace ulna::eval {

// `args` excludes the program / command name.
int RunEvalCommand(const std::vector<std::string>& args);

}  // namespace ulna::eval
