// NetmonLoader owns the loaded netmon BPF object (bpf/netmon.bpf.c): sets its policy (rodata)
// and map sizes, loads and attaches the programs a HookPlan allows, and hands ring-buffer
// records to a callback. Every BPF object, link, ring buffer and cgroup fd is released in the
// destructor, which detaches everything. Poll/Consume from one thread; ReadCounters from any.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "agent/capability_probe.h"
#include "common/status.h"
#include "netmon.h"

namespace ulna::agent {

struct NetmonOptions {
  uint64_t dedup_window_ns = 60'000'000'000;  // 0 disables in-kernel dedup
  bool include_loopback = false;
  uint32_t ringbuf_bytes = 4u << 20;  // power of two, page multiple
  uint32_t dedup_entries = 65536;
  // Wake the reader when this many bytes wait (0: on every record). The reader also polls on a
  // timer, so records are never stranded.
  uint64_t wakeup_bytes = 256u << 10;
};

using KernelCounters = std::array<uint64_t, NETMON_CNT__COUNT>;

class NetmonLoader {
 public:
  // Called for each record, in ring-buffer order; `data` is valid only during the call.
  using RecordHandler = std::function<void(const void* data, size_t size)>;

  static Result<std::unique_ptr<NetmonLoader>> Open(const HookPlan& plan,
                                                    const NetmonOptions& options,
                                                    RecordHandler handler);
  ~NetmonLoader();
  NetmonLoader(const NetmonLoader&) = delete;
  NetmonLoader& operator=(const NetmonLoader&) = delete;

  // Waits up to `timeout_ms` for a wakeup, then drains what is there. Returns records handled;
  // an interrupted wait (a signal) returns 0.
  Result<int> Poll(int timeout_ms);
  // Drains without waiting.
  Result<int> Consume();
  // Counters summed over CPUs; NETMON_CNT_RB_FILL_BYTES is the maximum over CPUs.
  Result<KernelCounters> ReadCounters() const;
  uint32_t ringbuf_bytes() const { return ringbuf_bytes_; }
  // One line per attached hook, for the start-up log.
  const std::vector<std::string>& attached() const { return attached_; }

 private:
  struct Rep;
  explicit NetmonLoader(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
  uint32_t ringbuf_bytes_ = 0;
  std::vector<std::string> attached_;
};

}  // namespace ulna::agent
