#include "server/detect/rare_model.h"

#include <algorithm>
#include <cmath>
#include <functional>

#include "common/byte_codec.h"
#include "server/detect/anomaly_score.h"

namespace ulna::server {
namespace {

constexpr uint64_t kStateMagic = 0x4d52;  // "RM"
constexpr uint64_t kStateVersion = 1;
// Smallest possible encoding of one category: empty name (1) + double (8) + two varints (2).
constexpr size_t kMinCategoryBytes = 11;

// ml-cpp detail::numberPriorSamples: fewer Beta samples as the prior narrows.
int SampleCountFor(double total_concentration) {
  if (total_concentration <= 100.0) return 7;
  if (total_concentration <= 1000.0) return 5;
  if (total_concentration <= 10000.0) return 3;
  return 1;
}

// ml-cpp scales each Beta sample by (1 + eps) before the table lookup so that two categories
// with nearly equal E[p] get nearly equal probabilities however many categories lie between.
constexpr double kLookupScale = 1.05;

}  // namespace

Status RareModelOptions::Validate() const {
  if (!std::isfinite(decay_rate_per_bucket) || decay_rate_per_bucket < 0.0) {
    return Status::InvalidArgument("rare model: decay_rate_per_bucket must be finite and >= 0");
  }
  if (prune_window_buckets <= 0) {
    return Status::InvalidArgument("rare model: prune_window_buckets must be > 0");
  }
  return Status::Ok();
}

RareModel::RareModel(RareModelOptions options) : options_(options) {}

Status RareModel::ObserveBucket(int64_t bucket_index, const std::vector<std::string>& present) {
  if (last_bucket_ && bucket_index <= *last_bucket_) {
    return Status::InvalidArgument("rare model: bucket " + std::to_string(bucket_index) +
                                   " is not after the last observed bucket " +
                                   std::to_string(*last_bucket_));
  }
  // ml-cpp adds one sample per by-value with a non-zero count: the unit is "buckets in which
  // the name appeared", so repeats within the bucket are collapsed first. A bucket's names
  // usually come sorted and distinct already.
  std::vector<std::string_view> distinct(present.begin(), present.end());
  const auto not_increasing = [](std::string_view a, std::string_view b) { return a >= b; };
  if (std::adjacent_find(distinct.begin(), distinct.end(), not_increasing) != distinct.end()) {
    std::sort(distinct.begin(), distinct.end());
    distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  }
  // Both sorted: one walk along the categories finds (or places) every name.
  observed_.clear();
  observed_by_ = this;
  auto it = categories_.begin();
  for (std::string_view name : distinct) {
    while (it != categories_.end() && it->first < name) ++it;
    if (it == categories_.end() || it->first != name) {
      // New categories start at NON_INFORMATIVE_CONCENTRATION = 0.
      it = categories_.emplace_hint(it, std::string(name),
                                    Category{0.0, bucket_index, bucket_index});
    }
    it->second.concentration += 1.0;
    it->second.last_bucket = bucket_index;
    total_concentration_ += 1.0;
    observed_.push_back(&*it);
  }

  // CMultinomialConjugate::propagateForwardsByTime(1), called only for buckets with data. The
  // factor is written as ml-cpp computes it so the arithmetic matches to the last bit.
  const bool decay = !distinct.empty() && total_concentration_ > 0.0;
  const double alpha = std::exp(-options_.decay_rate_per_bucket);
  const double factor =
      decay ? std::min(alpha * total_concentration_ / total_concentration_, 1.0) : 1.0;
  if (decay) total_concentration_ *= factor;

  // One pass decays every category, prunes (CIndividualModel::prune ->
  // CMultinomialConjugate::removeCategories) those unseen for longer than the window, and lists
  // the concentrations left, in map order, for the table.
  expected_.clear();
  bool pruned = false;
  for (auto category = categories_.begin(); category != categories_.end();) {
    if (bucket_index - category->second.last_bucket > options_.prune_window_buckets) {
      category = categories_.erase(category);
      pruned = true;
      continue;
    }
    if (decay) category->second.concentration *= factor;
    expected_.push_back(category->second.concentration);
    ++category;
  }
  if (pruned) {
    // removeCategories re-sums a_0, in map order as the concentrations are listed.
    total_concentration_ = 0.0;
    for (double concentration : expected_) total_concentration_ += concentration;
  }

  last_bucket_ = bucket_index;
  BuildTableFromConcentrations();
  return Status::Ok();
}

void RareModel::RebuildTable() {
  expected_.clear();
  for (const auto& [name, category] : categories_) expected_.push_back(category.concentration);
  BuildTableFromConcentrations();
}

void RareModel::BuildTableFromConcentrations() {
  smallest_concentration_ = 0.0;
  smallest_probability_ = 1.0;  // never used: an empty table answers 1 for every category
  if (categories_.empty() || !(total_concentration_ > 0.0)) {
    expected_.clear();
    cumulative_.clear();
    return;
  }

  double smallest_concentration = expected_.front();
  for (double& entry : expected_) {
    smallest_concentration = std::min(smallest_concentration, entry);
    entry /= total_concentration_;
  }
  std::sort(expected_.begin(), expected_.end());

  // P_i = sum of E[p_j] over E[p_j] <= E[p_i]; a tie group shares the sum through its end.
  cumulative_.resize(expected_.size());
  double running = 0.0;
  for (size_t i = 0; i < expected_.size();) {
    size_t j = i;
    while (j < expected_.size() && expected_[j] == expected_[i]) running += expected_[j++];
    std::fill(cumulative_.begin() + i, cumulative_.begin() + j, running);
    i = j;
  }

  // ml-cpp gives an unknown category the minimum over all cached probabilities. The smoothed
  // probability is non-decreasing in a_i (the Beta(a_i, a_0 - a_i) bin means grow with a_i and
  // the interpolated table is non-decreasing), so the minimum is the least common category's.
  smallest_concentration_ = smallest_concentration;
  smallest_probability_.reset();
}

double RareModel::SmallestProbability() const {
  if (!smallest_probability_) {
    smallest_probability_ = ProbabilityForConcentration(smallest_concentration_);
  }
  return *smallest_probability_;
}

double RareModel::InterpolateCumulative(double x) const {
  // The first entry with E[p] >= x (ml-cpp's upper_bound on (E[p], P, index) tuples against
  // (x, 0, 0) lands there because every P > 0), clamped to the last entry.
  const size_t r =
      std::min<size_t>(std::lower_bound(expected_.begin(), expected_.end(), x) - expected_.begin(),
                       expected_.size() - 1);
  const double fl = r > 0 ? expected_[r - 1] : 0.0;
  const double fr = expected_[r];
  const double pl = r > 0 ? cumulative_[r - 1] : 0.0;
  const double pr = cumulative_[r];
  const double alpha = std::min(fr - fl == 0.0 ? 0.0 : (x - fl) / (fr - fl), 1.0);
  return (1.0 - alpha) * pl + alpha * pr;
}

double RareModel::ProbabilityForConcentration(double a) const {
  const double mean = a / total_concentration_;
  if (!options_.beta_smoothing) {
    // The tie group of `mean` starts at the first entry equal to it; all share its cumulative.
    const size_t i = std::lower_bound(expected_.begin(), expected_.end(), mean) - expected_.begin();
    return cumulative_[std::min(i, cumulative_.size() - 1)];
  }
  // Average the table at 1.05 x each Beta sample — also when n = 1, where the one sample is the
  // mean itself (ml-cpp still applies the 1.05 lookup then).
  // b = a_0 - a_i; clamped because a_0 re-summed after pruning can differ from it by rounding.
  const std::vector<double> samples =
      BetaQuantileBinMeans(a, std::max(total_concentration_ - a, 0.0), BetaSampleCount());
  double sum = 0.0;
  for (double sample : samples) sum += InterpolateCumulative(kLookupScale * sample);
  return sum / static_cast<double>(samples.size());
}

double RareModel::Probability(std::string_view category) const {
  if (expected_.empty()) return 1.0;
  auto it = categories_.find(category);
  if (it == categories_.end()) return SmallestProbability();
  return ProbabilityForConcentration(it->second.concentration);
}

std::vector<double> RareModel::Probabilities(const std::vector<std::string>& categories) const {
  std::vector<double> probabilities;
  probabilities.reserve(categories.size());
  if (expected_.empty()) {
    probabilities.assign(categories.size(), 1.0);
    return probabilities;
  }
  // (concentration, probability) pairs already evaluated; few distinct values, so a vector.
  std::vector<std::pair<double, double>> evaluated;
  for (const std::string& category : categories) {
    auto it = categories_.find(category);
    if (it == categories_.end() || it->second.concentration == smallest_concentration_) {
      probabilities.push_back(SmallestProbability());
      continue;
    }
    const double a = it->second.concentration;
    auto known = std::find_if(evaluated.begin(), evaluated.end(),
                              [a](const std::pair<double, double>& e) { return e.first == a; });
    if (known == evaluated.end()) {
      evaluated.emplace_back(a, ProbabilityForConcentration(a));
      known = evaluated.end() - 1;
    }
    probabilities.push_back(known->second);
  }
  return probabilities;
}

std::vector<double> RareModel::ProbabilitiesBelow(const std::vector<std::string>& categories,
                                                  double cutoff) const {
  if (expected_.empty()) return std::vector<double>(categories.size(), 1.0);
  // The concentration of each category (an unknown one is scored as the least common). A
  // bucket's names come sorted and distinct: then one walk along the categories finds them all.
  std::vector<double> concentrations;
  concentrations.reserve(categories.size());
  // Mostly the names the last ObserveBucket counted: their categories are at hand.
  bool observed = observed_by_ == this && observed_.size() == categories.size();
  for (size_t i = 0; observed && i < categories.size(); ++i) {
    observed = observed_[i]->first == categories[i];
  }
  if (observed) {
    for (const CategoryMap::value_type* category : observed_) {
      concentrations.push_back(category->second.concentration);
    }
  } else {
    const bool sorted = std::adjacent_find(categories.begin(), categories.end(),
                                           std::greater_equal<>()) == categories.end();
    auto walk = categories_.begin();
    for (const std::string& category : categories) {
      auto it = categories_.end();
      if (sorted) {
        while (walk != categories_.end() && walk->first < category) ++walk;
        if (walk != categories_.end() && walk->first == category) it = walk;
      } else {
        it = categories_.find(category);
      }
      concentrations.push_back(it == categories_.end() ? smallest_concentration_
                                                       : it->second.concentration);
    }
  }
  std::vector<double> distinct = concentrations;
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  // The probability of each distinct concentration, cutoff from the first that reaches it.
  std::vector<double> evaluated(distinct.size(), cutoff);
  for (size_t i = 0; i < distinct.size(); ++i) {
    const double p = distinct[i] == smallest_concentration_
                         ? SmallestProbability()
                         : ProbabilityForConcentration(distinct[i]);
    evaluated[i] = p;
    if (p >= cutoff) break;
  }
  std::vector<double> probabilities;
  probabilities.reserve(categories.size());
  for (double a : concentrations) {
    probabilities.push_back(
        evaluated[std::lower_bound(distinct.begin(), distinct.end(), a) - distinct.begin()]);
  }
  return probabilities;
}

double RareModel::Concentration(std::string_view category) const {
  auto it = categories_.find(category);
  return it == categories_.end() ? 0.0 : it->second.concentration;
}

std::optional<int64_t> RareModel::FirstBucket(std::string_view category) const {
  auto it = categories_.find(category);
  if (it == categories_.end()) return std::nullopt;
  return it->second.first_bucket;
}

std::optional<int64_t> RareModel::LastBucket(std::string_view category) const {
  auto it = categories_.find(category);
  if (it == categories_.end()) return std::nullopt;
  return it->second.last_bucket;
}

int RareModel::BetaSampleCount() const { return SampleCountFor(total_concentration_); }

double RareModel::MedianConcentration() const {
  if (expected_.empty()) return 0.0;
  // expected_ is the sorted concentrations scaled by 1/a_0.
  const size_t n = expected_.size();
  const double median =
      n % 2 == 1 ? expected_[n / 2] : 0.5 * (expected_[n / 2 - 1] + expected_[n / 2]);
  return median * total_concentration_;
}

std::string RareModel::SaveState() const {
  std::string out;
  ByteWriter writer(&out);
  writer.Varint(kStateMagic);
  writer.Varint(kStateVersion);
  writer.Varint(last_bucket_ ? 1 : 0);
  writer.SignedVarint(last_bucket_.value_or(0));
  // a_0 is kept as ml-cpp keeps it (incrementally), not re-summed, so a reloaded model gives
  // bit-identical probabilities.
  writer.Double(total_concentration_);
  writer.Varint(categories_.size());
  for (const auto& [name, category] : categories_) {
    writer.String(name);
    writer.Double(category.concentration);
    writer.SignedVarint(category.first_bucket);
    writer.SignedVarint(category.last_bucket);
  }
  return out;
}

Result<RareModel> RareModel::LoadState(std::string_view state, RareModelOptions options) {
  ULNA_RETURN_IF_ERROR(options.Validate());
  auto bad = [](std::string_view what) {
    return Status::InvalidArgument(std::string("rare model state: ") + std::string(what));
  };
  ByteReader reader(state);
  if (reader.Varint() != kStateMagic || !reader.ok()) return bad("not a rare model state");
  if (reader.Varint() != kStateVersion || !reader.ok()) return bad("unsupported version");
  const uint64_t has_last_bucket = reader.Varint();
  const int64_t last_bucket = reader.SignedVarint();
  const double total = reader.Double();
  const uint64_t count = reader.Count(state.size() / kMinCategoryBytes);
  if (!reader.ok() || has_last_bucket > 1) return bad("truncated or corrupt header");
  if (!std::isfinite(total) || total < 0.0) return bad("invalid total concentration");

  RareModel model(options);
  if (has_last_bucket == 1) model.last_bucket_ = last_bucket;
  model.total_concentration_ = total;
  for (uint64_t i = 0; i < count; ++i) {
    std::string name = reader.String();
    Category category;
    category.concentration = reader.Double();
    category.first_bucket = reader.SignedVarint();
    category.last_bucket = reader.SignedVarint();
    if (!reader.ok()) return bad("truncated category");
    if (!std::isfinite(category.concentration) || category.concentration <= 0.0) {
      return bad("category '" + name + "' has an invalid concentration");
    }
    if (category.first_bucket > category.last_bucket || !model.last_bucket_ ||
        category.last_bucket > *model.last_bucket_) {
      return bad("category '" + name + "' has inconsistent buckets");
    }
    if (!model.categories_.empty() && name <= model.categories_.rbegin()->first) {
      return bad("categories are not in strictly increasing order");
    }
    model.categories_.emplace_hint(model.categories_.end(), std::move(name), category);
  }
  if (!reader.done()) return bad("trailing bytes");
  model.RebuildTable();
  return model;
}

}  // namespace ulna::server
