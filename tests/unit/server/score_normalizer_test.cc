// Hand-computed checks of the record_score normaliser (reference elastic_rare.md §3.8).
// Beta quantiles quoted below were computed independently by numerically integrating the Beta
// density (a 400000-step midpoint rule), not with the code under test.
#include "server/detect/score_normalizer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "server/detect/anomaly_score.h"

namespace ulna::server {
namespace {

// `count` samples of `raw`, scopes prefix0, prefix1, ...
std::vector<RawSample> Many(int count, double raw, const std::string& prefix) {
  std::vector<RawSample> samples;
  for (int i = 0; i < count; ++i) samples.push_back(RawSample{prefix + std::to_string(i), raw});
  return samples;
}

TEST(ScoreNormalizerTest, MostlyZeroHistoryHighScoreIsLimitedByRankOrAbsoluteCeiling) {
  // 999 non-anomalous names (raw 0) and one record: n = 1000, F(0) = 0.999.
  for (double p : {1e-3, 1e-6}) {
    ScoreNormalizer normalizer;
    std::vector<RawSample> samples = Many(999, 0.0, "quiet");
    const double raw = RecordRawScore(p);
    samples.push_back(RawSample{"nc", raw});
    ASSERT_TRUE(normalizer.Update(samples).ok());
    const ScoreCeilings c = normalizer.Ceilings("nc", raw, p);
    // c0: F(0) >= 0.5 adds 100, so noise never binds.
    EXPECT_GE(c.noise, 100.0);
    // c1: 999 of 1000 samples lie below. The 70 % interval of Beta(999 1/3, 1 1/3) is
    // [0.99759, 0.99969]; squared (30-minute percentile, factor 0.5): 99.519 and 99.937;
    // through the knots: 50 + 40 * 0.519/0.9 = 73.05 and 90 + 10 * 0.037/0.1 = 93.73;
    // mean 83.39.
    EXPECT_NEAR(c.rank, 83.39, 0.02);
    // c2: first score for "nc" is its own maximum: r = 1 -> min(1.5, 1) -> 100.
    EXPECT_DOUBLE_EQ(c.scope_max, 100.0);
    EXPECT_NEAR(c.absolute, AbsoluteCeiling(p), 1e-12);
  }
  ScoreNormalizer normalizer;
  std::vector<RawSample> samples = Many(999, 0.0, "quiet");
  samples.push_back(RawSample{"nc", RecordRawScore(1e-3)});
  ASSERT_TRUE(normalizer.Update(samples).ok());
  // p = 1e-3: raw 980/9980 = 0.0982; the absolute ceiling 64.80 binds.
  EXPECT_NEAR(normalizer.Normalize("nc", RecordRawScore(1e-3), 1e-3), 64.80, 0.01);
}

TEST(ScoreNormalizerTest, RankCeilingWhenManyLargerScoresExist) {
  // 90 zeros, 10 scores of 5 and one of 1: 90 of 101 lie below 1.0.
  ScoreNormalizer normalizer;
  std::vector<RawSample> samples = Many(90, 0.0, "z");
  for (const RawSample& s : Many(10, 5.0, "big")) samples.push_back(s);
  samples.push_back(RawSample{"mid", 1.0});
  ASSERT_TRUE(normalizer.Update(samples).ok());
  // Beta(101 * 90/101 + 1/3, 101 * 11/101 + 1/3) 70 % interval [0.856295, 0.92034]; squared
  // 73.324 and 84.703; knots 1 + 0.2 * 3.324/15 = 1.0443 and 1.1960; mean 1.1202.
  const ScoreCeilings c = normalizer.Ceilings("mid", 1.0, 1e-4);
  EXPECT_NEAR(c.rank, 1.1202, 0.002);
  EXPECT_NEAR(normalizer.Normalize("mid", 1.0, 1e-4), c.rank, 1e-12);
}

TEST(ScoreNormalizerTest, NoiseCeilingFromTheMedian) {
  // All ten scores are 2.0: no zeros, so c0 = 1 * max(1 + 10 (raw - median), 0). The median is
  // reported at its 1 %-bin centre: 2000 falls in bin 1 + floor(ln 2000 / ln 1.01) = 764,
  // centre 1.01^763.5 = 1992.365 (raw 1.992365).
  ScoreNormalizer normalizer;
  ASSERT_TRUE(normalizer.Update(Many(10, 2.0, "s")).ok());
  EXPECT_NEAR(normalizer.Ceilings("s0", 2.0, 1e-5).noise, 1.0 + 10.0 * (2.0 - 1.992365), 1e-4);
  EXPECT_NEAR(normalizer.Ceilings("s0", 4.0, 1e-5).noise, 1.0 + 10.0 * (4.0 - 1.992365), 1e-4);
  // A typical score is held below ~1; here the rank ceiling is lower still, since no history
  // lies below 2.0 (F = 0 -> Beta(1/3, 10 1/3) -> percentiles near 0 -> knots near 0).
  const ScoreCeilings typical = normalizer.Ceilings("s0", 2.0, 1e-5);
  EXPECT_LT(typical.rank, typical.noise);
  EXPECT_EQ(normalizer.Normalize("s0", 2.0, 1e-5), typical.rank);
  EXPECT_LT(typical.rank, 0.01);

  // With 3 zeros of 10: F(0) = 0.3 adds 100 * max(2 * min(2 * 0.3, 1) - 1, 0) = 20.
  ScoreNormalizer partial;
  std::vector<RawSample> samples = Many(3, 0.0, "z");
  for (const RawSample& s : Many(7, 2.0, "s")) samples.push_back(s);
  ASSERT_TRUE(partial.Update(samples).ok());
  EXPECT_NEAR(partial.Ceilings("s0", 2.0, 1e-5).noise, 20.0 + 1.0 + 10.0 * (2.0 - 1.992365), 1e-4);
}

TEST(ScoreNormalizerTest, ScopeMaximumLimitsASmallerRepeat) {
  ScoreNormalizer normalizer;
  ASSERT_TRUE(normalizer.Update({RawSample{"curl", 3.0}}).ok());
  EXPECT_DOUBLE_EQ(normalizer.Ceilings("curl", 3.0, 1e-6).scope_max, 100.0);
  normalizer.AgeByBuckets(1);
  ASSERT_TRUE(normalizer.Update({RawSample{"curl", 1.5}}).ok());
  // max = 3 * exp(-2 * 0.00025) = 2.99850037; r = 1.5 / 2.99850037 = 0.50025006;
  // c2 = 100 * min(1.5 r, 0.5 + 0.5 r) = 100 * 0.75012503.
  EXPECT_NEAR(normalizer.MaxScore("curl"), 2.9985003749375, 1e-12);
  EXPECT_NEAR(normalizer.Ceilings("curl", 1.5, 1e-5).scope_max, 75.0125031255, 1e-9);
  // Another scope is not limited by curl's maximum.
  ASSERT_TRUE(normalizer.Update({RawSample{"wget", 1.5}}).ok());
  EXPECT_DOUBLE_EQ(normalizer.Ceilings("wget", 1.5, 1e-5).scope_max, 100.0);
}

TEST(ScoreNormalizerTest, ScopeMaximumAgesAndIsForgottenAfterFiftyBuckets) {
  ScoreNormalizer normalizer;
  ASSERT_TRUE(normalizer.Update({RawSample{"curl", 3.0}}).ok());
  normalizer.AgeByBuckets(50);
  // 3 * exp(-2 * 0.00025 * 50) = 3 * exp(-0.025) = 2.92593.
  EXPECT_NEAR(normalizer.MaxScore("curl"), 2.925929736085, 1e-9);
  normalizer.AgeByBuckets(1);  // 51 buckets without a score > 50
  EXPECT_EQ(normalizer.MaxScore("curl"), 0.0);
  EXPECT_EQ(normalizer.scope_count(), 0u);
  EXPECT_DOUBLE_EQ(normalizer.Ceilings("curl", 1.0, 1e-5).scope_max, 100.0);
}

TEST(ScoreNormalizerTest, NormalizeIsExactlyTheSmallestCeilingWhetherOrNotTheRankBinds) {
  // Normalize skips the rank's quantiles when a one-point bound shows they cannot bind: across
  // histories, scores and probabilities where the rank binds and where it does not, the result
  // must be bit for bit the minimum of the ceilings Ceilings computes in full.
  int rank_binds = 0;
  int rank_does_not = 0;
  for (int zeros : {0, 40, 400, 5000}) {
    ScoreNormalizer normalizer;
    std::vector<RawSample> samples = Many(zeros, 0.0, "quiet");
    for (const RawSample& sample : Many(60, 0.3, "low")) samples.push_back(sample);
    for (const RawSample& sample : Many(6, 4.0, "high")) samples.push_back(sample);
    samples.push_back(RawSample{"curl", 20.0});
    ASSERT_TRUE(normalizer.Update(samples).ok());
    for (double raw : {0.0, 0.01, 0.3, 0.31, 1.0, 4.0, 20.0, 60.0, 150.0}) {
      for (double p : {0.03, 0.0026, 1e-4, 1e-9, 1e-300}) {
        for (const char* scope : {"curl", "low0", "unseen"}) {
          const ScoreCeilings c = normalizer.Ceilings(scope, raw, p);
          const double smallest = std::min({c.noise, c.rank, c.scope_max, c.absolute});
          const double expected = raw > 0.0 ? std::clamp(smallest, 0.0, 100.0) : 0.0;
          EXPECT_EQ(normalizer.Normalize(scope, raw, p), expected)
              << zeros << " zeros, raw " << raw << ", p " << p << ", " << scope;
          if (raw > 0.0)
            (c.rank < std::min({c.noise, c.scope_max, c.absolute}) ? rank_binds : rank_does_not)++;
        }
      }
    }
  }
  // Both paths were taken.
  EXPECT_GT(rank_binds, 10);
  EXPECT_GT(rank_does_not, 10);
}

TEST(ScoreNormalizerTest, HistoryDecaysOncePerQuantileInterval) {
  ScoreNormalizer normalizer;  // interval 40 buckets, rate 0.00025
  ASSERT_TRUE(normalizer.Update(Many(10, 0.0, "z")).ok());
  normalizer.AgeByBuckets(39);
  EXPECT_EQ(normalizer.sample_weight(), 10.0);
  normalizer.AgeByBuckets(1);
  EXPECT_DOUBLE_EQ(normalizer.sample_weight(), 10.0 * std::exp(-0.00025));
  // 100 more buckets: two whole intervals (at 80 and 120); the next is 20 buckets away.
  normalizer.AgeByBuckets(100);
  EXPECT_DOUBLE_EQ(normalizer.sample_weight(), 10.0 * std::exp(-0.00025) * std::exp(-0.0005));
  const double before = normalizer.sample_weight();
  normalizer.AgeByBuckets(19);
  EXPECT_EQ(normalizer.sample_weight(), before);
  normalizer.AgeByBuckets(1);
  EXPECT_LT(normalizer.sample_weight(), before);
}

TEST(ScoreNormalizerTest, ZeroRawAndEmptyHistory) {
  ScoreNormalizer normalizer;
  EXPECT_EQ(normalizer.Normalize("x", 0.0, 0.5), 0.0);
  // Without history only c2 and c3 apply: no maximum for "x", so c3 decides.
  EXPECT_NEAR(normalizer.Normalize("x", RecordRawScore(1e-3), 1e-3), 64.80, 0.01);
  EXPECT_DOUBLE_EQ(normalizer.Normalize("x", RecordRawScore(1e-6), 1e-6), 100.0);
}

TEST(ScoreNormalizerTest, UpdateRejectsInvalidScoresAtomically) {
  ScoreNormalizer normalizer;
  const Status nan = normalizer.Update(
      {RawSample{"ok", 1.0}, RawSample{"bad", std::numeric_limits<double>::quiet_NaN()}});
  EXPECT_EQ(nan.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(normalizer.Update({RawSample{"neg", -1.0}}).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(normalizer.sample_weight(), 0.0);
  EXPECT_EQ(normalizer.scope_count(), 0u);
}

TEST(ScoreNormalizerTest, StateRoundTrip) {
  ScoreNormalizer normalizer;
  std::vector<RawSample> samples = Many(500, 0.0, "z");
  for (const RawSample& s : Many(20, 0.5, "low")) samples.push_back(s);
  samples.push_back(RawSample{"nc", 3.13});
  ASSERT_TRUE(normalizer.Update(samples).ok());
  normalizer.AgeByBuckets(45);
  ASSERT_TRUE(normalizer.Update({RawSample{"curl", 2.0}, RawSample{"z1", 0.0}}).ok());

  const std::string state = normalizer.SaveState();
  Result<ScoreNormalizer> loaded = ScoreNormalizer::LoadState(state, ScoreNormalizerOptions{});
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->sample_weight(), normalizer.sample_weight());
  EXPECT_EQ(loaded->scope_count(), normalizer.scope_count());
  for (const char* scope : {"nc", "curl", "low3", "new"}) {
    for (double raw : {0.2, 1.0, 3.13}) {
      const ScoreCeilings a = normalizer.Ceilings(scope, raw, 1e-5);
      const ScoreCeilings b = loaded->Ceilings(scope, raw, 1e-5);
      EXPECT_EQ(a.noise, b.noise);
      EXPECT_EQ(a.rank, b.rank);
      EXPECT_EQ(a.scope_max, b.scope_max);
      EXPECT_EQ(a.absolute, b.absolute);
    }
  }
  // Both continue identically (the quantile countdown was saved too).
  normalizer.AgeByBuckets(40);
  loaded->AgeByBuckets(40);
  EXPECT_EQ(loaded->SaveState(), normalizer.SaveState());
}

TEST(ScoreNormalizerTest, LoadStateRejectsMalformedBytes) {
  ScoreNormalizer normalizer;
  ASSERT_TRUE(normalizer.Update({RawSample{"a", 0.0}, RawSample{"b", 2.0}}).ok());
  const std::string state = normalizer.SaveState();
  for (size_t cut = 0; cut < state.size(); ++cut) {
    EXPECT_FALSE(ScoreNormalizer::LoadState(state.substr(0, cut), ScoreNormalizerOptions{}).ok())
        << cut;
  }
  EXPECT_FALSE(ScoreNormalizer::LoadState(state + "x", ScoreNormalizerOptions{}).ok());
  ScoreNormalizerOptions bad;
  bad.bucket_normalization_factor = 0.0;
  EXPECT_EQ(ScoreNormalizer::LoadState(state, bad).status().code(), Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace ulna::server
