#include "server/detect/score_normalizer.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <utility>

#include "common/byte_codec.h"
#include "server/detect/anomaly_score.h"

namespace ulna::server {
namespace {

constexpr uint64_t kStateMagic = 0x4e53;  // "SN"
constexpr uint64_t kStateVersion = 1;

// ml-cpp keeps raw scores as integers raw x 1000 (DISCRETIZATION_FACTOR) in a q-digest. We keep
// them in bins 1 % wide (ratio 1.01) from 1 to 100000, plus bin 0 for exactly zero — bounded
// state with a relative resolution close to what a 201-node q-digest gives at high quantiles.
constexpr double kDiscretization = 1000.0;
constexpr double kMaxRaw = 100.0;
constexpr double kBinRatio = 1.01;
const double kLogBinRatio = std::log(kBinRatio);

size_t BinOf(uint32_t discrete) {
  if (discrete == 0) return 0;
  return 1 +
         static_cast<size_t>(std::floor(std::log(static_cast<double>(discrete)) / kLogBinRatio));
}
const size_t kBinCount = BinOf(static_cast<uint32_t>(kMaxRaw * kDiscretization)) + 1;

// The geometric centre of bin b >= 1 in discrete units; 0 for bin 0.
double BinCentre(size_t bin) {
  return bin == 0 ? 0.0 : std::pow(kBinRatio, static_cast<double>(bin) - 0.5);
}

uint32_t Discretize(double raw) {
  return static_cast<uint32_t>(kDiscretization * std::min(raw, kMaxRaw) + 0.5);
}

// ml-cpp's default normalizedScoreKnotPoints: percentile of the raw score -> ceiling c1.
constexpr std::array<std::pair<double, double>, 9> kKnots = {{{0.0, 0.0},
                                                              {70.0, 1.0},
                                                              {85.0, 1.2},
                                                              {90.0, 1.5},
                                                              {95.0, 3.0},
                                                              {97.0, 20.0},
                                                              {99.0, 50.0},
                                                              {99.9, 90.0},
                                                              {100.0, 100.0}}};
// The noise ceiling: noise percentile 50, multiplier 1, and the knot value at the first knot at
// or above the noise percentile (70 -> 1).
constexpr double kNoisePercentile = 50.0;
constexpr double kNoiseMultiplier = 1.0;
constexpr double kNoiseKnotValue = 1.0;
// c1 uses a 70 % credible interval for the true fraction below the score.
constexpr double kConfidence = 70.0;

// The knot mapping, as ml-cpp interpolates it: the first knot at or above the percentile and
// the one before it (never before the first).
double KnotScore(double percentile) {
  size_t i = std::lower_bound(kKnots.begin(), kKnots.end(), percentile,
                              [](const auto& knot, double p) { return knot.first < p; }) -
             kKnots.begin();
  i = std::max<size_t>(i, 1);
  if (i >= kKnots.size()) return 100.0;
  const auto& [left_pct, left_score] = kKnots[i - 1];
  const auto& [right_pct, right_score] = kKnots[i];
  return left_score + (right_score - left_score) * (percentile - left_pct) / (right_pct - left_pct);
}

// The percentile at which KnotScore reaches `score` (0 < score <= 100): the knots increase
// strictly, so this inverts them.
double KnotPercentile(double score) {
  size_t i = 1;
  while (i + 1 < kKnots.size() && kKnots[i].second < score) ++i;
  const auto& [left_pct, left_score] = kKnots[i - 1];
  const auto& [right_pct, right_score] = kKnots[i];
  return left_pct + (right_pct - left_pct) * (score - left_score) / (right_score - left_score);
}

// CQDigest::cdfQuantile: the q-quantile of the posterior of a fraction observed as p in n
// samples, Beta(n p + 1/3, n (1 - p) + 1/3).
double CdfQuantile(double n, double p, double q) {
  if (q == 0.5) return p;
  return BetaQuantile(n * p + 1.0 / 3.0, n * (1.0 - p) + 1.0 / 3.0, q);
}

}  // namespace

Status ScoreNormalizerOptions::Validate() const {
  if (!std::isfinite(decay_rate_per_bucket) || decay_rate_per_bucket < 0.0) {
    return Status::InvalidArgument("score normalizer: decay_rate_per_bucket must be >= 0");
  }
  if (!(bucket_normalization_factor > 0.0 && bucket_normalization_factor <= 1.0)) {
    return Status::InvalidArgument("score normalizer: bucket_normalization_factor in (0, 1]");
  }
  if (quantile_decay_buckets <= 0 || forget_max_score_buckets <= 0) {
    return Status::InvalidArgument("score normalizer: decay and forget intervals must be > 0");
  }
  return Status::Ok();
}

ScoreNormalizer::ScoreNormalizer(ScoreNormalizerOptions options)
    : options_(options),
      bins_(kBinCount, 0.0),
      buckets_to_quantile_decay_(static_cast<double>(options.quantile_decay_buckets)) {}

void ScoreNormalizer::AgeByBuckets(int64_t n) {
  if (n <= 0) return;
  const double buckets = static_cast<double>(n);
  const double alpha = std::exp(-2.0 * options_.decay_rate_per_bucket * buckets);
  for (auto it = max_scores_.begin(); it != max_scores_.end();) {
    it->second.score *= alpha;
    it->second.buckets_since_update += n;
    if (it->second.buckets_since_update > options_.forget_max_score_buckets) {
      it = max_scores_.erase(it);
    } else {
      ++it;
    }
  }

  // Quantiles age only once per quantile_decay_buckets so that high quantiles stay well
  // estimated. ml-cpp's countdown update goes wrong when a call spans more than one whole
  // interval; this counts whole intervals, and agrees with it otherwise (e.g. n = 1).
  const double interval = static_cast<double>(options_.quantile_decay_buckets);
  buckets_to_quantile_decay_ -= buckets;
  if (buckets_to_quantile_decay_ <= 0.0) {
    const double steps = std::floor((interval - buckets_to_quantile_decay_) / interval);
    const double factor = std::exp(-options_.decay_rate_per_bucket * steps);
    for (double& bin : bins_) bin *= factor;
    sample_weight_ *= factor;
    buckets_to_quantile_decay_ += steps * interval;
  }
}

Status ScoreNormalizer::Update(const std::vector<RawSample>& samples) {
  for (const RawSample& sample : samples) {
    if (!std::isfinite(sample.raw_score) || sample.raw_score < 0.0) {
      return Status::InvalidArgument("score normalizer: invalid raw score for '" + sample.scope +
                                     "'");
    }
  }
  for (const RawSample& sample : samples) {
    const double raw = std::min(sample.raw_score, kMaxRaw);
    bins_[BinOf(Discretize(raw))] += 1.0;
    sample_weight_ += 1.0;
    auto it = max_scores_.find(sample.scope);
    if (it == max_scores_.end()) it = max_scores_.emplace(sample.scope, ScopeMax{}).first;
    it->second.score = std::max(it->second.score, raw);
    it->second.buckets_since_update = 0;
  }
  return Status::Ok();
}

double ScoreNormalizer::FractionBelow(uint32_t discrete) const {
  const size_t bin = BinOf(discrete);
  double below = 0.0;
  for (size_t i = 0; i < bin; ++i) below += bins_[i];
  return std::clamp(below / sample_weight_, 0.0, 1.0);
}

double ScoreNormalizer::MedianDiscrete() const {
  const double target = 0.5 * sample_weight_;
  double running = 0.0;
  for (size_t i = 0; i < bins_.size(); ++i) {
    running += bins_[i];
    if (running >= target) return BinCentre(i);
  }
  return BinCentre(bins_.size() - 1);
}

ScoreCeilings ScoreNormalizer::Ceilings(std::string_view scope, double raw, double p) const {
  ScoreCeilings ceilings;
  if (!(raw > 0.0)) return ceilings;
  raw = std::min(raw, kMaxRaw);
  const uint32_t discrete = Discretize(raw);

  if (sample_weight_ > 0.0) {
    ceilings.noise = NoiseCeiling(discrete);

    // c1 rank: a credible interval for the fraction of history below this score, converted to
    // a 30-minute-bucket percentile, through the knots, averaged over the two ends.
    const double below = FractionBelow(discrete);
    const double lower = CdfQuantile(sample_weight_, below, (100.0 - kConfidence) / 200.0);
    const double upper = CdfQuantile(sample_weight_, below, (100.0 + kConfidence) / 200.0);
    double lower_pct = 100.0 * std::pow(lower, 1.0 / options_.bucket_normalization_factor);
    double upper_pct = 100.0 * std::pow(upper, 1.0 / options_.bucket_normalization_factor);
    if (lower_pct > upper_pct) std::swap(lower_pct, upper_pct);
    lower_pct = std::clamp(lower_pct, 0.0, 100.0);
    upper_pct = std::clamp(upper_pct, 0.0, 100.0);
    ceilings.rank = 0.5 * (KnotScore(lower_pct) + KnotScore(upper_pct));
  }

  ceilings.scope_max = ScopeMaxCeiling(scope, raw);
  ceilings.absolute = AbsoluteCeiling(p);
  return ceilings;
}

double ScoreNormalizer::NoiseCeiling(uint32_t discrete) const {
  if (!(sample_weight_ > 0.0)) return 100.0;
  // c0 noise: signal strength 10 x (raw - median raw), plus 100 whenever at least half of the
  // history is zero (F(0) >= noise percentile).
  const double signal = kNoiseMultiplier * 10.0 / kDiscretization * (discrete - MedianDiscrete());
  const double zero_fraction = bins_[0] / sample_weight_;
  return kNoiseKnotValue * std::max(1.0 + signal, 0.0) +
         100.0 * std::max(2.0 * std::min(100.0 * zero_fraction / kNoisePercentile, 1.0) - 1.0, 0.0);
}

double ScoreNormalizer::ScopeMaxCeiling(std::string_view scope, double raw) const {
  // c2: 100 x min(1.5 r, 0.5 + 0.5 r) with r = raw / this scope's maximum; no cap without one.
  const double max_score = MaxScore(scope);
  if (!(max_score > 0.0)) return 100.0;
  const double ratio = raw / max_score;
  return 100.0 * std::min(1.5 * ratio, 0.5 + 0.5 * ratio);
}

bool ScoreNormalizer::RankIsAtLeast(uint32_t discrete, double score) const {
  if (!(score > 0.0)) return true;           // knot scores are >= 0
  if (!(sample_weight_ > 0.0)) return true;  // no history: the rank ceiling is 100
  if (score > 100.0) return false;
  // The rank is the mean of the knot scores of the two ends of the credible interval, so it is
  // at least the knot score of the lower end (the 15 % quantile of the fraction below). That is
  // at least `score` when the quantile is at least x, the fraction whose percentile reaches
  // `score` through the knots; checked here with margins far wider than the rounding of the
  // quantile search, so that the computed interval (not just the exact one) lies above x.
  const double x =
      std::pow(KnotPercentile(score) / 100.0, options_.bucket_normalization_factor) * (1.0 + 1e-9);
  if (!(x < 1.0)) return false;
  if (KnotScore(100.0 * std::pow(x, 1.0 / options_.bucket_normalization_factor)) < score) {
    return false;
  }
  const double below = FractionBelow(discrete);
  const double q = (100.0 - kConfidence) / 200.0;
  // P(fraction <= x) under the posterior of CdfQuantile: well below q means its q-quantile is
  // above x.
  const double cdf_at_x = RegularizedIncompleteBeta(sample_weight_ * below + 1.0 / 3.0,
                                                    sample_weight_ * (1.0 - below) + 1.0 / 3.0, x);
  return cdf_at_x < q * (1.0 - 1e-6);
}

double ScoreNormalizer::Normalize(std::string_view scope, double raw, double p) const {
  if (!(raw > 0.0)) return 0.0;
  // The rank ceiling costs two Beta quantiles (most of a record's scoring); the others are
  // cheap. When the rank provably does not go below them, the minimum is theirs.
  const double clamped = std::min(raw, kMaxRaw);
  const double others = std::min(
      {NoiseCeiling(Discretize(clamped)), ScopeMaxCeiling(scope, clamped), AbsoluteCeiling(p)});
  if (RankIsAtLeast(Discretize(clamped), others)) return std::clamp(others, 0.0, 100.0);
  const ScoreCeilings c = Ceilings(scope, raw, p);
  return std::clamp(std::min({c.noise, c.rank, c.scope_max, c.absolute}), 0.0, 100.0);
}

double ScoreNormalizer::MaxScore(std::string_view scope) const {
  auto it = max_scores_.find(scope);
  return it == max_scores_.end() ? 0.0 : it->second.score;
}

std::string ScoreNormalizer::SaveState() const {
  std::string out;
  ByteWriter writer(&out);
  writer.Varint(kStateMagic);
  writer.Varint(kStateVersion);
  writer.Double(sample_weight_);
  writer.Double(buckets_to_quantile_decay_);
  size_t non_empty = 0;
  for (double bin : bins_) non_empty += bin != 0.0 ? 1 : 0;
  writer.Varint(non_empty);
  for (size_t i = 0; i < bins_.size(); ++i) {
    if (bins_[i] == 0.0) continue;
    writer.Varint(i);
    writer.Double(bins_[i]);
  }
  writer.Varint(max_scores_.size());
  for (const auto& [scope, max] : max_scores_) {
    writer.String(scope);
    writer.Double(max.score);
    writer.Varint(static_cast<uint64_t>(max.buckets_since_update));
  }
  return out;
}

Result<ScoreNormalizer> ScoreNormalizer::LoadState(std::string_view state,
                                                   ScoreNormalizerOptions options) {
  ULNA_RETURN_IF_ERROR(options.Validate());
  auto bad = [](std::string_view what) {
    return Status::InvalidArgument(std::string("score normalizer state: ") + std::string(what));
  };
  ByteReader reader(state);
  if (reader.Varint() != kStateMagic || !reader.ok()) return bad("not a normalizer state");
  if (reader.Varint() != kStateVersion || !reader.ok()) return bad("unsupported version");
  ScoreNormalizer normalizer(options);
  normalizer.sample_weight_ = reader.Double();
  normalizer.buckets_to_quantile_decay_ = reader.Double();
  const uint64_t bins = reader.Count(kBinCount);
  if (!reader.ok()) return bad("truncated header");
  if (!std::isfinite(normalizer.sample_weight_) || normalizer.sample_weight_ < 0.0 ||
      !std::isfinite(normalizer.buckets_to_quantile_decay_)) {
    return bad("invalid header values");
  }
  int64_t previous = -1;
  for (uint64_t i = 0; i < bins; ++i) {
    const uint64_t index = reader.Varint();
    const double weight = reader.Double();
    if (!reader.ok()) return bad("truncated histogram");
    if (index >= kBinCount || static_cast<int64_t>(index) <= previous || !std::isfinite(weight) ||
        weight <= 0.0) {
      return bad("invalid histogram bin");
    }
    normalizer.bins_[index] = weight;
    previous = static_cast<int64_t>(index);
  }
  // Each scope needs at least 1 (name) + 8 (score) + 1 (age) bytes.
  const uint64_t scopes = reader.Count(state.size() / 10);
  if (!reader.ok()) return bad("truncated scope count");
  for (uint64_t i = 0; i < scopes; ++i) {
    std::string scope = reader.String();
    ScopeMax max;
    max.score = reader.Double();
    const uint64_t age = reader.Varint();
    if (!reader.ok()) return bad("truncated scope");
    // An age past the forget interval is kept: the next AgeByBuckets drops it.
    if (!std::isfinite(max.score) || max.score < 0.0 || age > uint64_t{INT64_MAX}) {
      return bad("scope '" + scope + "' has an invalid maximum");
    }
    max.buckets_since_update = static_cast<int64_t>(age);
    if (!normalizer.max_scores_.emplace(std::move(scope), max).second) {
      return bad("duplicate scope");
    }
  }
  if (!reader.done()) return bad("trailing bytes");
  return normalizer;
}

}  // namespace ulna::server
