#include "agent/capture_counters.h"

namespace ulna::agent {
namespace {

// Counters only grow; a smaller value (the BPF object was reloaded) restarts from zero.
uint64_t Since(uint64_t now, uint64_t before) { return now >= before ? now - before : now; }

}  // namespace

v1::CaptureCounters LossCounters::Delta(const KernelCounters& kernel, uint64_t enrich_failures) {
  v1::CaptureCounters out;
  // Lost process records degrade enrichment, lost network records lose events: both are ring
  // buffer drops as far as the server's loss accounting goes.
  out.set_ring_buffer_drops(
      Since(kernel[NETMON_CNT_NET_RB_DROPS], last_kernel_[NETMON_CNT_NET_RB_DROPS]) +
      Since(kernel[NETMON_CNT_PROC_RB_DROPS], last_kernel_[NETMON_CNT_PROC_RB_DROPS]));
  out.set_map_full(
      Since(kernel[NETMON_CNT_DEDUP_MAP_FULL], last_kernel_[NETMON_CNT_DEDUP_MAP_FULL]));
  out.set_suppressed_repeats(
      Since(kernel[NETMON_CNT_SUPPRESSED], last_kernel_[NETMON_CNT_SUPPRESSED]));
  out.set_enrich_failures(Since(enrich_failures, last_enrich_failures_));
  last_kernel_ = kernel;
  last_enrich_failures_ = enrich_failures;
  return out;
}

}  // namespace ulna::agent
