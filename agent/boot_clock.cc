#include "agent/boot_clock.h"

#include <time.h>
#include <unistd.h>

namespace ulna::agent {
namespace {

int64_t ReadNs(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace

BootClock BootClock::Now() {
  // Bracket the boottime read with two realtime reads to halve the error of the offset.
  int64_t real_before = ReadNs(CLOCK_REALTIME);
  int64_t boot = ReadNs(CLOCK_BOOTTIME);
  int64_t real_after = ReadNs(CLOCK_REALTIME);
  int64_t real = real_before + (real_after - real_before) / 2;
  return BootClock(real - boot, sysconf(_SC_CLK_TCK));
}

int64_t MonotonicNs() { return ReadNs(CLOCK_MONOTONIC); }

}  // namespace ulna::agent
