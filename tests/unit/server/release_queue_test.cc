// ReleaseQueue: a shared block waits in the queue once its last holder lets go, and is freed
// (its events, then the arena of their strings) by FreeReleased on the calling thread, not
// before.
#include "server/replay/release_queue.h"

#include <gtest/gtest.h>

#include <memory_resource>
#include <thread>

namespace ulna::server {
namespace {

std::vector<NetworkEvent> BlockOf(size_t size) { return std::vector<NetworkEvent>(size); }

std::unique_ptr<std::pmr::monotonic_buffer_resource> NoArena() { return nullptr; }

// An upstream for an arena that counts the bytes it has handed out and not taken back.
class CountingResource : public std::pmr::memory_resource {
 public:
  size_t outstanding() const { return outstanding_; }

 private:
  void* do_allocate(size_t bytes, size_t alignment) override {
    outstanding_ += bytes;
    return std::pmr::new_delete_resource()->allocate(bytes, alignment);
  }
  void do_deallocate(void* p, size_t bytes, size_t alignment) override {
    outstanding_ -= bytes;
    std::pmr::new_delete_resource()->deallocate(p, bytes, alignment);
  }
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override {
    return this == &other;
  }
  size_t outstanding_ = 0;
};

TEST(ReleaseQueueTest, ABlockWaitsForItsLastHolderThenForFreeReleased) {
  ReleaseQueue queue;
  auto shared = queue.Share(NoArena(), BlockOf(3));
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
    for (int i = 0; i < 100; ++i) queue.Share(NoArena(), BlockOf(2));  // each released at once
  });
  holder.join();
  EXPECT_EQ(queue.waiting(), 100u);
  std::thread freer([&queue] { queue.FreeReleased(); });
  freer.join();
  EXPECT_EQ(queue.waiting(), 0u);
}

TEST(ReleaseQueueTest, TheArenaOfABlocksStringsLivesUntilTheBlockIsFreed) {
  CountingResource upstream;
  ReleaseQueue queue;
  {
    auto arena = std::make_unique<std::pmr::monotonic_buffer_resource>(64, &upstream);
    std::vector<NetworkEvent> events;
    events.emplace_back(arena.get());
    // Longer than any short-string buffer: it lives in the arena.
    events.back().process.executable = "/usr/lib/postgresql/15/bin/postgres";
    events.back().process.args.emplace_back("--config-file=/etc/postgresql/15/main.conf");
    auto shared = queue.Share(std::move(arena), std::move(events));
    const size_t held = upstream.outstanding();
    EXPECT_GT(held, 0u);
    auto holder = shared;  // e.g. the job, still scoring the block's bucket
    shared.reset();
    EXPECT_EQ((*holder)[0].process.executable, "/usr/lib/postgresql/15/bin/postgres");
    EXPECT_EQ((*holder)[0].process.args[0], "--config-file=/etc/postgresql/15/main.conf");
  }
  EXPECT_GT(upstream.outstanding(), 0u);  // released, waiting for FreeReleased
  EXPECT_EQ(queue.waiting(), 1u);
  queue.FreeReleased();
  EXPECT_EQ(upstream.outstanding(), 0u);
}

}  // namespace
}  // namespace ulna::server
