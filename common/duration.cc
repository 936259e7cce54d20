#include "common/duration.h"

#include <charconv>
#include <chrono>

namespace ulna {
namespace {

struct Unit {
  std::string_view suffix;
  int64_t nanos;
};
// Longest suffixes first so that "ms" is not read as "m" followed by garbage.
constexpr Unit kUnits[] = {{"ns", 1},
                           {"us", 1000},
                           {"ms", 1'000'000},
                           {"s", kNanosPerSecond},
                           {"m", kNanosPerMinute},
                           {"h", kNanosPerHour},
                           {"d", kNanosPerDay}};

}  // namespace

Result<int64_t> ParseDuration(std::string_view text) {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  const std::string_view suffix = text.substr(digits);
  int64_t count = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + digits, count);
  if (digits == 0 || ec != std::errc()) {
    return Status::InvalidArgument("duration '" + std::string(text) +
                                   "' must start with a whole number (e.g. 15m)");
  }
  for (const Unit& unit : kUnits) {
    if (suffix == unit.suffix) {
      if (count > INT64_MAX / unit.nanos) {
        return Status::InvalidArgument("duration '" + std::string(text) + "' is too large");
      }
      return count * unit.nanos;
    }
  }
  return Status::InvalidArgument("duration '" + std::string(text) +
                                 "' needs a unit: ns, us, ms, s, m, h or d");
}

std::string FormatDuration(int64_t nanos) {
  if (nanos == 0) return "0s";
  for (int i = static_cast<int>(std::size(kUnits)) - 1; i >= 0; --i) {
    if (nanos % kUnits[i].nanos == 0) {
      return std::to_string(nanos / kUnits[i].nanos) + std::string(kUnits[i].suffix);
    }
  }
  return std::to_string(nanos) + "ns";
}

int64_t WallClockNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace ulna
