// Durations as operators write them ("15m", "45m", "14d", "90s", "500ms") for config files and
// command lines. Parsed once at start into nanoseconds.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace ulna {

inline constexpr int64_t kNanosPerSecond = 1'000'000'000;
inline constexpr int64_t kNanosPerMinute = 60 * kNanosPerSecond;
inline constexpr int64_t kNanosPerHour = 60 * kNanosPerMinute;
inline constexpr int64_t kNanosPerDay = 24 * kNanosPerHour;

// The greatest multiple of `step` (> 0) not after `t`, also for times before the epoch: the start
// of the bucket, day, ... that holds `t`.
inline constexpr int64_t AlignDown(int64_t t, int64_t step) {
  return t - ((t % step) + step) % step;
}

// "<integer><unit>" with unit ns|us|ms|s|m|h|d; InvalidArgument otherwise.
Result<int64_t> ParseDuration(std::string_view text);
// The shortest exact form, e.g. 900e9 -> "15m".
std::string FormatDuration(int64_t nanos);

// Nanoseconds since the Unix epoch, from the system clock.
int64_t WallClockNanos();

}  // namespace ulna
