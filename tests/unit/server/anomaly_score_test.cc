// Hand-computed checks of ml-cpp's probability-to-score arithmetic and the Beta helpers.
#include "server/detect/anomaly_score.h"

#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <limits>

namespace ulna::server {
namespace {

TEST(RawAnomalyScoreTest, PiecewiseBoundaries) {
  // p >= 0.05 is not anomalous at all.
  EXPECT_EQ(RawAnomalyScore(1.0), 0.0);
  EXPECT_EQ(RawAnomalyScore(0.05), 0.0);
  // (1/1e-4 - 20) / (10000 - 20) = 1.
  EXPECT_NEAR(RawAnomalyScore(1e-4), 1.0, 1e-12);
  // 1 + 49 (ln 1e50 - ln 1e4) / (ln 1e50 - ln 1e4) = 50.
  EXPECT_NEAR(RawAnomalyScore(1e-50), 50.0, 1e-9);
  // p = 0 is clamped to DBL_MIN, where the last segment reaches 100.
  EXPECT_NEAR(RawAnomalyScore(0.0), 100.0, 1e-9);
  EXPECT_EQ(RawAnomalyScore(std::numeric_limits<double>::quiet_NaN()), 0.0);
}

TEST(RawAnomalyScoreTest, InsideEachSegment) {
  // (1/0.01 - 20) / 9980 = 80 / 9980.
  EXPECT_NEAR(RawAnomalyScore(0.01), 80.0 / 9980.0, 1e-12);
  // 1 + 49 (10 ln10 - 4 ln10) / (50 ln10 - 4 ln10) = 1 + 49 * 6 / 46.
  EXPECT_NEAR(RawAnomalyScore(1e-10), 1.0 + 49.0 * 6.0 / 46.0, 1e-9);
  // 50 + 50 (200 ln10 - 50 ln10) / (-ln DBL_MIN - 50 ln10) = 50 + 50 * 345.3878 / 593.2672.
  EXPECT_NEAR(RawAnomalyScore(1e-200), 79.10896, 1e-4);
  // Monotone: smaller p, larger score.
  EXPECT_GT(RawAnomalyScore(0.049), 0.0);
  EXPECT_LT(RawAnomalyScore(0.02), RawAnomalyScore(0.01));
}

TEST(RecordRawScoreTest, ZeroAtAndAboveTheRecordThreshold) {
  EXPECT_EQ(RecordRawScore(0.035), 0.0);
  // 0.04 has a positive raw anomaly score ((25 - 20) / 9980) but writes no record.
  EXPECT_GT(RawAnomalyScore(0.04), 0.0);
  EXPECT_EQ(RecordRawScore(0.04), 0.0);
  EXPECT_NEAR(RecordRawScore(0.01), 80.0 / 9980.0, 1e-12);
}

TEST(AbsoluteCeilingTest, ReferenceValues) {
  // 100 (0.95 M (ln p - ln 0.05) + 0.05), M = 1 / (ln 1e-4 - ln 0.05) = -0.160910.
  // p = 0.00263: ln(0.0526) = -2.94504 -> 0.95 * 0.160910 * 2.94504 + 0.05 = 0.50020.
  EXPECT_NEAR(AbsoluteCeiling(0.00263), 50.02, 0.01);
  // p = 0.035: ln 0.7 = -0.356675 -> 0.054523 + 0.05 -> 10.45.
  EXPECT_NEAR(AbsoluteCeiling(0.035), 10.45, 0.01);
  // p = 0.001: ln 0.02 = -3.91202 -> 0.598014 + 0.05 -> 64.80.
  EXPECT_NEAR(AbsoluteCeiling(0.001), 64.80, 0.01);
  // The two ends of the interpolation: 5 at p = 0.05 and 100 at p = 1e-4.
  EXPECT_NEAR(AbsoluteCeiling(0.05), 5.0, 1e-9);
  EXPECT_NEAR(AbsoluteCeiling(1e-4), 100.0, 1e-9);
  // Clamped to [0, 100].
  EXPECT_EQ(AbsoluteCeiling(1e-9), 100.0);
  EXPECT_EQ(AbsoluteCeiling(0.5), 0.0);
}

TEST(SeverityNameTest, Bands) {
  EXPECT_STREQ(SeverityName(24.9), "warning");
  EXPECT_STREQ(SeverityName(25.0), "minor");
  EXPECT_STREQ(SeverityName(50.0), "major");
  EXPECT_STREQ(SeverityName(75.0), "critical");
}

TEST(BetaTest, IncompleteBetaClosedForms) {
  EXPECT_NEAR(RegularizedIncompleteBeta(1, 1, 0.3), 0.3, 1e-14);   // uniform
  EXPECT_NEAR(RegularizedIncompleteBeta(2, 1, 0.3), 0.09, 1e-14);  // x^2
  EXPECT_NEAR(RegularizedIncompleteBeta(1, 2, 0.3), 0.51, 1e-14);  // 1 - (1-x)^2
  // Beta(2,3) cdf = sum_{j=2..4} C(4,j) x^j (1-x)^(4-j) at 0.2 = 0.1536 + 0.0256 + 0.0016.
  EXPECT_NEAR(RegularizedIncompleteBeta(2, 3, 0.2), 0.1808, 1e-13);
  EXPECT_NEAR(RegularizedIncompleteBeta(5, 5, 0.5), 0.5, 1e-13);  // symmetry
  EXPECT_NEAR(RegularizedIncompleteBeta(5000, 5000, 0.5), 0.5, 1e-10);
  EXPECT_NEAR(RegularizedIncompleteBeta(3.5, 7.2, 0.4),
              1.0 - RegularizedIncompleteBeta(7.2, 3.5, 0.6), 1e-13);
  EXPECT_EQ(RegularizedIncompleteBeta(2, 2, 0.0), 0.0);
  EXPECT_EQ(RegularizedIncompleteBeta(2, 2, 1.0), 1.0);
}

TEST(BetaTest, QuantileInvertsTheCdf) {
  EXPECT_NEAR(BetaQuantile(2, 1, 0.25), 0.5, 1e-12);  // x^2 = 0.25
  EXPECT_NEAR(BetaQuantile(1, 2, 0.75), 0.5, 1e-12);  // 1 - (1-x)^2 = 0.75
  // 1 - (1-x)^9999 = 0.5 -> x = 1 - 0.5^(1/9999) = 6.931925e-5: a small quantile, relative check.
  EXPECT_NEAR(BetaQuantile(1, 9999, 0.5) / 6.931924753095231e-05, 1.0, 1e-9);
  // Heavy left tail (a < 1).
  const double x = BetaQuantile(0.7, 30, 0.1);
  EXPECT_NEAR(RegularizedIncompleteBeta(0.7, 30, x), 0.1, 1e-10);
}

TEST(BetaTest, QuantileBinMeans) {
  // Uniform over 4 bins: the bin midpoints.
  const std::vector<double> uniform = BetaQuantileBinMeans(1, 1, 4);
  ASSERT_EQ(uniform.size(), 4u);
  EXPECT_NEAR(uniform[0], 0.125, 1e-12);
  EXPECT_NEAR(uniform[1], 0.375, 1e-12);
  EXPECT_NEAR(uniform[2], 0.625, 1e-12);
  EXPECT_NEAR(uniform[3], 0.875, 1e-12);
  // Beta(2,1) (density 2x), 2 bins split at sqrt(0.5): E[X | X < m] = (2/3) m^3 / 0.5 = 0.471405,
  // E[X | X > m] = (2/3)(1 - m^3) / 0.5 = 0.861929; together they average to the mean 2/3.
  const std::vector<double> beta21 = BetaQuantileBinMeans(2, 1, 2);
  ASSERT_EQ(beta21.size(), 2u);
  EXPECT_NEAR(beta21[0], 0.4714045, 1e-7);
  EXPECT_NEAR(beta21[1], 0.8619288, 1e-7);
  // n = 1, or a degenerate parameter: just the mean.
  EXPECT_EQ(BetaQuantileBinMeans(3, 1, 1), std::vector<double>{0.75});
  EXPECT_EQ(BetaQuantileBinMeans(2, 0, 7), std::vector<double>{1.0});
}

}  // namespace
}  // namespace ulna::server
