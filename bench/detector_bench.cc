// Per-bucket cost of the detectors on a real scenario: replays dev1's buckets through each
// detection mode doing what AnomalyJob::CloseBucket does besides reading events and writing to
// RocksDB (score, record the history, persist history and model into a WriteGroup). Reads
// $ULNA_SHARED/scenarios/dev1/events.ndjson.gz (default /work/shared); skipped when absent.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/ecs_codec.h"
#include "common/line_reader.h"
#include "server/detect/detector.h"
#include "server/job/bucket_activity.h"
#include "server/job/datafeed_filter.h"
#include "server/job/history_index.h"
#include "server/job/job_config.h"
#include "server/store/store.h"

namespace ulna::server {
namespace {

constexpr int64_t kBucketSpanNs = 15 * 60 * 1'000'000'000LL;

std::string ArchivePath() {
  const char* shared = std::getenv("ULNA_SHARED");
  return std::string(shared != nullptr ? shared : "/work/shared") +
         "/scenarios/dev1/events.ndjson.gz";
}

// The archive's parsed events, read once (nullptr when the archive is absent or unreadable).
const std::vector<NetworkEvent>* Events() {
  static const std::vector<NetworkEvent>* events = [] {
    auto reader = LineReader::Open(ArchivePath());
    if (!reader.ok()) return static_cast<std::vector<NetworkEvent>*>(nullptr);
    auto* out = new std::vector<NetworkEvent>();
    EcsEventParser parser;
    std::string_view line;
    while ((*reader)->Next(&line)) {
      NetworkEvent event;
      ParseError error;
      if (parser.Parse(line, &event, &error)) out->push_back(std::move(event));
    }
    return out;
  }();
  return events;
}

// The archive's buckets as the job closes them in `mode`: the datafeed filter applied, one
// BucketActivity per 15-minute bucket from the first event's to the last's (empty ones too).
struct Buckets {
  std::vector<std::unique_ptr<BucketActivity>> buckets;
  size_t events = 0;
};

const Buckets* BucketsFor(DetectionMode mode) {
  static std::map<DetectionMode, std::unique_ptr<Buckets>> cache;
  auto it = cache.find(mode);
  if (it != cache.end()) return it->second.get();
  const std::vector<NetworkEvent>* events = Events();
  if (events == nullptr || events->empty()) return nullptr;
  const DatafeedFilter filter = DatafeedFilter::ForMode(mode);
  std::map<int64_t, std::vector<NetworkEvent>> by_bucket;
  int64_t first = INT64_MAX;
  int64_t last = INT64_MIN;
  for (const NetworkEvent& event : *events) {
    const int64_t start = event.time_ns - event.time_ns % kBucketSpanNs;
    first = std::min(first, start);
    last = std::max(last, start);
    if (filter.ExclusionReason(event) == nullptr) by_bucket[start].push_back(event);
  }
  auto out = std::make_unique<Buckets>();
  for (int64_t start = first; start <= last; start += kBucketSpanNs) {
    std::vector<NetworkEvent>& kept = by_bucket[start];
    out->events += kept.size();
    out->buckets.push_back(
        std::make_unique<BucketActivity>(start, start + kBucketSpanNs, std::move(kept)));
  }
  return cache.emplace(mode, std::move(out)).first->second.get();
}

// FNV-1a over the bytes of `data`, folded into *hash: a fingerprint of the records found, so that
// runs of different builds can be checked for identical results.
void Fold(std::string_view data, uint64_t* hash) {
  for (unsigned char c : data) *hash = (*hash ^ c) * 1099511628211ULL;
}

void FoldRecord(const AnomalyRecord& record, uint64_t* hash) {
  Fold(record.host.id, hash);
  Fold(record.process_name, hash);
  const double numbers[] = {record.score, record.probability};
  Fold(std::string_view(reinterpret_cast<const char*>(numbers), sizeof(numbers)), hash);
  for (const std::string& reason : record.reasons) Fold(reason, hash);
}

// One pass over all buckets with a fresh detector and history, as a new job replaying them.
void BM_DetectorReplay(benchmark::State& state, DetectionMode mode) {
  const Buckets* buckets = BucketsFor(mode);
  if (buckets == nullptr) return state.SkipWithError("scenario archive not found");
  size_t records = 0;
  size_t writes = 0;
  uint64_t hash = 14695981039346656037ULL;
  bool first_pass = true;
  for (auto _ : state) {
    std::unique_ptr<Detector> detector = MakeDetector(mode);
    HistoryIndex history;
    const BucketFacts facts;
    for (const auto& bucket : buckets->buckets) {
      std::vector<AnomalyRecord> found = detector->ScoreBucket(*bucket, history, facts);
      for (AnomalyRecord& record : found) {
        record.context.host_history = history.Host(record.host.id, record.process_name);
        record.context.fleet_history = history.Fleet(record.process_name);
        if (first_pass) FoldRecord(record, &hash);
      }
      records += found.size();
      for (const ProcessActivity& activity : bucket->groups()) {
        history.Record(bucket->start_ns(), activity.host.id, activity.process_name);
      }
      WriteGroup group;
      history.Persist(&group);
      detector->Persist(&group);
      writes += group.size();
      benchmark::DoNotOptimize(group);
    }
    first_pass = false;
  }
  const double passes = static_cast<double>(state.iterations());
  const double bucket_count = static_cast<double>(buckets->buckets.size());
  // µs per bucket is 1e6 / buckets_per_s (an inverted rate would print with a seconds unit).
  state.counters["buckets_per_s"] =
      benchmark::Counter(passes * bucket_count, benchmark::Counter::kIsRate);
  state.counters["events_per_s"] = benchmark::Counter(passes * static_cast<double>(buckets->events),
                                                      benchmark::Counter::kIsRate);
  state.counters["records_per_pass"] = static_cast<double>(records) / passes;
  state.counters["writes_per_bucket"] = static_cast<double>(writes) / (passes * bucket_count);
  // 48 bits of the first pass's record fingerprint, exact in a double.
  state.counters["records_fingerprint"] = static_cast<double>(hash >> 16);
}
BENCHMARK_CAPTURE(BM_DetectorReplay, ulna, DetectionMode::kUlna)
    ->Unit(benchmark::kMillisecond)
    ->MinTime(2.0);
BENCHMARK_CAPTURE(BM_DetectorReplay, elastic, DetectionMode::kElastic)
    ->Unit(benchmark::kMillisecond)
    ->MinTime(2.0);

}  // namespace
}  // namespace ulna::server

BENCHMARK_MAIN();
