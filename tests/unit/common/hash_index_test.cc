#include "common/hash_index.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace ulna {
namespace {

// A dictionary as the batch encoder keeps one: strings by id, the index over them.
struct Dictionary {
  HashIndex index;
  std::vector<std::string> strings;

  // `hash` lets a test force collisions; by default the real hash.
  uint32_t Intern(const std::string& s, bool* inserted,
                  uint64_t (*hash)(std::string_view) = &HashBytes) {
    const uint32_t id = index.FindOrInsert(
        hash(s), static_cast<uint32_t>(strings.size()),
        [&](uint32_t candidate) { return strings[candidate] == s; }, inserted);
    if (*inserted) strings.push_back(s);
    return id;
  }
};

TEST(HashIndexTest, FindsWhatItInsertedAcrossGrowth) {
  Dictionary dict;
  bool inserted = false;
  for (int i = 0; i < 5000; ++i) {
    EXPECT_EQ(dict.Intern("s" + std::to_string(i), &inserted), static_cast<uint32_t>(i));
    EXPECT_TRUE(inserted);
  }
  EXPECT_EQ(dict.index.size(), 5000u);
  for (int i = 4999; i >= 0; --i) {
    EXPECT_EQ(dict.Intern("s" + std::to_string(i), &inserted), static_cast<uint32_t>(i));
    EXPECT_FALSE(inserted);
  }
}

TEST(HashIndexTest, EqualHashesAreToldApartByTheKey) {
  Dictionary dict;
  auto same_hash = [](std::string_view) -> uint64_t { return 42; };
  bool inserted = false;
  EXPECT_EQ(dict.Intern("a", &inserted, same_hash), 0u);
  EXPECT_EQ(dict.Intern("b", &inserted, same_hash), 1u);
  EXPECT_TRUE(inserted);
  EXPECT_EQ(dict.Intern("a", &inserted, same_hash), 0u);
  EXPECT_FALSE(inserted);
  EXPECT_EQ(dict.Intern("b", &inserted, same_hash), 1u);
  EXPECT_FALSE(inserted);
}

TEST(HashIndexTest, ClearForgetsEverything) {
  Dictionary dict;
  bool inserted = false;
  for (int i = 0; i < 100; ++i) dict.Intern(std::to_string(i), &inserted);
  dict.index.Clear();
  dict.strings.clear();
  EXPECT_EQ(dict.index.size(), 0u);
  // The same keys are new again and take fresh values.
  EXPECT_EQ(dict.Intern("7", &inserted), 0u);
  EXPECT_TRUE(inserted);
  EXPECT_EQ(dict.Intern("3", &inserted), 1u);
  EXPECT_TRUE(inserted);
  EXPECT_EQ(dict.Intern("7", &inserted), 0u);
  EXPECT_FALSE(inserted);
}

TEST(HashIndexTest, HashBytesDependsOnEveryByteAndTheLength) {
  // Every length the hash treats differently (0, 1-3, 4-7, 8-16, over 16, several blocks), with
  // each single-byte change giving another hash.
  std::set<uint64_t> hashes;
  size_t count = 0;
  for (size_t size = 0; size <= 70; ++size) {
    const std::string base(size, 'x');
    hashes.insert(HashBytes(base));
    ++count;
    for (size_t i = 0; i < size; ++i) {
      std::string changed = base;
      changed[i] = 'y';
      hashes.insert(HashBytes(changed));
      ++count;
    }
  }
  EXPECT_EQ(hashes.size(), count);
  // The high half alone (what FlatIdTable places and filters by) tells them apart too.
  std::set<uint32_t> high_halves;
  for (uint64_t hash : hashes) high_halves.insert(static_cast<uint32_t>(hash >> 32));
  EXPECT_EQ(high_halves.size(), count);
}

TEST(HashIndexTest, HashBytesIsAFunctionOfTheBytesOnly) {
  const std::string a = "/usr/lib/systemd/systemd-resolved";
  const std::string b(a.begin(), a.end());
  EXPECT_EQ(HashBytes(a), HashBytes(b));
  EXPECT_EQ(HashBytes(std::string_view(a).substr(5, 3)), HashBytes("lib"));
}

}  // namespace
}  // namespace ulna
