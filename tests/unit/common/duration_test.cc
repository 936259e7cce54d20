#include "common/duration.h"

#include <gtest/gtest.h>

namespace ulna {
namespace {

TEST(DurationTest, ParsesEveryUnit) {
  EXPECT_EQ(*ParseDuration("15m"), 900 * kNanosPerSecond);
  EXPECT_EQ(*ParseDuration("14d"), 14 * kNanosPerDay);
  EXPECT_EQ(*ParseDuration("500ms"), 500'000'000);
  EXPECT_EQ(*ParseDuration("3h"), 3 * kNanosPerHour);
  EXPECT_EQ(*ParseDuration("7ns"), 7);
  EXPECT_EQ(*ParseDuration("2us"), 2000);
}

TEST(DurationTest, RejectsMalformed) {
  EXPECT_FALSE(ParseDuration("").ok());
  EXPECT_FALSE(ParseDuration("m").ok());
  EXPECT_FALSE(ParseDuration("15").ok());
  EXPECT_FALSE(ParseDuration("15 m").ok());
  EXPECT_FALSE(ParseDuration("-5m").ok());
  EXPECT_FALSE(ParseDuration("99999999999999999d").ok());
}

TEST(DurationTest, FormatsShortestExactForm) {
  EXPECT_EQ(FormatDuration(900 * kNanosPerSecond), "15m");
  EXPECT_EQ(FormatDuration(90 * kNanosPerSecond), "90s");
  EXPECT_EQ(FormatDuration(kNanosPerDay), "1d");
  EXPECT_EQ(FormatDuration(1500), "1500ns");
}

TEST(DurationTest, AlignDownFindsTheStartOfTheStepHoldingATime) {
  constexpr int64_t kSpan = 15 * kNanosPerMinute;
  EXPECT_EQ(AlignDown(0, kSpan), 0);
  EXPECT_EQ(AlignDown(kSpan - 1, kSpan), 0);
  EXPECT_EQ(AlignDown(kSpan, kSpan), kSpan);
  EXPECT_EQ(AlignDown(3 * kSpan + 7, kSpan), 3 * kSpan);
  EXPECT_EQ(AlignDown(-1, kSpan), -kSpan);  // before the epoch: the step that holds it
  EXPECT_EQ(AlignDown(-kSpan, kSpan), -kSpan);
}

}  // namespace
}  // namespace ulna
