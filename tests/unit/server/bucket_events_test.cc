// BucketEvents: buckets served from memory after a fresh start, late events dropped, a reused
// store read from the event log, and the job scoring the same from memory as from the log.
#include "server/job/bucket_events.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/duration.h"
#include "server/detect/detector.h"
#include "server/ingest/ingest_pipeline.h"
#include "server/job/anomaly_job.h"
#include "tests/unit/server/job_test_events.h"

namespace ulna::server {
namespace {

constexpr int64_t kMinute = kNanosPerMinute;
constexpr int64_t kSpan = 15 * kMinute;
constexpr int64_t kT0 = 1790812800LL * kNanosPerSecond;  // 2026-10-01T00:00:00Z, span-aligned

std::vector<std::string> Names(const std::vector<EventRun>& runs) {
  std::vector<std::string> names;
  for (const EventRun& run : runs) {
    for (const NetworkEvent& e : run.events()) names.emplace_back(e.process.name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

class BucketEventsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/ulna-bucket-events-test-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<Store> OpenStore(const std::string& name) {
    auto store = Store::Open(StoreOptions{dir_ + "/" + name, false});
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  // Stores `events` as an archive would be and returns them, sorted, as Add() receives them.
  std::vector<NetworkEvent> StoreEvents(Store* store, std::vector<NetworkEvent> events) {
    IngestPipeline ingest(
        store, IngestOptions{kNanosPerDay, 0}, [] { return kT0; }, [] { return int64_t{0}; });
    PreparedArchiveEvents prepared = ingest.PrepareArchiveEvents(std::move(events));
    EXPECT_TRUE(ingest.StorePreparedArchiveEvents(&prepared, false).ok());
    return std::move(prepared.events);
  }

  std::string dir_;
};

TEST_F(BucketEventsTest, FreshStoreServesEachBucketFromMemory) {
  auto store = OpenStore("db");
  auto buffered = BufferedBucketEvents::Open(store.get(), kSpan);
  ASSERT_TRUE(buffered.ok()) << buffered.status().ToString();
  buffered->Add(StoreEvents(store.get(), {MakeJobTestEvent(kT0 + kMinute, "web-1", "nginx"),
                                          MakeJobTestEvent(kT0 + 14 * kMinute, "web-1", "curl"),
                                          MakeJobTestEvent(kT0 + kSpan, "web-1", "wget")}));
  EXPECT_EQ(buffered->pending_events(), 3u);

  std::vector<EventRun> first;
  ASSERT_TRUE(buffered->Take(kT0, kT0 + kSpan, &first).ok());
  EXPECT_EQ(Names(first), (std::vector<std::string>{"curl", "nginx"}));
  EXPECT_EQ(buffered->pending_events(), 1u);  // the next bucket's event stays

  std::vector<EventRun> second;
  ASSERT_TRUE(buffered->Take(kT0 + kSpan, kT0 + 2 * kSpan, &second).ok());
  EXPECT_EQ(Names(second), (std::vector<std::string>{"wget"}));
  EXPECT_EQ(buffered->pending_events(), 0u);
}

TEST_F(BucketEventsTest, EventsOfBucketsAlreadyTakenAreDropped) {
  auto store = OpenStore("db");
  auto buffered = BufferedBucketEvents::Open(store.get(), kSpan);
  ASSERT_TRUE(buffered.ok());
  std::vector<EventRun> taken;
  ASSERT_TRUE(buffered->Take(kT0, kT0 + kSpan, &taken).ok());
  EXPECT_TRUE(taken.empty());
  buffered->Add(
      StoreEvents(store.get(), {MakeJobTestEvent(kT0 + 3 * kMinute, "web-1", "late"),
                                MakeJobTestEvent(kT0 + kSpan + kMinute, "web-1", "on-time")}));
  EXPECT_EQ(buffered->pending_events(), 1u);
  ASSERT_TRUE(buffered->Take(kT0 + kSpan, kT0 + 2 * kSpan, &taken).ok());
  EXPECT_EQ(Names(taken), (std::vector<std::string>{"on-time"}));
}

// Add() cuts a sorted block into one run per bucket and sorts any other block first; both give
// each bucket all of its events, and a block spanning buckets outlives the first one taken.
TEST_F(BucketEventsTest, SortedAndUnsortedAddsFillTheSameBuckets) {
  auto store = OpenStore("db");
  auto buffered = BufferedBucketEvents::Open(store.get(), kSpan);
  ASSERT_TRUE(buffered.ok());
  std::vector<EventRun> taken;
  ASSERT_TRUE(buffered->Take(kT0, kT0 + kSpan, &taken).ok());
  // Unsorted, with a late event in the middle.
  std::vector<NetworkEvent> unsorted = {MakeJobTestEvent(kT0 + 2 * kSpan, "web-1", "c"),
                                        MakeJobTestEvent(kT0 + kMinute, "web-1", "late"),
                                        MakeJobTestEvent(kT0 + kSpan, "web-1", "a")};
  buffered->Add(std::move(unsorted));
  EXPECT_EQ(buffered->pending_events(), 2u);
  // Sorted blocks: one inside an empty bucket, then one adding to two buckets.
  buffered->Add({MakeJobTestEvent(kT0 + 3 * kSpan, "web-1", "d"),
                 MakeJobTestEvent(kT0 + 3 * kSpan + kMinute, "web-1", "e")});
  buffered->Add({MakeJobTestEvent(kT0 + kSpan + kMinute, "web-1", "b"),
                 MakeJobTestEvent(kT0 + 3 * kSpan + 2 * kMinute, "web-1", "f")});
  EXPECT_EQ(buffered->pending_events(), 6u);
  const std::vector<std::vector<std::string>> want = {{"a", "b"}, {"c"}, {"d", "e", "f"}};
  for (int i = 0; i < 3; ++i) {
    taken.clear();
    ASSERT_TRUE(buffered->Take(kT0 + (i + 1) * kSpan, kT0 + (i + 2) * kSpan, &taken).ok());
    EXPECT_EQ(Names(taken), want[i]) << "bucket " << i + 1;
  }
  EXPECT_EQ(buffered->pending_events(), 0u);
}

TEST_F(BucketEventsTest, ReusedStoreReadsBucketsWithOlderEventsFromTheLog) {
  auto store = OpenStore("db");
  // Stored by an earlier run: the buffer never saw it.
  StoreEvents(store.get(), {MakeJobTestEvent(kT0 + 2 * kMinute, "web-1", "older")});
  auto buffered = BufferedBucketEvents::Open(store.get(), kSpan);
  ASSERT_TRUE(buffered.ok());
  buffered->Add(StoreEvents(store.get(), {MakeJobTestEvent(kT0 + 4 * kMinute, "web-1", "newer"),
                                          MakeJobTestEvent(kT0 + 2 * kSpan, "web-1", "later")}));

  std::vector<EventRun> first;
  ASSERT_TRUE(buffered->Take(kT0, kT0 + kSpan, &first).ok());
  EXPECT_EQ(Names(first), (std::vector<std::string>{"newer", "older"}));  // each once
  std::vector<EventRun> second;
  ASSERT_TRUE(buffered->Take(kT0 + kSpan, kT0 + 2 * kSpan, &second).ok());
  EXPECT_TRUE(second.empty());
  std::vector<EventRun> third;
  ASSERT_TRUE(buffered->Take(kT0 + 2 * kSpan, kT0 + 3 * kSpan, &third).ok());
  EXPECT_EQ(Names(third), (std::vector<std::string>{"later"}));
}

TEST_F(BucketEventsTest, RejectsANonPositiveSpan) {
  auto store = OpenStore("db");
  EXPECT_EQ(BufferedBucketEvents::Open(store.get(), 0).status().code(),
            Status::Code::kInvalidArgument);
}

// Runs the elastic job over `chunks` (stored and advanced one chunk at a time) and returns
// its alert file; from memory when `buffered`, else from the event log.
std::string RunJob(const std::string& dir, const std::vector<std::vector<NetworkEvent>>& chunks,
                   bool buffered) {
  auto store = Store::Open(StoreOptions{dir + "/db", false});
  EXPECT_TRUE(store.ok());
  auto output = AlertOutput::Open(dir + "/alerts.ndjson");
  EXPECT_TRUE(output.ok());
  auto memory = BufferedBucketEvents::Open(store->get(), kSpan);
  EXPECT_TRUE(memory.ok());
  JobConfig config;
  config.mode = DetectionMode::kElastic;
  config.bucket_span_ns = kSpan;
  config.query_delay_ns = kMinute;
  config.rule_interval_ns = kSpan;
  config.lookback_ns = 3 * kSpan;
  config.alert_threshold = 0;
  AnomalyJob job(config, store->get(), MakeDetector(config.mode),
                 AlertSinks{output->get(), nullptr}, buffered ? &*memory : nullptr);
  EXPECT_TRUE(job.Open().ok());
  IngestPipeline ingest(
      store->get(), IngestOptions{kNanosPerDay * 365, 0}, [] { return kT0; },
      [&job] { return job.closed_before_ns(); });
  int64_t clock = 0;
  for (const std::vector<NetworkEvent>& chunk : chunks) {
    PreparedArchiveEvents prepared = ingest.PrepareArchiveEvents(chunk);
    EXPECT_TRUE(ingest.StorePreparedArchiveEvents(&prepared, false).ok());
    clock = std::max(clock, prepared.events.back().time_ns);
    memory->Add(std::move(prepared.events));
    EXPECT_TRUE(job.AdvanceTo(clock).ok());
  }
  EXPECT_TRUE(job.AdvanceTo(clock + 2 * kSpan).ok());
  std::ifstream in(dir + "/alerts.ndjson");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST_F(BucketEventsTest, JobScoresTheSameFromMemoryAsFromTheLog) {
  // Two days of a small fleet: steady daemons, a late event, ties in time, and rare processes.
  std::vector<std::vector<NetworkEvent>> chunks;
  for (int hour = 0; hour < 48; ++hour) {
    std::vector<NetworkEvent> chunk;
    const int64_t base = kT0 + hour * 60 * kMinute;
    for (int minute = 0; minute < 60; minute += 5) {
      const int64_t t = base + minute * kMinute;
      chunk.push_back(MakeJobTestEvent(t, "web-1", "nginx", 443));
      chunk.push_back(MakeJobTestEvent(t, "web-1", "nginx", 8443));  // same time: a tie
      chunk.push_back(MakeJobTestEvent(t + kMinute, "db-" + std::to_string(hour % 3), "postgres"));
    }
    if (hour % 7 == 3)
      chunk.push_back(
          MakeJobTestEvent(base + 20 * kMinute, "web-1", "rare" + std::to_string(hour)));
    if (hour == 30) chunk.push_back(MakeJobTestEvent(base - 3 * 60 * kMinute, "db-1", "late"));
    chunks.push_back(std::move(chunk));
  }
  std::filesystem::create_directories(dir_ + "/log");
  std::filesystem::create_directories(dir_ + "/memory");
  const std::string from_log = RunJob(dir_ + "/log", chunks, /*buffered=*/false);
  const std::string from_memory = RunJob(dir_ + "/memory", chunks, /*buffered=*/true);
  EXPECT_NE(from_log.find("rare3"), std::string::npos) << from_log;
  EXPECT_EQ(from_memory, from_log);
}

}  // namespace
}  // namespace ulna::server
