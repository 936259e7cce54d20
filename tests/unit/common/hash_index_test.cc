#include "common/hash_index.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "tests/unit/common/interning_dictionary.h"

namespace ulna {
namespace {

using Dictionary = InterningDictionary<HashIndex>;

TEST(HashIndexTest, FindsWhatItInsertedAcrossGrowth) {
  Dictionary dict;
  ExpectFindsWhatItInsertedAcrossGrowth(dict);
}

TEST(HashIndexTest, EqualHashesAreToldApartByTheKey) {
  Dictionary dict;
  ExpectEqualHashesToldApartByTheKey(dict);
}

TEST(HashIndexTest, ClearForgetsEverything) {
  Dictionary dict;
  bool inserted = false;
  for (int i = 0; i < 100; ++i) dict.Intern(std::to_string(i), &inserted);
  dict.table.Clear();
  dict.strings.clear();
  EXPECT_EQ(dict.table.size(), 0u);
  ExpectKeysNewAgain(dict);
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
