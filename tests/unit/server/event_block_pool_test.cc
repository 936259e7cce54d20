// EventBlockPool: a shared block comes back to the pool, events and all, only when its last
// holder lets go; the pool keeps at most its bound of idle blocks.
#include "server/replay/event_block_pool.h"

#include <gtest/gtest.h>

#include <string>

namespace ulna::server {
namespace {

std::vector<NetworkEvent> BlockOf(size_t size, const std::string& name) {
  std::vector<NetworkEvent> block(size);
  for (NetworkEvent& event : block) event.process.name = name;
  return block;
}

TEST(EventBlockPoolTest, AnEmptyPoolGivesAnEmptyBlock) {
  EventBlockPool pool(4);
  EXPECT_TRUE(pool.Take().empty());
}

TEST(EventBlockPoolTest, ABlockComesBackWithItsEventsWhenItsLastHolderLetsGo) {
  EventBlockPool pool(4);
  auto shared = pool.Share(BlockOf(3, "a-process-name-longer-than-the-small-string-buffer"));
  const char* name_buffer = (*shared)[0].process.name.data();
  auto second_holder = shared;
  shared.reset();
  EXPECT_EQ(pool.idle_blocks(), 0u);  // still held
  second_holder.reset();
  ASSERT_EQ(pool.idle_blocks(), 1u);

  std::vector<NetworkEvent> recycled = pool.Take();
  ASSERT_EQ(recycled.size(), 3u);
  // The same event, its string's allocation included: a parse overwrites it in place.
  EXPECT_EQ(recycled[0].process.name.data(), name_buffer);
  EXPECT_EQ(pool.idle_blocks(), 0u);
}

TEST(EventBlockPoolTest, KeepsAtMostItsBoundOfIdleBlocks) {
  EventBlockPool pool(2);
  for (int i = 0; i < 5; ++i) pool.Share(BlockOf(1, "x"));  // each released at once
  EXPECT_EQ(pool.idle_blocks(), 2u);
}

}  // namespace
}  // namespace ulna::server
