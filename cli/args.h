// Command-line parsing for ulnactl: positional words and --flags (with or without a value), plus
// the time arguments operators type ("-24h", "2024-05-01T12:00:00Z"). Usage errors come back as
// InvalidArgument with the message to print. Plain values; not thread-safe to mutate.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"

namespace ulna::cli {

struct FlagSpec {
  std::set<std::string> with_value;  // "--name VALUE" or "--name=VALUE"
  std::set<std::string> switches;    // "--name"
};

class Args {
 public:
  // Parses `words`. With stop_at_positional, parsing ends at the first positional word and
  // rest() holds it and everything after (used for global flags before the command).
  static Result<Args> Parse(const std::vector<std::string>& words, const FlagSpec& spec,
                            bool stop_at_positional = false);

  const std::vector<std::string>& positional() const { return positional_; }
  const std::vector<std::string>& rest() const { return rest_; }
  std::optional<std::string> Get(const std::string& flag) const;
  bool Has(const std::string& flag) const { return switches_.count(flag) != 0; }

 private:
  std::vector<std::string> positional_;
  std::vector<std::string> rest_;
  std::map<std::string, std::string> values_;
  std::set<std::string> switches_;
};

// Which way a bare duration ("24h") points from now: back for --since, ahead for --expires.
enum class BareDuration { kAgo, kFromNow };

// A point in time as Unix epoch ns: an ISO-8601 UTC time ("2024-05-01T12:00:00Z", fractional
// seconds allowed, or a date "2024-05-01"), "now", or a duration from now with an optional sign
// ("-24h" ago, "+2d" ahead).
Result<int64_t> ParseTimeArg(const std::string& text, int64_t now_ns, BareDuration bare);

// "2024-05-01T12:00:00Z" (whole seconds, UTC).
std::string FormatTime(int64_t ns);

Result<double> ParseNumberArg(const std::string& flag, const std::string& text);

}  // namespace ulna::cli
