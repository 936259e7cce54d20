#include "common/short_bytes.h"

#include <gtest/gtest.h>

#include <string>

namespace ulna {
namespace {

// Every length the functions treat differently (0, 1-3, 4-7, 8-16, 17-32, over 32, several
// 16-byte blocks), with each single-byte change at each position.
constexpr size_t kMaxSize = 70;

TEST(ShortBytesTest, SameBytesSeesEveryByte) {
  for (size_t size = 0; size <= kMaxSize; ++size) {
    const std::string base(size, 'x');
    std::string copy = base;  // other storage, same bytes
    EXPECT_TRUE(SameBytes(base.data(), copy.data(), size)) << size;
    for (size_t i = 0; i < size; ++i) {
      std::string changed = base;
      changed[i] = 'y';
      EXPECT_FALSE(SameBytes(base.data(), changed.data(), size)) << size << " at " << i;
      EXPECT_FALSE(SameBytes(changed.data(), base.data(), size)) << size << " at " << i;
    }
  }
}

TEST(ShortBytesTest, SameBytesReadsOnlyTheGivenBytes) {
  // Equal prefixes of strings that differ after them are equal.
  const std::string a = "abcdefghijklmnopqrstuvwxyz0123456789-";
  const std::string b = "abcdefghijklmnopqrstuvwxyz0123456789+";
  for (size_t size = 0; size < a.size(); ++size) {
    EXPECT_TRUE(SameBytes(a.data(), b.data(), size)) << size;
  }
  EXPECT_FALSE(SameBytes(a.data(), b.data(), a.size()));
}

TEST(ShortBytesTest, SameStringComparesSizesAndBytes) {
  const std::string abc = "abc";
  EXPECT_TRUE(SameString(abc, std::string_view("abc")));
  EXPECT_FALSE(SameString(abc, std::string_view("abd")));
  EXPECT_FALSE(SameString(abc, std::string_view("ab")));    // a prefix
  EXPECT_FALSE(SameString(abc, std::string_view("abcd")));  // a longer string
  EXPECT_TRUE(SameString(std::string(), std::string_view()));
}

}  // namespace
}  // namespace ulna
