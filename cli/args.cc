#include "cli/args.h"

#include <charconv>
#include <cstdio>
#include <ctime>

#include "common/duration.h"

namespace ulna::cli {

Result<Args> Args::Parse(const std::vector<std::string>& words, const FlagSpec& spec,
                         bool stop_at_positional) {
  Args args;
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    if (word.size() < 3 || word.compare(0, 2, "--") != 0) {
      if (stop_at_positional) {
        args.rest_.assign(words.begin() + static_cast<ptrdiff_t>(i), words.end());
        return args;
      }
      args.positional_.push_back(word);
      continue;
    }
    const size_t equals = word.find('=');
    const std::string name = word.substr(2, equals == std::string::npos ? equals : equals - 2);
    if (spec.switches.count(name) != 0) {
      if (equals != std::string::npos) {
        return Status::InvalidArgument("--" + name + " takes no value");
      }
      args.switches_.insert(name);
    } else if (spec.with_value.count(name) != 0) {
      if (equals != std::string::npos) {
        args.values_[name] = word.substr(equals + 1);
      } else if (i + 1 < words.size()) {
        args.values_[name] = words[++i];
      } else {
        return Status::InvalidArgument("--" + name + " needs a value");
      }
    } else {
      return Status::InvalidArgument("unknown option --" + name);
    }
  }
  return args;
}

std::optional<std::string> Args::Get(const std::string& flag) const {
  auto it = values_.find(flag);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

namespace {

// Parses "YYYY-MM-DD[THH:MM:SS[.fraction]][Z]" as UTC.
std::optional<int64_t> ParseIsoTime(const std::string& text) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%n", &year, &month, &day, &consumed) != 3) {
    return std::nullopt;
  }
  size_t pos = static_cast<size_t>(consumed);
  int64_t fraction_ns = 0;
  if (pos < text.size() && (text[pos] == 'T' || text[pos] == ' ')) {
    if (std::sscanf(text.c_str() + pos + 1, "%2d:%2d:%2d%n", &hour, &minute, &second, &consumed) !=
        3) {
      return std::nullopt;
    }
    pos += 1 + static_cast<size_t>(consumed);
    if (pos < text.size() && text[pos] == '.') {
      int64_t scale = 100'000'000;
      for (++pos; pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; ++pos) {
        fraction_ns += (text[pos] - '0') * scale;
        scale /= 10;
      }
    }
  }
  if (pos < text.size() && text[pos] == 'Z') ++pos;
  if (pos != text.size() || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 ||
      minute > 59 || second > 60) {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return static_cast<int64_t>(timegm(&tm)) * kNanosPerSecond + fraction_ns;
}

}  // namespace

Result<int64_t> ParseTimeArg(const std::string& text, int64_t now_ns, BareDuration bare) {
  if (text == "now") return now_ns;
  if (auto iso = ParseIsoTime(text)) return *iso;
  int sign = bare == BareDuration::kAgo ? -1 : 1;
  std::string duration = text;
  if (!duration.empty() && (duration[0] == '-' || duration[0] == '+')) {
    sign = duration[0] == '-' ? -1 : 1;
    duration.erase(0, 1);
  }
  auto nanos = ParseDuration(duration);
  if (!nanos.ok()) {
    return Status::InvalidArgument("'" + text +
                                   "' is neither a UTC time (2024-05-01T12:00:00Z) nor a "
                                   "duration from now (-24h, 30m, 7d)");
  }
  return now_ns + sign * nanos.value();
}

std::string FormatTime(int64_t ns) {
  const time_t seconds = static_cast<time_t>(ns / kNanosPerSecond);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

Result<double> ParseNumberArg(const std::string& flag, const std::string& text) {
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return Status::InvalidArgument("--" + flag + " needs a number, not '" + text + "'");
  }
  return value;
}

}  // namespace ulna::cli
