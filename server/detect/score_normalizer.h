// ScoreNormalizer: turns a record's raw anomaly score into Elastic's 0-100 record_score, shaped
// like ml-cpp's CAnomalyScore::CNormalizer — min(100, noise c0, rank c1, per-scope max c2,
// absolute c3) over a slowly decaying history of raw scores. Where and why it is simpler than
// ml-cpp (histogram for the q-digest, no renormalisation) is in docs/DETECTION-elastic.md.
// Not thread-safe for mutation; const methods may run concurrently.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace ulna::server {

struct ScoreNormalizerOptions {
  // ml-cpp's model decay rate for 15-minute buckets. Per-scope maxima age by
  // exp(-2 x rate) per bucket; the raw-score history by exp(-rate) once per
  // quantile_decay_buckets.
  double decay_rate_per_bucket = 0.00025;
  // CAnomalyDetectorModelConfig::bucketNormalizationFactor = min(1, bucket_span / 1800 s): a
  // history fraction F becomes the percentile 100 x F^(1 / factor).
  double bucket_normalization_factor = 0.5;
  // QUANTILE_DECAY_TIME (20) x CountPerSample (2), per the reference spec §3.8.
  int64_t quantile_decay_buckets = 40;
  // FORGET_MAX_SCORE_INTERVAL: a scope's maximum is dropped after this many buckets without an
  // update.
  int64_t forget_max_score_buckets = 50;

  // InvalidArgument unless the rate is finite and >= 0, the factor in (0, 1] and the intervals
  // are > 0.
  Status Validate() const;
};

// One raw score entering the history: `scope` is the by-field value (the process name) whose
// running maximum the score updates. Zero scores (non-anomalous values) belong here too.
struct RawSample {
  std::string scope;
  double raw_score = 0.0;
};

// The four ceilings whose minimum (capped at 100) is the normalised score, for explanations.
struct ScoreCeilings {
  double noise = 100.0;      // c0: multiple of the median raw score unless >= 50 % are zero
  double rank = 100.0;       // c1: percentile of the raw score in history through the knots
  double scope_max = 100.0;  // c2: relative to this scope's largest recent raw score
  double absolute = 100.0;   // c3: from the probability alone
};

class ScoreNormalizer {
 public:
  explicit ScoreNormalizer(ScoreNormalizerOptions options = {});

  // Ages the history by n buckets (call once per bucket before Update). n <= 0 does nothing.
  void AgeByBuckets(int64_t n);
  // Adds this bucket's raw scores to the history and the per-scope maxima; call BEFORE
  // normalising the bucket (ml-cpp includes the current scores). InvalidArgument, and nothing
  // applied, if any score is negative or not finite. Scores above 100 count as 100.
  Status Update(const std::vector<RawSample>& samples);
  // The normalised score in [0, 100] of a record with this raw score and probability p;
  // 0 when raw <= 0. With an empty history only c2 and c3 apply.
  double Normalize(std::string_view scope, double raw, double p) const;
  // The ceilings behind Normalize (each 100 when raw <= 0).
  ScoreCeilings Ceilings(std::string_view scope, double raw, double p) const;

  // The decayed number of raw scores in the history.
  double sample_weight() const { return sample_weight_; }
  // The aged maximum raw score of `scope`; 0 when it has none (never seen or forgotten).
  double MaxScore(std::string_view scope) const;
  size_t scope_count() const { return max_scores_.size(); }

  // A compact versioned binary form of the history and maxima (not the options).
  std::string SaveState() const;
  // Rebuilds a normaliser from SaveState output; InvalidArgument when the bytes are malformed.
  static Result<ScoreNormalizer> LoadState(std::string_view state, ScoreNormalizerOptions options);

 private:
  struct ScopeMax {
    double score = 0.0;
    int64_t buckets_since_update = 0;
  };

  // Ceilings c0 (with a history) and c2 of a raw score (clamped to 100) and its discrete form.
  double NoiseCeiling(uint32_t discrete) const;
  double ScopeMaxCeiling(std::string_view scope, double raw) const;
  // Whether the rank ceiling c1 of `discrete` is provably >= `score`, from one incomplete-beta
  // value instead of the two quantiles that give c1; false when it cannot tell.
  bool RankIsAtLeast(uint32_t discrete, double score) const;
  // The fraction of the history strictly below the bin of `discrete`.
  double FractionBelow(uint32_t discrete) const;
  // The discrete score (raw x 1000) at the median of the history.
  double MedianDiscrete() const;

  ScoreNormalizerOptions options_;
  // Decayed counts of raw x 1000 in log-spaced bins (bin 0 holds exactly zero).
  std::vector<double> bins_;
  double sample_weight_ = 0.0;
  double buckets_to_quantile_decay_;
  std::map<std::string, ScopeMax, std::less<>> max_scores_;
};

}  // namespace ulna::server
