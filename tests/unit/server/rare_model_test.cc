// Hand-computed checks of the Elastic-compatible rare model (reference elastic_rare.md §3.2-3.4).
// Most cases use decay_rate = ln 2, so every bucket with data halves the concentrations
// (alpha = 0.5) and the arithmetic stays exact in binary.
#include "server/detect/rare_model.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>
#include <vector>

namespace ulna::server {
namespace {

RareModelOptions Halving(bool smoothing) {
  RareModelOptions options;
  options.decay_rate_per_bucket = std::log(2.0);
  options.beta_smoothing = smoothing;
  return options;
}

TEST(RareModelTest, NameSeenEveryBucketVersusOnce) {
  RareModel model(Halving(/*smoothing=*/false));
  ASSERT_TRUE(model.ObserveBucket(1, {"a"}).ok());
  ASSERT_TRUE(model.ObserveBucket(2, {"a"}).ok());
  ASSERT_TRUE(model.ObserveBucket(3, {"a", "b"}).ok());
  // a: ((1 * .5 + 1) * .5 + 1) * .5 = 0.875; b: 1 * .5 = 0.5; a0 = 1.375.
  EXPECT_DOUBLE_EQ(model.Concentration("a"), 0.875);
  EXPECT_DOUBLE_EQ(model.Concentration("b"), 0.5);
  EXPECT_DOUBLE_EQ(model.total_concentration(), 1.375);
  // E[p_b] = 0.5 / 1.375 = 4/11 is the smallest, so P(b) = 4/11; P(a) sums everything = 1.
  EXPECT_DOUBLE_EQ(model.Probability("b"), 4.0 / 11.0);
  EXPECT_DOUBLE_EQ(model.Probability("a"), 1.0);
  EXPECT_EQ(model.FirstBucket("a"), 1);
  EXPECT_EQ(model.FirstBucket("b"), 3);
  EXPECT_EQ(model.LastBucket("a"), 3);
  EXPECT_EQ(model.category_count(), 2u);
}

TEST(RareModelTest, ConcentrationIsTheSumOfPowersOfAlpha) {
  RareModel model;  // default decay 0.00025 per bucket
  const double alpha = std::exp(-0.00025);
  double expected = 0.0;
  for (int k = 1; k <= 10; ++k) {
    ASSERT_TRUE(model.ObserveBucket(k, {"a"}).ok());
    expected = (expected + 1.0) * alpha;  // after k buckets: alpha + alpha^2 + ... + alpha^k
  }
  double sum_of_powers = 0.0;
  for (int j = 1; j <= 10; ++j) sum_of_powers += std::pow(alpha, j);
  EXPECT_NEAR(model.Concentration("a"), sum_of_powers, 1e-12);
  EXPECT_DOUBLE_EQ(model.Concentration("a"), expected);
  // A bucket without data neither adds nor decays (ml-cpp propagates only buckets with data).
  ASSERT_TRUE(model.ObserveBucket(11, {}).ok());
  EXPECT_DOUBLE_EQ(model.Concentration("a"), expected);
}

TEST(RareModelTest, RepeatsWithinABucketCountOnce) {
  RareModel model(Halving(false));
  ASSERT_TRUE(model.ObserveBucket(1, {"a", "a", "a", "b"}).ok());
  EXPECT_DOUBLE_EQ(model.Concentration("a"), 0.5);
  EXPECT_DOUBLE_EQ(model.Concentration("b"), 0.5);
}

TEST(RareModelTest, NewNameIncludesEveryNameNoMoreCommon) {
  RareModel model(Halving(false));
  ASSERT_TRUE(model.ObserveBucket(1, {"x", "y"}).ok());    // x = y = .5, a0 = 1
  ASSERT_TRUE(model.ObserveBucket(2, {"x"}).ok());         // x = .75, y = .25, a0 = 1
  ASSERT_TRUE(model.ObserveBucket(3, {"x", "new"}).ok());  // x = .875, new = .5, y = .125
  // a0 = 1.5: E[y] = 1/12, E[new] = 1/3, E[x] = 7/12.
  EXPECT_DOUBLE_EQ(model.Probability("y"), 1.0 / 12.0);
  // The brand-new name's share plus the older, now rarer, y: 1/3 + 1/12 = 5/12.
  EXPECT_DOUBLE_EQ(model.Probability("new"), 5.0 / 12.0);
  EXPECT_DOUBLE_EQ(model.Probability("x"), 1.0);
}

TEST(RareModelTest, TiesShareTheWholeTieGroup) {
  RareModel model(Halving(false));
  ASSERT_TRUE(model.ObserveBucket(1, {"a", "b", "c"}).ok());  // each .5, a0 = 1.5
  ASSERT_TRUE(model.ObserveBucket(2, {"c"}).ok());            // a = b = .25, c = .75, a0 = 1.25
  // E[a] = E[b] = 0.2, E[c] = 0.6: a and b each get the tie group's total 0.4.
  EXPECT_DOUBLE_EQ(model.Probability("a"), 0.4);
  EXPECT_DOUBLE_EQ(model.Probability("b"), 0.4);
  EXPECT_DOUBLE_EQ(model.Probability("c"), 1.0);
  // An unknown name gets the smallest cached probability, 0.4.
  EXPECT_DOUBLE_EQ(model.Probability("never-seen"), 0.4);
}

TEST(RareModelTest, EmptyModelGivesOne) {
  RareModel model;
  EXPECT_EQ(model.Probability("anything"), 1.0);
  EXPECT_EQ(model.MedianConcentration(), 0.0);
}

TEST(RareModelTest, PrunesNamesUnseenForLongerThanTheWindow) {
  RareModelOptions options = Halving(false);
  options.prune_window_buckets = 2;
  RareModel model(options);
  ASSERT_TRUE(model.ObserveBucket(1, {"a", "b"}).ok());
  ASSERT_TRUE(model.ObserveBucket(2, {"a"}).ok());
  ASSERT_TRUE(model.ObserveBucket(3, {"a"}).ok());
  EXPECT_EQ(model.category_count(), 2u);  // b unseen for 3 - 1 = 2 buckets: not more than 2
  ASSERT_TRUE(model.ObserveBucket(4, {"a"}).ok());
  EXPECT_EQ(model.category_count(), 1u);  // 4 - 1 = 3 > 2: b is removed
  EXPECT_EQ(model.Concentration("b"), 0.0);
  // a = 0.9375 after 4 buckets; pruning re-sums a0 to the survivors.
  EXPECT_DOUBLE_EQ(model.total_concentration(), 0.9375);
  EXPECT_DOUBLE_EQ(model.total_concentration(), model.Concentration("a"));
  // b returning is new again: first bucket 5, concentration 1 * .5.
  ASSERT_TRUE(model.ObserveBucket(5, {"b"}).ok());
  EXPECT_EQ(model.FirstBucket("b"), 5);
  EXPECT_DOUBLE_EQ(model.Concentration("b"), 0.5);
}

TEST(RareModelTest, RejectsBucketsOutOfOrder) {
  RareModel model;
  ASSERT_TRUE(model.ObserveBucket(10, {"a"}).ok());
  const double before = model.Concentration("a");
  const Status status = model.ObserveBucket(10, {"a"});
  EXPECT_EQ(status.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(model.ObserveBucket(9, {"a"}).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(model.Concentration("a"), before);
}

TEST(RareModelTest, SmoothingWithOneSampleStillUsesTheScaledLookup) {
  // No decay and a huge window make concentrations plain counts: a = 1, b = 3000, c = 12000,
  // a0 = 15001 > 10000, so ml-cpp uses n = 1 sample: the mean itself, looked up at 1.05 x.
  RareModelOptions options;
  options.decay_rate_per_bucket = 0.0;
  options.prune_window_buckets = 1'000'000;
  RareModel smoothed(options);
  options.beta_smoothing = false;
  RareModel plain(options);
  for (int bucket = 1; bucket <= 12000; ++bucket) {
    std::vector<std::string> present = {"c"};
    if (bucket <= 3000) present.push_back("b");
    if (bucket == 1) present.push_back("a");
    ASSERT_TRUE(smoothed.ObserveBucket(bucket, present).ok());
    ASSERT_TRUE(plain.ObserveBucket(bucket, present).ok());
  }
  ASSERT_EQ(smoothed.BetaSampleCount(), 1);
  const double a0 = 15001.0;
  // Plain shares: 1/a0, 3001/a0, 1.
  EXPECT_NEAR(plain.Probability("a"), 1.0 / a0, 1e-15);
  EXPECT_NEAR(plain.Probability("b"), 3001.0 / a0, 1e-15);
  EXPECT_NEAR(plain.Probability("c"), 1.0, 1e-15);
  // a: x = 1.05/a0 lies between E[a] = 1/a0 and E[b] = 3000/a0, weight 0.05/2999:
  // P = (1 - w) * 1/a0 + w * 3001/a0 = (1 + 3000 w) / a0.
  const double wa = 0.05 / 2999.0;
  EXPECT_NEAR(smoothed.Probability("a"), (1.0 + 3000.0 * wa) / a0, 1e-15);
  // b: x = 3150/a0 lies between 3000/a0 and 12000/a0, weight 150/9000 = 1/60:
  // P = (59/60) * 3001/a0 + (1/60) * 1 = 0.2133858.
  EXPECT_NEAR(smoothed.Probability("b"), (59.0 / 60.0) * 3001.0 / a0 + 1.0 / 60.0, 1e-12);
  // c: 1.05 x beyond the largest entry: the last cumulative, 1.
  EXPECT_NEAR(smoothed.Probability("c"), 1.0, 1e-15);
  // Unknown: the smallest, a's.
  EXPECT_EQ(smoothed.Probability("zzz"), smoothed.Probability("a"));
}

TEST(RareModelTest, SevenBetaSamplesForATwoNameModel) {
  // No decay: a = b = 1, a0 = 2 <= 100 -> n = 7 samples of Beta(1, 1): bin means (2k+1)/14.
  // The table is E = [.5, .5] with cumulative [1, 1]. Scaled samples 1.05 (2k+1)/14 =
  // .075, .225, .375, .525, .675, .825, .975: below .5 the lookup interpolates from (0, 0) to
  // (.5, 1) -> .15, .45, .75; above, it is 1. Mean = (.15 + .45 + .75 + 4) / 7 = 5.35 / 7.
  RareModelOptions options;
  options.decay_rate_per_bucket = 0.0;
  RareModel model(options);
  ASSERT_TRUE(model.ObserveBucket(1, {"a", "b"}).ok());
  ASSERT_EQ(model.BetaSampleCount(), 7);
  EXPECT_NEAR(model.Probability("a"), 5.35 / 7.0, 1e-12);
  EXPECT_NEAR(model.Probability("b"), 5.35 / 7.0, 1e-12);
}

TEST(RareModelTest, SmoothedProbabilityIsMonotoneAndBounded) {
  // Names seen in 1..12 of 12 buckets: twelve distinct concentrations, a0 <= 100 (n = 7).
  RareModel model;
  for (int bucket = 1; bucket <= 12; ++bucket) {
    std::vector<std::string> present;
    for (int name = 1; name <= 12; ++name) {
      if (bucket <= name) present.push_back("n" + std::to_string(name));
    }
    ASSERT_TRUE(model.ObserveBucket(bucket, present).ok());
  }
  ASSERT_EQ(model.BetaSampleCount(), 7);
  double previous = 0.0;
  for (int name = 1; name <= 12; ++name) {
    const double p = model.Probability("n" + std::to_string(name));
    EXPECT_GE(p, 0.0);
    EXPECT_LE(p, 1.0);
    EXPECT_GE(p, previous) << "n" << name;
    previous = p;
  }
  EXPECT_EQ(model.Probability("unknown"), model.Probability("n1"));
}

TEST(RareModelTest, NewNameInAMatureModel) {
  // 100 names in each of 200 buckets, then a new one with them (default options).
  RareModel model;
  std::vector<std::string> common;
  for (int i = 0; i < 100; ++i) common.push_back("proc" + std::to_string(i));
  for (int bucket = 1; bucket <= 200; ++bucket)
    ASSERT_TRUE(model.ObserveBucket(bucket, common).ok());
  std::vector<std::string> with_new = common;
  with_new.push_back("nc");
  ASSERT_TRUE(model.ObserveBucket(201, with_new).ok());
  const double alpha = std::exp(-0.00025);
  double c = 0.0;
  for (int j = 1; j <= 201; ++j) c += std::pow(alpha, j);  // each common name
  const double a = alpha;                                  // the new name
  const double a0 = 100.0 * c + a;
  ASSERT_NEAR(model.total_concentration(), a0, 1e-9);
  ASSERT_EQ(model.BetaSampleCount(), 1);  // a0 ~ 19950 > 10000
  // n = 1: x = 1.05 a/a0 between E[new] = a/a0 and E[common] = c/a0, weight w = 0.05 a / (c - a);
  // P = (1 - w) a/a0 + w * 1 ~ 5.0e-5 + 2.5e-4 = 3.0e-4: a record (< 0.035).
  const double w = 0.05 * a / (c - a);
  const double expected = (1.0 - w) * a / a0 + w;
  EXPECT_NEAR(model.Probability("nc"), expected, 1e-12);
  EXPECT_LT(model.Probability("nc"), 0.035);
  EXPECT_NEAR(model.Probability("proc7"), 1.0, 1e-12);
  EXPECT_NEAR(model.MedianConcentration(), c, 1e-9);
}

TEST(RareModelTest, StateRoundTripKeepsProbabilitiesExactly) {
  RareModel model;
  for (int bucket = 1; bucket <= 30; ++bucket) {
    std::vector<std::string> present = {"sshd", "curl"};
    if (bucket % 7 == 0) present.push_back("rsync");
    if (bucket == 29) present.push_back("nc");
    ASSERT_TRUE(model.ObserveBucket(bucket, present).ok());
  }
  const std::string state = model.SaveState();
  Result<RareModel> loaded = RareModel::LoadState(state, RareModelOptions{});
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  for (const char* name : {"sshd", "curl", "rsync", "nc", "unknown"}) {
    EXPECT_EQ(loaded->Probability(name), model.Probability(name)) << name;
    EXPECT_EQ(loaded->Concentration(name), model.Concentration(name)) << name;
  }
  EXPECT_EQ(loaded->FirstBucket("rsync"), 7);
  EXPECT_EQ(loaded->last_bucket(), 30);
  EXPECT_EQ(loaded->total_concentration(), model.total_concentration());
  // The reloaded model continues identically.
  ASSERT_TRUE(model.ObserveBucket(31, {"nc"}).ok());
  ASSERT_TRUE(loaded->ObserveBucket(31, {"nc"}).ok());
  EXPECT_EQ(loaded->Probability("nc"), model.Probability("nc"));
  EXPECT_EQ(loaded->SaveState(), model.SaveState());
}

TEST(RareModelTest, LoadStateRejectsMalformedBytes) {
  RareModel model;
  ASSERT_TRUE(model.ObserveBucket(1, {"a", "b"}).ok());
  const std::string state = model.SaveState();
  for (size_t cut = 0; cut < state.size(); ++cut) {
    EXPECT_FALSE(RareModel::LoadState(state.substr(0, cut), RareModelOptions{}).ok()) << cut;
  }
  EXPECT_FALSE(RareModel::LoadState(state + "x", RareModelOptions{}).ok());
  EXPECT_EQ(RareModel::LoadState("garbage", RareModelOptions{}).status().code(),
            Status::Code::kInvalidArgument);
  RareModelOptions bad;
  bad.prune_window_buckets = 0;
  EXPECT_FALSE(RareModel::LoadState(state, bad).ok());
}

TEST(RareModelTest, ProbabilitiesAgreeExactlyWithProbabilityPerName) {
  EXPECT_EQ(RareModel().Probabilities({"a", "b"}), (std::vector<double>{1.0, 1.0}));
  // a0 stays below 100 (7 Beta samples): "cron" and "ssh" tie (seen in the same buckets),
  // "curl" and "nc" do not; "nmap" is unknown.
  RareModel model;
  for (int64_t bucket = 1; bucket <= 12; ++bucket) {
    std::vector<std::string> present = {"cron", "ssh", "sshd"};
    if (bucket % 3 == 0) present.push_back("curl");
    if (bucket == 7) present.push_back("nc");
    ASSERT_TRUE(model.ObserveBucket(bucket, present).ok());
  }
  ASSERT_EQ(model.BetaSampleCount(), 7);
  const std::vector<std::string> names = {"cron", "curl", "nc", "nmap", "ssh", "sshd"};
  const std::vector<double> batch = model.Probabilities(names);
  ASSERT_EQ(batch.size(), names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(batch[i], model.Probability(names[i])) << names[i];  // bit-identical
  }
  EXPECT_EQ(batch[0], batch[4]);  // the tie
  EXPECT_LT(batch[2], batch[1]);  // nc (once) is rarer than curl (four times)
  EXPECT_EQ(batch[3], batch[2]);  // unknown: the least common known name's probability
}

TEST(RareModelTest, ProbabilitiesBelowACutoffAreExactAndTheOthersReachIt) {
  RareModel model;
  EXPECT_EQ(model.ProbabilitiesBelow({"a"}, 0.035), (std::vector<double>{1.0}));
  // Common names, a few rare ones and one seen once: some probabilities on each side of 0.3.
  for (int64_t bucket = 1; bucket <= 40; ++bucket) {
    std::vector<std::string> present = {"cron", "ssh", "sshd", "systemd"};
    if (bucket % 4 == 0) present.push_back("curl");
    if (bucket % 10 == 0) present.push_back("apt");
    if (bucket == 33) present.push_back("nc");
    ASSERT_TRUE(model.ObserveBucket(bucket, present).ok());
  }
  const std::vector<std::string> names = {"apt", "cron", "curl", "nc", "nmap", "ssh", "sshd"};
  const std::vector<double> exact = model.Probabilities(names);
  for (double cutoff : {0.0, 0.05, 0.3, 0.9, 2.0}) {
    const std::vector<double> below = model.ProbabilitiesBelow(names, cutoff);
    ASSERT_EQ(below.size(), names.size());
    for (size_t i = 0; i < names.size(); ++i) {
      if (exact[i] < cutoff) {
        EXPECT_EQ(below[i], exact[i]) << names[i] << " cutoff " << cutoff;  // bit-identical
      } else {
        EXPECT_GE(below[i], cutoff) << names[i] << " cutoff " << cutoff;
      }
    }
  }
  // The cutoff of 0.3 separates the names: some are exact, some are not evaluated.
  EXPECT_LT(exact[3], 0.3);
  EXPECT_GE(exact[1], 0.3);
}

// The names of `pool` a bucket holds: name i every (i + 2)th bucket, pool[1] in all of them.
std::vector<std::string> PresentIn(int64_t bucket, const std::vector<std::string>& pool) {
  std::vector<std::string> present;
  for (size_t i = 0; i < pool.size(); ++i) {
    if ((bucket + static_cast<int64_t>(i)) % static_cast<int64_t>(i + 2) == 0 || i == 1) {
      present.push_back(pool[i]);
    }
  }
  return present;
}

TEST(RareModelTest, UnsortedRepeatedNamesLearnAndScoreLikeSortedDistinctOnes) {
  // Buckets come sorted and distinct from BucketActivity; other callers may not sort them.
  // A short window prunes names on the way, and new names arrive between known ones.
  RareModelOptions options;
  options.prune_window_buckets = 3;
  RareModel sorted(options);
  RareModel shuffled(options);
  const std::vector<std::string> pool = {"apt", "cron", "curl", "nc", "ssh", "sshd", "wget"};
  for (int64_t bucket = 1; bucket <= 30; ++bucket) {
    const std::vector<std::string> present = PresentIn(bucket, pool);
    ASSERT_TRUE(sorted.ObserveBucket(bucket, present).ok());
    std::vector<std::string> messy(present.rbegin(), present.rend());
    messy.push_back(present.front());
    ASSERT_TRUE(shuffled.ObserveBucket(bucket, messy).ok());
    ASSERT_EQ(sorted.SaveState(), shuffled.SaveState()) << "bucket " << bucket;
    std::vector<std::string> asked = pool;
    asked.push_back("zsh");  // unknown
    std::vector<std::string> asked_backwards(asked.rbegin(), asked.rend());
    const std::vector<double> forwards = sorted.ProbabilitiesBelow(asked, 2.0);
    std::vector<double> backwards = shuffled.ProbabilitiesBelow(asked_backwards, 2.0);
    std::reverse(backwards.begin(), backwards.end());
    EXPECT_EQ(forwards, backwards) << "bucket " << bucket;  // bit-identical
    EXPECT_EQ(forwards, sorted.Probabilities(asked)) << "bucket " << bucket;
  }
  // Pruned and re-summed along the way, the incremental table equals one rebuilt from state.
  auto reloaded = RareModel::LoadState(sorted.SaveState(), options);
  ASSERT_TRUE(reloaded.ok());
  EXPECT_EQ(reloaded->ProbabilitiesBelow(pool, 2.0), sorted.ProbabilitiesBelow(pool, 2.0));
  EXPECT_LT(sorted.category_count(), pool.size());  // some were pruned
}

TEST(RareModelTest, ScoringTheNamesJustObservedAgreesWithLookingThemUp) {
  // ProbabilitiesBelow finds the names of the last ObserveBucket without searching; asked for
  // other names (as many, or the same in another order), or by a copy, it searches.
  RareModelOptions options;
  options.prune_window_buckets = 3;
  RareModel model(options);
  const std::vector<std::string> pool = {"apt", "cron", "curl", "nc", "ssh", "sshd", "wget"};
  for (int64_t bucket = 1; bucket <= 30; ++bucket) {
    const std::vector<std::string> present = PresentIn(bucket, pool);
    ASSERT_TRUE(model.ObserveBucket(bucket, present).ok());
    const RareModel copy = model;
    const std::vector<double> observed = model.ProbabilitiesBelow(present, 2.0);
    EXPECT_EQ(observed, model.Probabilities(present)) << "bucket " << bucket;  // bit-identical
    EXPECT_EQ(observed, copy.ProbabilitiesBelow(present, 2.0)) << "bucket " << bucket;
    std::vector<std::string> other = present;
    other.back() = "zsh";  // as many names, one unknown
    EXPECT_EQ(model.ProbabilitiesBelow(other, 2.0), model.Probabilities(other));
    std::vector<std::string> backwards(present.rbegin(), present.rend());
    EXPECT_EQ(model.ProbabilitiesBelow(backwards, 2.0), model.Probabilities(backwards));
  }
}

TEST(RareModelTest, ScoringAThousandNamesIsFast) {
  RareModel model;
  std::vector<std::string> names;
  for (int i = 0; i < 1000; ++i) names.push_back("process-" + std::to_string(i));
  for (int bucket = 1; bucket <= 20; ++bucket) ASSERT_TRUE(model.ObserveBucket(bucket, names).ok());
  ASSERT_EQ(model.BetaSampleCount(), 1);  // a0 ~ 19950
  const auto start = std::chrono::steady_clock::now();
  double sum = 0.0;
  for (const std::string& name : names) sum += model.Probability(name);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GT(sum, 0.0);
  const double ms = std::chrono::duration<double, std::milli>(elapsed).count();
  std::printf("1000 probabilities (n = 1): %.3f ms\n", ms);
  EXPECT_LT(ms, 20.0);  // generous for a shared 2-core machine; typically well under 1 ms
}

}  // namespace
}  // namespace ulna::server
