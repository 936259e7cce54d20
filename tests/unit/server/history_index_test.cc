#include "server/job/history_index.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>

#include "common/duration.h"

namespace ulna::server {
namespace {

constexpr int64_t kBucket = 15 * kNanosPerMinute;
constexpr int64_t kDay0 = 1790812800LL * kNanosPerSecond;  // 2026-10-01T00:00:00Z

TEST(HistoryIndexTest, CountsBucketsOncePerBucketAndHostsOncePerHost) {
  HistoryIndex index;
  index.Record(kDay0, "h1", "curl");
  index.Record(kDay0, "h1", "curl");  // same bucket again: no change
  index.Record(kDay0 + kBucket, "h1", "curl");
  index.Record(kDay0 + kBucket, "h2", "curl");
  const ProcessHistory h1 = index.Host("h1", "curl");
  EXPECT_EQ(h1.first_seen_ns, kDay0);
  EXPECT_EQ(h1.last_seen_ns, kDay0 + kBucket);
  EXPECT_EQ(h1.buckets_seen, 2u);
  const ProcessHistory fleet = index.Fleet("curl");
  EXPECT_EQ(fleet.buckets_seen, 2u);  // two distinct buckets fleet-wide
  EXPECT_EQ(fleet.hosts_seen, 2u);
  EXPECT_EQ(index.Host("h2", "curl").buckets_seen, 1u);
  EXPECT_EQ(index.Host("h3", "curl").first_seen_ns, 0);
  EXPECT_EQ(index.HostFirstSeen("h2"), kDay0 + kBucket);
}

TEST(HistoryIndexTest, KeepsTheEightMostRecentDays) {
  HistoryIndex index;
  for (int day = 0; day < 10; ++day)
    index.Record(kDay0 + day * kNanosPerDay + kBucket, "h", "fwupdmgr");
  const ProcessHistory history = index.Host("h", "fwupdmgr");
  ASSERT_EQ(history.recent_days.size(), 8u);
  EXPECT_EQ(history.recent_days.front(), kDay0 + 2 * kNanosPerDay);
  EXPECT_EQ(history.recent_days.back(), kDay0 + 9 * kNanosPerDay);
}

TEST(HistoryIndexTest, ListsEachDayOnceHoweverManyBucketsItHas) {
  HistoryIndex index;
  for (int day = 0; day < 3; ++day) {
    for (int bucket = 0; bucket < 4; ++bucket) {
      index.Record(kDay0 + day * kNanosPerDay + bucket * kBucket, "h", "curl");
    }
  }
  index.Record(kDay0 + 5 * kNanosPerDay, "h", "curl");  // a day's first bucket after a gap
  const ProcessHistory history = index.Host("h", "curl");
  EXPECT_EQ(history.buckets_seen, 13u);
  EXPECT_EQ(history.recent_days,
            (std::vector<int64_t>{kDay0, kDay0 + kNanosPerDay, kDay0 + 2 * kNanosPerDay,
                                  kDay0 + 5 * kNanosPerDay}));
  EXPECT_EQ(index.Fleet("curl").recent_days, history.recent_days);
}

TEST(HistoryIndexTest, EncodingRoundTripsAndRejectsCorruption) {
  ProcessHistory history{kDay0, kDay0 + kBucket, 7, 3, {kDay0}};
  const std::string bytes = HistoryIndex::Encode(history);
  auto decoded = HistoryIndex::Decode(bytes);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->first_seen_ns, history.first_seen_ns);
  EXPECT_EQ(decoded->buckets_seen, 7u);
  EXPECT_EQ(decoded->recent_days, history.recent_days);
  EXPECT_FALSE(HistoryIndex::Decode(bytes.substr(0, bytes.size() - 1)).ok());
  EXPECT_FALSE(HistoryIndex::Decode("").ok());
}

// A store in a folder of its own, removed after the test.
class HistoryIndexStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/ulna-history-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<Store> OpenStore() {
    auto store = Store::Open(StoreOptions{dir_, true});
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  std::string dir_;
};

TEST_F(HistoryIndexStoreTest, PersistsAndLoadsOnlyWhatChanged) {
  {
    auto store = OpenStore();
    ASSERT_NE(store, nullptr);
    HistoryIndex index;
    index.Record(kDay0, "h1", "ssh");
    WriteGroup first;
    index.Persist(&first);
    EXPECT_EQ(first.size(), 3u);  // host marker, host entry, fleet entry
    ASSERT_TRUE(store->Write(std::move(first), true).ok());
    WriteGroup nothing;
    index.Persist(&nothing);
    EXPECT_TRUE(nothing.empty());
  }
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  HistoryIndex loaded;
  ASSERT_TRUE(loaded.Load(*store).ok());
  EXPECT_EQ(loaded.Host("h1", "ssh").first_seen_ns, kDay0);
  EXPECT_EQ(loaded.Fleet("ssh").hosts_seen, 1u);
  EXPECT_EQ(loaded.HostFirstSeen("h1"), kDay0);
}

TEST(HistoryIndexTest, ANameRecordedOnSeveralHostsIsPersistedAgainAfterEachPersist) {
  // Record() reuses the last name's fleet entry; it must still be written after a Persist.
  HistoryIndex index;
  index.Record(kDay0, "h1", "ssh");
  index.Record(kDay0, "h2", "ssh");
  WriteGroup first;
  index.Persist(&first);
  EXPECT_EQ(first.size(), 5u);  // two host markers, two host entries, one fleet entry
  index.Record(kDay0 + kBucket, "h2", "ssh");
  WriteGroup second;
  index.Persist(&second);
  EXPECT_EQ(second.size(), 2u);  // the host entry and, again, the fleet entry
  index.Record(kDay0 + 2 * kBucket, "h1", "curl");
  index.Record(kDay0 + 2 * kBucket, "h1", "ssh");
  const ProcessHistory fleet = index.Fleet("ssh");
  EXPECT_EQ(fleet.buckets_seen, 3u);
  EXPECT_EQ(fleet.hosts_seen, 2u);
  EXPECT_EQ(fleet.last_seen_ns, kDay0 + 2 * kBucket);
  EXPECT_EQ(index.Fleet("curl").hosts_seen, 1u);
}

TEST_F(HistoryIndexStoreTest, EntriesLoadedFromTheStoreAreUpdatedNotDuplicated) {
  // A loaded host entry is found by its row the first time Record meets it, then through the
  // fleet entry: the second host of a name and a later bucket must land on the same entries.
  {
    auto store = OpenStore();
    ASSERT_NE(store, nullptr);
    HistoryIndex index;
    index.Record(kDay0, "h1", "ssh");
    index.Record(kDay0, "h2", "ssh");
    WriteGroup group;
    index.Persist(&group);
    ASSERT_TRUE(store->Write(std::move(group), true).ok());
  }
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  HistoryIndex loaded;
  ASSERT_TRUE(loaded.Load(*store).ok());
  for (int bucket = 1; bucket <= 2; ++bucket) {
    loaded.Record(kDay0 + bucket * kBucket, "h2", "ssh");
    loaded.Record(kDay0 + bucket * kBucket, "h3", "ssh");
  }
  EXPECT_EQ(loaded.Host("h1", "ssh").buckets_seen, 1u);
  EXPECT_EQ(loaded.Host("h2", "ssh").buckets_seen, 3u);
  EXPECT_EQ(loaded.Host("h2", "ssh").first_seen_ns, kDay0);
  EXPECT_EQ(loaded.Host("h3", "ssh").buckets_seen, 2u);
  EXPECT_EQ(loaded.Fleet("ssh").hosts_seen, 3u);  // h3 is the only new host
  EXPECT_EQ(loaded.Fleet("ssh").buckets_seen, 3u);
  EXPECT_EQ(loaded.HostFirstSeen("h2"), kDay0);
  EXPECT_EQ(loaded.HostFirstSeen("h3"), kDay0 + kBucket);
  WriteGroup changed;
  loaded.Persist(&changed);
  EXPECT_EQ(changed.size(), 4u);  // h3's marker, the h2 and h3 entries, the fleet entry
}

}  // namespace
}  // namespace ulna::server
