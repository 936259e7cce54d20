#include "server/detect/elastic_detector.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>

#include "server/detect/anomaly_score.h"

namespace ulna::server {
namespace {

const char kModelKey[] = "model/elastic/rare";
const char kNormalizerKey[] = "model/elastic/normalizer";

std::string Format(const char* format, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), format, value);
  return buffer;
}

}  // namespace

ElasticDetector::ElasticDetector() = default;

Status ElasticDetector::Load(const Store& store) {
  auto model = store.Get(Family::kMeta, kModelKey);
  if (model.ok()) {
    auto loaded = RareModel::LoadState(*model, RareModelOptions{});
    ULNA_RETURN_IF_ERROR(loaded.status().WithContext("elastic rare model"));
    model_ = std::move(loaded).value();
  } else if (model.status().code() != Status::Code::kNotFound) {
    return model.status();
  }
  auto normalizer = store.Get(Family::kMeta, kNormalizerKey);
  if (normalizer.ok()) {
    auto loaded = ScoreNormalizer::LoadState(*normalizer, ScoreNormalizerOptions{});
    ULNA_RETURN_IF_ERROR(loaded.status().WithContext("elastic score normaliser"));
    normalizer_ = std::move(loaded).value();
  } else if (normalizer.status().code() != Status::Code::kNotFound) {
    return normalizer.status();
  }
  return Status::Ok();
}

std::vector<AnomalyRecord> ElasticDetector::ScoreBucket(const BucketActivity& bucket,
                                                        const HistoryIndex& history,
                                                        const BucketFacts& facts) {
  std::vector<AnomalyRecord> records;
  const std::vector<std::string>& names = bucket.ProcessNames();
  normalizer_.AgeByBuckets(1);
  dirty_ = true;
  if (names.empty()) return records;  // ml-cpp does not decay on buckets without data

  const int64_t span = bucket.end_ns() - bucket.start_ns();
  // The model is updated before the bucket is scored (reference §3.2).
  if (!model_.ObserveBucket(bucket.start_ns() / span, names).ok()) return records;

  struct Scored {
    double probability;
    double raw;
    std::optional<double> score;  // normalised once, on the name's first record, for all hosts
  };
  // Names at or above the record threshold get no record and a raw score of 0, whatever their
  // exact probability.
  const std::vector<double> probabilities =
      model_.ProbabilitiesBelow(names, kRecordProbabilityThreshold);
  std::vector<Scored> scored;
  scored.reserve(names.size());
  std::vector<RawSample> samples;
  samples.reserve(names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    const double raw = RecordRawScore(probabilities[i]);
    scored.push_back(Scored{probabilities[i], raw, std::nullopt});
    samples.push_back(RawSample{names[i], raw});
  }
  (void)normalizer_.Update(samples);  // raw scores are finite and >= 0 by construction

  for (size_t g = 0; g < bucket.groups().size(); ++g) {
    const ProcessActivity& group = bucket.groups()[g];
    const size_t name = bucket.NameIndex(g);
    Scored& s = scored[name];
    if (s.probability >= kRecordProbabilityThreshold) continue;  // §3.5: no record written
    if (!s.score) s.score = normalizer_.Normalize(group.process_name, s.raw, s.probability);
    AnomalyRecord record;
    record.host = group.host;
    record.process_name = group.process_name;
    record.process_executable = group.first().process.executable;
    record.probability = s.probability;
    record.score = *s.score;
    const size_t hosts = bucket.HostCountAt(name);
    record.other_hosts = static_cast<uint32_t>(hosts - 1);
    record.context = BuildContext(group);
    record.context.capture_drops = facts.hosts_with_capture_loss.count(group.host.id) > 0;

    const ProcessHistory fleet = history.Fleet(group.process_name);
    record.reasons.push_back("process name '" + group.process_name +
                             "' is rare in the fleet's network activity: probability " +
                             Format("%.3g", s.probability) + " (records below 0.035)");
    if (fleet.first_seen_ns == 0) {
      record.reasons.push_back("no host used the network with this process name before");
    } else {
      record.reasons.push_back("fleet-wide it was active in " + std::to_string(fleet.buckets_seen) +
                               " earlier bucket(s) on " + std::to_string(fleet.hosts_seen) +
                               " host(s)");
    }
    record.reasons.push_back("seen on " + std::to_string(hosts) + " host(s) in this bucket");
    records.push_back(std::move(record));
  }
  return records;
}

void ElasticDetector::Persist(WriteGroup* group) {
  if (!dirty_) return;
  group->Put(Family::kMeta, kModelKey, model_.SaveState());
  group->Put(Family::kMeta, kNormalizerKey, normalizer_.SaveState());
  dirty_ = false;
}

}  // namespace ulna::server
