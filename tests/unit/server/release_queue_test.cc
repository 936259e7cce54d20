// ReleaseQueue: a shared block waits in the queue once its last holder lets go, and is freed
// by FreeReleased on the calling thread, not before.
#include "server/replay/release_queue.h"

#include <gtest/gtest.h>

#include <thread>

namespace ulna::server {
namespace {

std::vector<NetworkEvent> BlockOf(size_t size) { return std::vector<NetworkEvent>(size); }

TEST(ReleaseQueueTest, ABlockWaitsForItsLastHolderThenForFreeReleased) {
  ReleaseQueue queue;
  auto shared = queue.Share(BlockOf(3));
  std::weak_ptr<const std::vector<NetworkEvent>> watch = shared;
  auto second_holder = shared;
  shared.reset();
  EXPECT_EQ(queue.waiting(), 0u);  // still held
  second_holder.reset();
  EXPECT_TRUE(watch.expired());
  EXPECT_EQ(queue.waiting(), 1u);  // released, not yet freed
  queue.FreeReleased();
  EXPECT_EQ(queue.waiting(), 0u);
}

TEST(ReleaseQueueTest, BlocksReleasedOnOneThreadAreFreedOnAnother) {
  ReleaseQueue queue;
  std::thread holder([&queue] {
    for (int i = 0; i < 100; ++i) queue.Share(BlockOf(2));  // each released at once
  });
  holder.join();
  EXPECT_EQ(queue.waiting(), 100u);
  std::thread freer([&queue] { queue.FreeReleased(); });
  freer.join();
  EXPECT_EQ(queue.waiting(), 0u);
}

}  // namespace
}  // namespace ulna::server
