#include "common/flat_id_table.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/hash_index.h"

namespace ulna {
namespace {

// A dictionary as the batch encoder keeps one: strings by id, the table over them.
struct Dictionary {
  FlatIdTable table;
  std::vector<std::string> strings;

  // `hash` lets a test force collisions; by default the real hash.
  uint32_t Intern(const std::string& s, bool* inserted,
                  uint64_t (*hash)(std::string_view) = &HashBytes) {
    const uint32_t id = table.FindOrInsert(
        hash(s), static_cast<uint32_t>(strings.size()),
        [&](uint32_t candidate) { return strings[candidate] == s; }, inserted);
    if (*inserted) strings.push_back(s);
    return id;
  }
  void Reset(size_t expected) {
    table.Reset(expected);
    strings.clear();
  }
};

TEST(FlatIdTableTest, FindsWhatItInsertedAcrossGrowth) {
  Dictionary dict;
  bool inserted = false;
  for (int i = 0; i < 5000; ++i) {
    EXPECT_EQ(dict.Intern("s" + std::to_string(i), &inserted), static_cast<uint32_t>(i));
    EXPECT_TRUE(inserted);
  }
  EXPECT_EQ(dict.table.size(), 5000u);
  EXPECT_GE(dict.table.slot_count(), 10000u);
  for (int i = 4999; i >= 0; --i) {
    EXPECT_EQ(dict.Intern("s" + std::to_string(i), &inserted), static_cast<uint32_t>(i));
    EXPECT_FALSE(inserted);
  }
}

TEST(FlatIdTableTest, EqualHashesAreToldApartByTheKey) {
  Dictionary dict;
  auto same_hash = [](std::string_view) -> uint64_t { return 42; };
  bool inserted = false;
  // Enough keys on one hash that they also collide across a growth.
  for (uint32_t i = 0; i < 100; ++i) {
    EXPECT_EQ(dict.Intern(std::to_string(i), &inserted, same_hash), i);
    EXPECT_TRUE(inserted);
  }
  for (uint32_t i = 0; i < 100; ++i) {
    EXPECT_EQ(dict.Intern(std::to_string(i), &inserted, same_hash), i);
    EXPECT_FALSE(inserted);
  }
}

TEST(FlatIdTableTest, KeysThatDifferOnlyInTheLowHalfOfTheHashStayApart) {
  // The table places and filters entries by the hash's high half: keys equal there must still
  // be told apart by the key.
  Dictionary dict;
  auto high_only = [](std::string_view s) -> uint64_t { return s.size() == 1 ? 7 : 8; };
  bool inserted = false;
  EXPECT_EQ(dict.Intern("a", &inserted, high_only), 0u);
  EXPECT_EQ(dict.Intern("bb", &inserted, high_only), 1u);
  EXPECT_TRUE(inserted);
  EXPECT_EQ(dict.Intern("a", &inserted, high_only), 0u);
  EXPECT_FALSE(inserted);
  EXPECT_EQ(dict.Intern("bb", &inserted, high_only), 1u);
  EXPECT_FALSE(inserted);
}

TEST(FlatIdTableTest, KeysAreComparedOnlyWhenTheirHashesMatchInTheHighHalf) {
  // The slot's copy of the hash spares most key compares (each one reads another string).
  FlatIdTable table;
  int compares = 0;
  auto count = [&](uint32_t) {
    ++compares;
    return false;
  };
  bool inserted = false;
  for (uint32_t i = 0; i < 1000; ++i) {
    table.FindOrInsert(uint64_t{i} << 32, i, count, &inserted);  // distinct high halves
  }
  EXPECT_EQ(compares, 0);
  table.FindOrInsert(uint64_t{7} << 32 | 1, 1000, count, &inserted);  // high half of entry 7
  EXPECT_EQ(compares, 1);
}

TEST(FlatIdTableTest, ResetForgetsEverythingAndSizesToTheBatch) {
  Dictionary dict;
  bool inserted = false;
  for (int i = 0; i < 3000; ++i) dict.Intern(std::to_string(i), &inserted);
  const size_t grown = dict.table.slot_count();
  dict.Reset(100);
  EXPECT_EQ(dict.table.size(), 0u);
  // A small batch after a large one probes a small table, not the largest one so far.
  EXPECT_LT(dict.table.slot_count(), grown);
  EXPECT_GE(dict.table.slot_count(), 200u);
  // The same keys are new again and take fresh ids.
  EXPECT_EQ(dict.Intern("7", &inserted), 0u);
  EXPECT_TRUE(inserted);
  EXPECT_EQ(dict.Intern("3", &inserted), 1u);
  EXPECT_TRUE(inserted);
  EXPECT_EQ(dict.Intern("7", &inserted), 0u);
  EXPECT_FALSE(inserted);
  // And keys of the large batch are gone even where their slots lay beyond the small table.
  dict.Reset(5000);
  EXPECT_EQ(dict.Intern("2999", &inserted), 0u);
  EXPECT_TRUE(inserted);
}

TEST(FlatIdTableTest, BatchesOfEverySizeSeeOnlyTheirOwnKeys) {
  // After batches that grew the table, shrank it and grew it again, a batch still finds exactly
  // its own keys: none left over from an earlier batch, none lost in a growth.
  Dictionary dict;
  uint32_t seed = 1;
  for (const size_t batch_size : {3000, 10, 0, 500, 4, 4000, 1, 64, 65, 129, 2000, 7}) {
    dict.Reset(batch_size / 3);  // under the batch: the table grows during most of them
    const std::string batch = std::to_string(batch_size) + "/" + std::to_string(seed++) + ":";
    bool inserted = false;
    for (size_t i = 0; i < batch_size; ++i) {
      // Keys of earlier batches are new again; keys of this one were never seen before.
      EXPECT_EQ(dict.Intern(std::to_string(i), &inserted), 2 * i) << batch_size;
      EXPECT_TRUE(inserted) << batch_size << " " << i;
      EXPECT_EQ(dict.Intern(batch + std::to_string(i), &inserted), 2 * i + 1);
      EXPECT_TRUE(inserted);
    }
    EXPECT_EQ(dict.table.size(), 2 * batch_size);
    for (size_t i = 0; i < batch_size; ++i) {
      EXPECT_EQ(dict.Intern(std::to_string(i), &inserted), 2 * i);
      EXPECT_FALSE(inserted);
    }
  }
}

}  // namespace
}  // namespace ulna
