// Batcher closes a batch when full or when its oldest event is max_delay old; LossCounters
// reports per-batch deltas of cumulative counters.
#include "agent/batcher.h"

#include <gtest/gtest.h>

#include "agent/capture_counters.h"

namespace ulna::agent {
namespace {

NetworkEvent Event(uint16_t port) {
  NetworkEvent e;
  e.destination_port = port;
  return e;
}

TEST(BatcherTest, ClosesWhenFull) {
  Batcher b({.max_events = 3, .max_delay_ns = 1'000'000'000});
  EXPECT_FALSE(b.Due(0));  // empty is never due
  b.Add(Event(1), 10);
  b.Add(Event(2), 20);
  EXPECT_FALSE(b.Due(30));
  b.Add(Event(3), 30);
  EXPECT_TRUE(b.Due(30));
  std::vector<NetworkEvent> batch = b.Take();
  ASSERT_EQ(batch.size(), 3u);
  EXPECT_EQ(batch[0].destination_port, 1);
  EXPECT_EQ(batch[2].destination_port, 3);
  EXPECT_EQ(b.size(), 0u);
  EXPECT_FALSE(b.Due(1'000'000'000'000));
}

TEST(BatcherTest, ClosesWhenTheOldestEventWaitedMaxDelay) {
  Batcher b({.max_events = 100, .max_delay_ns = 500});
  b.Add(Event(1), 1000);
  b.Add(Event(2), 1400);
  EXPECT_EQ(b.Deadline(), 1500);  // from the first event, not the latest
  EXPECT_FALSE(b.Due(1499));
  EXPECT_TRUE(b.Due(1500));
  EXPECT_EQ(b.Take().size(), 2u);
  EXPECT_EQ(b.Deadline(), 0);
  b.Add(Event(3), 5000);  // the clock restarts with the next batch's first event
  EXPECT_FALSE(b.Due(5499));
  EXPECT_TRUE(b.Due(5500));
}

TEST(LossCountersTest, ReportsDeltasSinceThePreviousBatch) {
  LossCounters losses;
  KernelCounters k{};
  k[NETMON_CNT_NET_RB_DROPS] = 5;
  k[NETMON_CNT_PROC_RB_DROPS] = 1;
  k[NETMON_CNT_DEDUP_MAP_FULL] = 2;
  k[NETMON_CNT_SUPPRESSED] = 10;
  k[NETMON_CNT_NET_EVENTS] = 99;  // not a loss: not reported
  v1::CaptureCounters first = losses.Delta(k, 4);
  EXPECT_EQ(first.ring_buffer_drops(), 6u);
  EXPECT_EQ(first.map_full(), 2u);
  EXPECT_EQ(first.suppressed_repeats(), 10u);
  EXPECT_EQ(first.enrich_failures(), 4u);
  EXPECT_EQ(first.spool_drops(), 0u);
  k[NETMON_CNT_NET_RB_DROPS] = 8;
  k[NETMON_CNT_SUPPRESSED] = 17;
  v1::CaptureCounters second = losses.Delta(k, 4);
  EXPECT_EQ(second.ring_buffer_drops(), 3u);
  EXPECT_EQ(second.map_full(), 0u);
  EXPECT_EQ(second.suppressed_repeats(), 7u);
  EXPECT_EQ(second.enrich_failures(), 0u);
}

}  // namespace
}  // namespace ulna::agent
