#include "common/flat_id_table.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/common/interning_dictionary.h"

namespace ulna {
namespace {

// With Reset, as the encoder sizes its table to each batch.
struct Dictionary : InterningDictionary<FlatIdTable> {
  void Reset(size_t expected) {
    table.Reset(expected);
    strings.clear();
  }
};

TEST(FlatIdTableTest, FindsWhatItInsertedAcrossGrowth) {
  Dictionary dict;
  ExpectFindsWhatItInsertedAcrossGrowth(dict);
  EXPECT_GE(dict.table.slot_count(), 10000u);  // at most half full
}

TEST(FlatIdTableTest, EqualHashesAreToldApartByTheKey) {
  Dictionary dict;
  ExpectEqualHashesToldApartByTheKey(dict);
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
  ExpectKeysNewAgain(dict);
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
