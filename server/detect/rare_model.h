// RareModel: the Elastic-compatible model behind `rare by process.name` — a time-decayed
// Dirichlet (multinomial conjugate) over category names, counting the buckets in which each name
// appeared, and the "probability of a less likely category" ml-cpp derives from it.
// Faithful to ml-cpp CMultinomialConjugate + CCategoryProbabilityCache; the differences are listed
// in docs/DETECTION-elastic.md. Not thread-safe: const methods fill a cache.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace ulna::server {

struct RareModelOptions {
  // Concentrations are multiplied by exp(-decay_rate_per_bucket) after every bucket with data.
  // ml-cpp: DEFAULT_DECAY_RATE 0.0005 x min(1, 900 s / 1800 s) for 15-minute buckets.
  double decay_rate_per_bucket = 0.00025;
  // A category unseen for more than this many buckets is removed (and is "new" if it returns).
  // Elasticsearch's model_prune_window default for jobs created in 8.1+: max(30d, 20 buckets),
  // i.e. 2880 fifteen-minute buckets. ml-cpp's own default without a window is
  // 4 / decay_rate = 16000 buckets.
  int64_t prune_window_buckets = 2880;
  // true: ml-cpp's Beta quantile-bin smoothing with the 1.05 x lookup. false: the plain share of
  // categories no more common than this one (a diagnostic; not what Elastic does).
  bool beta_smoothing = true;

  // InvalidArgument unless decay_rate_per_bucket is finite and >= 0 and the window is > 0.
  Status Validate() const;
};

class RareModel {
 public:
  explicit RareModel(RareModelOptions options = {});

  // Learns one bucket: every distinct name in `present` gets +1 (once, however often it
  // repeats), then — only if `present` is non-empty — every concentration decays by one bucket,
  // then names unseen for more than prune_window_buckets are removed. Call it BEFORE scoring the
  // bucket: ml-cpp samples the model before computing that bucket's probabilities.
  // InvalidArgument (and no change) unless bucket_index is after the last observed bucket.
  Status ObserveBucket(int64_t bucket_index, const std::vector<std::string>& present);

  // The record probability of `category` (ml-cpp CCategoryProbabilityCache::lookup): the
  // Beta-smoothed sum of E[p_j] over categories with E[p_j] <= E[p_category]. An unknown
  // category gets the smallest probability of any known one; an empty model gives 1.
  double Probability(std::string_view category) const;
  // Probability() of each of `categories`, in order. Each distinct concentration is evaluated
  // once: names that appeared in the same buckets share theirs, and the Beta smoothing of one
  // costs several incomplete-beta inversions.
  std::vector<double> Probabilities(const std::vector<std::string>& categories) const;
  // Probabilities() where only those below `cutoff` matter (scoring): each probability below
  // `cutoff` is exact, any other is reported as a value >= `cutoff`. Distinct concentrations are
  // evaluated rarest first, and the Beta smoothing stops at the first that reaches `cutoff`: the
  // probability is non-decreasing in the concentration, and the common names are most of them.
  std::vector<double> ProbabilitiesBelow(const std::vector<std::string>& categories,
                                         double cutoff) const;

  // The current concentration a_i (decayed count of buckets with the name); 0 when unknown.
  double Concentration(std::string_view category) const;
  // a_0, the sum of all concentrations.
  double total_concentration() const { return total_concentration_; }
  // The bucket in which the name was first (since its last pruning) or last seen.
  std::optional<int64_t> FirstBucket(std::string_view category) const;
  std::optional<int64_t> LastBucket(std::string_view category) const;
  size_t category_count() const { return categories_.size(); }
  // The last bucket passed to ObserveBucket, if any.
  std::optional<int64_t> last_bucket() const { return last_bucket_; }
  // n, the number of Beta samples used by Probability: 7, 5, 3 or 1 as a_0 grows.
  int BetaSampleCount() const;
  // The median concentration, for ml-cpp's explanation field by_field_relative_rarity =
  // median / a_i (explanation only; it does not affect the probability). 0 when empty.
  double MedianConcentration() const;

  // A compact versioned binary form of the learned state (not the options).
  std::string SaveState() const;
  // Rebuilds a model from SaveState output; InvalidArgument when the bytes are malformed.
  static Result<RareModel> LoadState(std::string_view state, RareModelOptions options);

 private:
  struct Category {
    double concentration = 0.0;
    int64_t first_bucket = 0;
    int64_t last_bucket = 0;
  };

  // Rebuilds the sorted E[p] table and the cumulative shares after the state changed.
  void RebuildTable();
  // RebuildTable given expected_ = every category's concentration, in map order.
  void BuildTableFromConcentrations();
  // Probability of a category with concentration a (> 0) against the current table.
  double ProbabilityForConcentration(double a) const;
  // The cumulative share at E[p] = x, linearly interpolated between table entries.
  double InterpolateCumulative(double x) const;

  using CategoryMap = std::map<std::string, Category, std::less<>>;

  RareModelOptions options_;
  CategoryMap categories_;
  double total_concentration_ = 0.0;
  std::optional<int64_t> last_bucket_;

  // Derived from the state by RebuildTable: E[p] for every category, ascending, and for each
  // entry the sum of E[p] over all entries <= it (ties share their whole group's sum).
  std::vector<double> expected_;
  std::vector<double> cumulative_;
  double smallest_concentration_ = 0.0;
  // The probability of smallest_concentration_, computed when first needed: a bucket's names
  // have just been counted, so they are rarely the least common.
  double SmallestProbability() const;
  mutable std::optional<double> smallest_probability_;
  // The categories of the names the last ObserveBucket counted, in its (sorted, distinct)
  // order: scoring asks for the same names next, and finds them here instead of walking the
  // map (a string comparison per category). None of them can have been pruned since. Only
  // `observed_by_` (this model at the time, not a copy of it) may use them.
  std::vector<const CategoryMap::value_type*> observed_;
  const RareModel* observed_by_ = nullptr;
};

}  // namespace ulna::server
