// ReorderBuffer: results come out in dispatch order whatever order they were put in, the number
// in flight is bounded, and closing either drains (end of input) or abandons (an error).
#include "server/replay/reorder_buffer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

namespace ulna::server {
namespace {

TEST(ReorderBufferTest, HandsResultsOutInDispatchOrder) {
  ReorderBuffer<std::string> buffer(4);
  for (uint64_t expected = 0; expected < 3; ++expected) {
    EXPECT_EQ(buffer.Reserve(), expected);
  }
  buffer.Put(2, "two");
  buffer.Put(0, "zero");
  buffer.Put(1, "one");
  buffer.Close(/*abandon=*/false);
  EXPECT_EQ(buffer.Next(), "zero");
  EXPECT_EQ(buffer.Next(), "one");
  EXPECT_EQ(buffer.Next(), "two");
  EXPECT_EQ(buffer.Next(), std::nullopt);  // closed and drained
  EXPECT_EQ(buffer.Reserve(), std::nullopt);
}

TEST(ReorderBufferTest, NextWaitsForTheMissingResult) {
  ReorderBuffer<int> buffer(4);
  ASSERT_EQ(buffer.Reserve(), 0u);
  ASSERT_EQ(buffer.Reserve(), 1u);
  buffer.Put(1, 11);
  std::thread late([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    buffer.Put(0, 10);
  });
  EXPECT_EQ(buffer.Next(), 10);  // not 11, although 11 was there first
  EXPECT_EQ(buffer.Next(), 11);
  late.join();
}

TEST(ReorderBufferTest, ReserveBlocksWhileTheBufferIsFull) {
  ReorderBuffer<int> buffer(2);
  ASSERT_EQ(buffer.Reserve(), 0u);
  ASSERT_EQ(buffer.Reserve(), 1u);
  std::atomic<bool> reserved{false};
  std::thread producer([&] {
    EXPECT_EQ(buffer.Reserve(), 2u);
    reserved = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(reserved.load());  // two in flight: the third waits
  buffer.Put(0, 0);
  EXPECT_EQ(buffer.Next(), 0);  // frees a slot
  producer.join();
  EXPECT_TRUE(reserved.load());
}

TEST(ReorderBufferTest, AbandonWakesAWaitingConsumerAndProducer) {
  ReorderBuffer<int> buffer(1);
  ASSERT_EQ(buffer.Reserve(), 0u);
  std::thread producer([&] { EXPECT_EQ(buffer.Reserve(), std::nullopt); });
  std::thread consumer([&] { EXPECT_EQ(buffer.Next(), std::nullopt); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  buffer.Close(/*abandon=*/true);
  producer.join();
  consumer.join();
}

}  // namespace
}  // namespace ulna::server
