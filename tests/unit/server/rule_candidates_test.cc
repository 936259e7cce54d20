// RuleCandidates: the in-memory copy of the records a rule run may alert on must match what a
// scan of the records family would return (threshold, overwrites, key order, bucket bounds).
#include "server/job/rule_candidates.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <vector>

#include "common/byte_codec.h"
#include "common/duration.h"
#include "server/store/alert_store.h"

namespace ulna::server {
namespace {

constexpr int64_t kBucket = 15 * kNanosPerMinute;
constexpr int64_t kT0 = 1790812800LL * kNanosPerSecond;  // 2026-10-01T00:00:00Z

std::string Key(int64_t bucket_start_ns, const std::string& host) {
  std::string key;
  AppendBigEndian64(&key, static_cast<uint64_t>(bucket_start_ns));
  return key + host;
}

std::string Encoded(const std::string& host, double score) {
  Alert holder;
  holder.record.host.id = host;
  holder.record.score = score;
  return EncodeAlert(holder);
}

// The host ids of the records visited in [start, end).
std::vector<std::string> Visited(const RuleCandidates& candidates, int64_t start, int64_t end) {
  std::vector<std::string> hosts;
  candidates.Visit(start, end, [&](std::string_view, std::string_view encoded) {
    hosts.push_back(DecodeAlert(encoded)->record.host.id);
    return true;
  });
  return hosts;
}

TEST(RuleCandidatesTest, KeepsRecordsAtTheThresholdInKeyOrderWithinTheWindow) {
  RuleCandidates candidates(50);
  candidates.Put(Key(kT0 + kBucket, "b"), Encoded("b", 50), 50);
  candidates.Put(Key(kT0 + kBucket, "a"), Encoded("a", 90), 90);
  candidates.Put(Key(kT0, "c"), Encoded("c", 49.9), 49.9);  // below: not a candidate
  candidates.Put(Key(kT0, "d"), Encoded("d", 70), 70);
  candidates.Put(Key(kT0 + 2 * kBucket, "e"), Encoded("e", 70), 70);
  EXPECT_EQ(candidates.size(), 4u);
  EXPECT_EQ(Visited(candidates, kT0, kT0 + 3 * kBucket),
            (std::vector<std::string>{"d", "a", "b", "e"}));
  EXPECT_EQ(Visited(candidates, kT0 + kBucket, kT0 + 2 * kBucket),
            (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(Visited(candidates, kT0 + 2 * kBucket, kT0 + kBucket).empty());
  candidates.DropBefore(kT0 + kBucket);
  EXPECT_EQ(Visited(candidates, 0, kT0 + 3 * kBucket), (std::vector<std::string>{"a", "b", "e"}));
}

TEST(RuleCandidatesTest, ARewriteBelowTheThresholdReplacesTheKeptRecord) {
  RuleCandidates candidates(50);
  candidates.Put(Key(kT0, "a"), Encoded("a", 80), 80);
  candidates.Put(Key(kT0, "a"), Encoded("a", 10), 10);  // the store now holds the low score
  EXPECT_EQ(candidates.size(), 0u);
  candidates.Put(Key(kT0, "a"), Encoded("a", 60), 60);
  candidates.Put(Key(kT0, "a"), Encoded("a", 95), 95);
  std::vector<double> scores;
  candidates.Visit(0, kT0 + kBucket, [&](std::string_view, std::string_view encoded) {
    scores.push_back(DecodeAlert(encoded)->record.score);
    return true;
  });
  EXPECT_EQ(scores, (std::vector<double>{95}));
}

TEST(RuleCandidatesTest, RecordsMarkedAlertedAreNotVisitedAgainEvenWhenRewritten) {
  RuleCandidates candidates(50);
  candidates.Put(Key(kT0, "a"), Encoded("a", 80), 80);
  candidates.Put(Key(kT0, "b"), Encoded("b", 90), 90);
  std::vector<std::string> keys;
  candidates.Visit(0, kT0 + kBucket, [&](std::string_view key, std::string_view) {
    keys.emplace_back(key);
    return true;
  });
  EXPECT_EQ(keys, (std::vector<std::string>{Key(kT0, "a"), Key(kT0, "b")}));
  candidates.MarkAlerted(Key(kT0, "a"));
  candidates.MarkAlerted(Key(kT0, "absent"));  // no record: nothing to mark
  EXPECT_EQ(Visited(candidates, 0, kT0 + kBucket), (std::vector<std::string>{"b"}));
  // A rewrite of the same key is the same alert: still alerted.
  candidates.Put(Key(kT0, "a"), Encoded("a", 85), 85);
  EXPECT_EQ(Visited(candidates, 0, kT0 + kBucket), (std::vector<std::string>{"b"}));
  EXPECT_EQ(candidates.size(), 2u);
}

TEST(RuleCandidatesTest, LoadsTheStoredRecordsFromAGivenBucket) {
  char pattern[] = "/tmp/ulna-candidates-XXXXXX";
  ASSERT_NE(::mkdtemp(pattern), nullptr);
  const std::string dir = pattern;
  {
    auto store = Store::Open(StoreOptions{dir, true});
    ASSERT_TRUE(store.ok());
    WriteGroup group;
    group.Put(Family::kRecords, Key(kT0, "old"), Encoded("old", 99));
    group.Put(Family::kRecords, Key(kT0 + kBucket, "low"), Encoded("low", 20));
    group.Put(Family::kRecords, Key(kT0 + kBucket, "high"), Encoded("high", 75));
    ASSERT_TRUE((*store)->Write(std::move(group), true).ok());
    RuleCandidates candidates(50);
    ASSERT_TRUE(candidates.Load(**store, kT0 + kBucket).ok());
    EXPECT_EQ(Visited(candidates, 0, kT0 + 10 * kBucket), (std::vector<std::string>{"high"}));

    WriteGroup corrupt;
    corrupt.Put(Family::kRecords, Key(kT0 + 2 * kBucket, "bad"), "not a record");
    ASSERT_TRUE((*store)->Write(std::move(corrupt), true).ok());
    EXPECT_FALSE(candidates.Load(**store, kT0).ok());
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ulna::server
