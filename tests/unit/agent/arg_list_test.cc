#include "agent/arg_list.h"

#include <gtest/gtest.h>

#include <string>

#include "common/event.h"

namespace ulna::agent {
namespace {

using namespace std::string_literals;

TEST(ArgListTest, SplitsAtNulsAndDropsTerminator) {
  std::string block = "curl\0-s\0\0http://x/\0"s;
  ArgList a = SplitArgs(block);
  ASSERT_EQ(a.args.size(), 4u);
  EXPECT_EQ(a.args[0], "curl");
  EXPECT_EQ(a.args[1], "-s");
  EXPECT_EQ(a.args[2], "");  // an empty argument is kept
  EXPECT_EQ(a.args[3], "http://x/");
  EXPECT_FALSE(a.truncated);
  EXPECT_TRUE(SplitArgs("").args.empty());
  EXPECT_EQ(SplitArgs("one"s).args.size(), 1u);  // cut block without a NUL
}

TEST(ArgListTest, BoundsCountLengthAndTotal) {
  std::string many;
  for (size_t i = 0; i < kMaxArgs + 10; ++i) many += "a\0"s;
  ArgList a = SplitArgs(many);
  EXPECT_EQ(a.args.size(), kMaxArgs);
  EXPECT_TRUE(a.truncated);

  ArgList b = SplitArgs(std::string(kMaxArgBytes + 100, 'x'));
  ASSERT_EQ(b.args.size(), 1u);
  EXPECT_EQ(b.args[0].size(), kMaxArgBytes);
  EXPECT_TRUE(b.truncated);

  // Five 4000-byte args: four fit in 16384 total bytes, the fifth would not.
  std::string big;
  for (int i = 0; i < 5; ++i) big += std::string(4000, 'y') + '\0';
  ArgList c = SplitArgs(big);
  EXPECT_EQ(c.args.size(), 4u);
  EXPECT_TRUE(c.truncated);
}

}  // namespace
}  // namespace ulna::agent
