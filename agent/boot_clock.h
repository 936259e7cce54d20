// BootClock converts the kernel's boot-relative times (bpf_ktime_get_boot_ns, task start times,
// /proc starttime ticks) to Unix epoch nanoseconds. Captures the offset once; immutable after,
// so it is safe to share between threads.
#pragma once

#include <cstdint>

namespace ulna::agent {

class BootClock {
 public:
  // Measures realtime - boottime now.
  static BootClock Now();
  // For tests: a clock whose boot happened at `boot_epoch_ns`, with `ticks_per_second` ticks.
  BootClock(int64_t boot_epoch_ns, int64_t ticks_per_second)
      : boot_epoch_ns_(boot_epoch_ns), ns_per_tick_(1'000'000'000 / ticks_per_second) {}

  int64_t EpochFromBootNs(uint64_t boot_ns) const {
    return boot_epoch_ns_ + static_cast<int64_t>(boot_ns);
  }
  // Process start times are kept at tick resolution, the resolution /proc/<pid>/stat shows, so
  // that a process seen first in /proc and later in a kernel record has one identity.
  uint64_t TicksFromBootNs(uint64_t boot_ns) const {
    return boot_ns / static_cast<uint64_t>(ns_per_tick_);
  }
  int64_t EpochFromTicks(uint64_t ticks) const {
    return boot_epoch_ns_ + static_cast<int64_t>(ticks) * ns_per_tick_;
  }

 private:
  int64_t boot_epoch_ns_;
  int64_t ns_per_tick_;
};

// CLOCK_MONOTONIC in nanoseconds: the agent's clock for ages, deadlines and intervals.
int64_t MonotonicNs();

}  // namespace ulna::agent
