// A dictionary as the batch encoder and the job keep one, for the tests of the open-addressing
// id tables (HashIndex, FlatIdTable), which share the FindOrInsert contract: strings by id,
// the table over them.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/hash_index.h"

namespace ulna {

template <typename Table>
struct InterningDictionary {
  Table table;
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
};

// The contract both tables keep: every key inserted gets the next id, and is found again with
// it, in any order, across the table's growth...
template <typename Table>
void ExpectFindsWhatItInsertedAcrossGrowth(InterningDictionary<Table>& dict) {
  bool inserted = false;
  for (int i = 0; i < 5000; ++i) {
    EXPECT_EQ(dict.Intern("s" + std::to_string(i), &inserted), static_cast<uint32_t>(i));
    EXPECT_TRUE(inserted);
  }
  EXPECT_EQ(dict.table.size(), 5000u);
  for (int i = 4999; i >= 0; --i) {
    EXPECT_EQ(dict.Intern("s" + std::to_string(i), &inserted), static_cast<uint32_t>(i));
    EXPECT_FALSE(inserted);
  }
}

// ... and keys of equal hashes are told apart by the key, enough of them to collide across a
// growth too.
template <typename Table>
void ExpectEqualHashesToldApartByTheKey(InterningDictionary<Table>& dict) {
  auto same_hash = [](std::string_view) -> uint64_t { return 42; };
  bool inserted = false;
  for (uint32_t i = 0; i < 100; ++i) {
    EXPECT_EQ(dict.Intern(std::to_string(i), &inserted, same_hash), i);
    EXPECT_TRUE(inserted);
  }
  for (uint32_t i = 0; i < 100; ++i) {
    EXPECT_EQ(dict.Intern(std::to_string(i), &inserted, same_hash), i);
    EXPECT_FALSE(inserted);
  }
}

// After the table was emptied (Reset, Clear; `strings` too): keys it held ("3", "7") are new
// again and take fresh ids.
template <typename Table>
void ExpectKeysNewAgain(InterningDictionary<Table>& dict) {
  bool inserted = false;
  EXPECT_EQ(dict.Intern("7", &inserted), 0u);
  EXPECT_TRUE(inserted);
  EXPECT_EQ(dict.Intern("3", &inserted), 1u);
  EXPECT_TRUE(inserted);
  EXPECT_EQ(dict.Intern("7", &inserted), 0u);
  EXPECT_FALSE(inserted);
}

}  // namespace ulna
