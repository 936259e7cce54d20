// AnomalyJob mechanics with a scripted detector: bucket closing on schedule, alert idempotency
// across overlapping look-backs, resume after restart, exceptions, the per-run cap, late events.
#include "server/job/anomaly_job.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "server/ingest/ingest_pipeline.h"
#include "tests/unit/server/job_test_events.h"

namespace ulna::server {
namespace {

constexpr int64_t kMinute = kNanosPerMinute;
// 2026-10-01T00:00:00Z
constexpr int64_t kT0 = 1790812800LL * kNanosPerSecond;

// Flags every process whose name starts with "evil" with a fixed score; records nothing else.
class ScriptedDetector : public Detector {
 public:
  explicit ScriptedDetector(double score) : score_(score) {}
  DetectionMode mode() const override { return DetectionMode::kUlna; }
  Status Load(const Store&) override { return Status::Ok(); }
  std::vector<AnomalyRecord> ScoreBucket(const BucketActivity& bucket, const HistoryIndex&,
                                         const BucketFacts&) override {
    std::vector<AnomalyRecord> records;
    for (const ProcessActivity& group : bucket.groups()) {
      if (group.process_name.rfind("evil", 0) != 0) continue;
      AnomalyRecord record;
      record.host = group.host;
      record.process_name = group.process_name;
      record.process_executable = group.first().process.executable;
      record.probability = 0.001;
      record.score = score_;
      record.context = BuildContext(group);
      records.push_back(record);
    }
    return records;
  }
  void Persist(WriteGroup*) override {}

 private:
  double score_;
};

class AnomalyJobTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/ulna-job-test-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    config_.bucket_span_ns = 15 * kMinute;
    config_.query_delay_ns = 1 * kMinute;
    config_.rule_interval_ns = 15 * kMinute;
    config_.lookback_ns = 45 * kMinute;
    config_.retention_ns = 14 * kNanosPerDay;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void OpenAll(double score = 80) {
    job_.reset();
    output_.reset();
    store_.reset();
    auto store = Store::Open(StoreOptions{dir_ + "/db", true});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    auto output = AlertOutput::Open(dir_ + "/alerts.ndjson");
    ASSERT_TRUE(output.ok());
    output_ = std::move(output).value();
    job_ = std::make_unique<AnomalyJob>(config_, store_.get(),
                                        std::make_unique<ScriptedDetector>(score),
                                        AlertSinks{output_.get(), &bus_});
    ASSERT_TRUE(job_->Open().ok());
    ingest_ = std::make_unique<IngestPipeline>(
        store_.get(), IngestOptions{kNanosPerDay * 365, 0}, [] { return kT0; },
        [this] { return job_->closed_before_ns(); });
  }

  void Ingest(std::vector<NetworkEvent> events) {
    ASSERT_TRUE(ingest_->StoreArchiveEvents(std::move(events), false).ok());
  }

  size_t AlertLines() {
    std::ifstream in(dir_ + "/alerts.ndjson");
    size_t lines = 0;
    for (std::string line; std::getline(in, line);) ++lines;
    return lines;
  }

  std::string dir_;
  JobConfig config_;
  AlertBus bus_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<AlertOutput> output_;
  std::unique_ptr<AnomalyJob> job_;
  std::unique_ptr<IngestPipeline> ingest_;
};

TEST_F(AnomalyJobTest, ClosesBucketOnlyAfterQueryDelay) {
  OpenAll();
  Ingest({MakeJobTestEvent(kT0 + 5 * kMinute, "web-1", "nginx")});
  ASSERT_TRUE(job_->AdvanceTo(kT0 + 16 * kMinute - 1).ok());
  EXPECT_EQ(job_->stats().buckets_closed, 0u);
  ASSERT_TRUE(job_->AdvanceTo(kT0 + 16 * kMinute).ok());
  EXPECT_EQ(job_->stats().buckets_closed, 1u);
  EXPECT_EQ(job_->stats().events_scored, 1u);
  EXPECT_EQ(job_->closed_before_ns(), kT0 + 15 * kMinute);
}

TEST_F(AnomalyJobTest, OverlappingLookbacksAlertOnce) {
  OpenAll();
  auto subscription = bus_.Subscribe();
  Ingest({MakeJobTestEvent(kT0 + 2 * kMinute, "web-1", "evilcat"),
          MakeJobTestEvent(kT0 + 3 * kMinute, "web-1", "nginx")});
  // Three rule runs (at 16, 31, 46 minutes) all have bucket 0 in their 45-minute look-back.
  ASSERT_TRUE(job_->AdvanceTo(kT0 + 60 * kMinute).ok());
  EXPECT_GE(job_->stats().rule_runs, 3u);
  EXPECT_EQ(job_->stats().records, 1u);
  EXPECT_EQ(job_->stats().alerts, 1u);
  EXPECT_EQ(AlertLines(), 1u);
  auto alert = subscription->Next(std::chrono::milliseconds(100));
  ASSERT_TRUE(alert.has_value());
  EXPECT_EQ(alert->record.host.name, "web-1");
  EXPECT_EQ(alert->record.process_name, "evilcat");
  EXPECT_EQ(alert->record.bucket_start_ns, kT0);
  EXPECT_EQ(alert->id, AlertId(config_.rule_name, "web-1-id", "evilcat", kT0));
  EXPECT_EQ(alert->severity, "low");
  EXPECT_EQ(alert->risk_score, 21u);
  EXPECT_FALSE(subscription->Next(std::chrono::milliseconds(10)).has_value());
}

TEST_F(AnomalyJobTest, ResumesAfterRestartWithoutDuplicateAlerts) {
  OpenAll();
  Ingest({MakeJobTestEvent(kT0 + 1 * kMinute, "web-1", "evilcat"),
          MakeJobTestEvent(kT0 + 20 * kMinute, "web-2", "evilcat"),
          MakeJobTestEvent(kT0 + 40 * kMinute, "web-3", "evildog")});
  ASSERT_TRUE(job_->AdvanceTo(kT0 + 17 * kMinute).ok());  // bucket 0 closed and alerted
  EXPECT_EQ(job_->stats().alerts, 1u);
  // "Crash": drop everything and reopen the same folder.
  OpenAll();
  EXPECT_EQ(job_->closed_before_ns(), kT0 + 15 * kMinute);
  ASSERT_TRUE(job_->AdvanceTo(kT0 + 120 * kMinute).ok());
  EXPECT_EQ(job_->stats().buckets_closed, 6u);  // buckets 1..6 close (bucket 6 at 106 min)
  EXPECT_EQ(job_->stats().alerts, 2u);          // web-2 and web-3, not web-1 again
  EXPECT_EQ(AlertLines(), 3u);
}

TEST_F(AnomalyJobTest, CommitsStateEveryNBucketsAndOnCommitState) {
  config_.state_commit_buckets = 4;
  OpenAll();
  Ingest({MakeJobTestEvent(kT0 + 1 * kMinute, "web-1", "nginx"),
          MakeJobTestEvent(kT0 + 80 * kMinute, "web-1", "nginx")});
  auto checkpoint = [&] {
    auto value = store_->Get(Family::kMeta, "job/next_bucket");
    return value.ok() ? static_cast<int64_t>(ReadBigEndian64(*value)) : int64_t{0};
  };
  ASSERT_TRUE(job_->AdvanceTo(kT0 + 3 * 15 * kMinute + kMinute).ok());
  EXPECT_EQ(job_->stats().buckets_closed, 3u);
  EXPECT_EQ(checkpoint(), 0);  // three buckets closed, none committed yet
  ASSERT_TRUE(job_->AdvanceTo(kT0 + 6 * 15 * kMinute + kMinute).ok());
  EXPECT_EQ(job_->stats().buckets_closed, 6u);
  EXPECT_EQ(checkpoint(), kT0 + 4 * 15 * kMinute);  // the fourth closed bucket committed
  ASSERT_TRUE(job_->CommitState().ok());
  EXPECT_EQ(checkpoint(), kT0 + 6 * 15 * kMinute);
}

TEST_F(AnomalyJobTest, RestartBeforeAStateCommitReclosesWithoutDuplicateAlerts) {
  config_.state_commit_buckets = 96;
  OpenAll();
  Ingest({MakeJobTestEvent(kT0 + 1 * kMinute, "web-1", "evilcat"),
          MakeJobTestEvent(kT0 + 20 * kMinute, "web-2", "evilcat")});
  ASSERT_TRUE(job_->AdvanceTo(kT0 + 32 * kMinute).ok());  // buckets 0 and 1 closed, alerted
  EXPECT_EQ(job_->stats().alerts, 2u);
  // "Crash" without CommitState: the job resumes from the last commit (none) and closes
  // buckets 0 and 1 again; their records are the same and their alerts exist already.
  OpenAll();
  EXPECT_EQ(job_->closed_before_ns(), 0);
  ASSERT_TRUE(job_->AdvanceTo(kT0 + 60 * kMinute).ok());
  EXPECT_EQ(job_->stats().buckets_closed, 3u);
  EXPECT_EQ(job_->stats().records, 2u);
  EXPECT_EQ(job_->stats().alerts, 0u);
  EXPECT_EQ(AlertLines(), 2u);
}

TEST_F(AnomalyJobTest, RecordsStoredBeforeARestartAreAlertedByLaterRunsInTheirLookback) {
  config_.max_alerts_per_run = 1;
  OpenAll();
  Ingest({MakeJobTestEvent(kT0 + 1 * kMinute, "web-1", "evilcat"),
          MakeJobTestEvent(kT0 + 2 * kMinute, "web-2", "evilcat")});
  ASSERT_TRUE(job_->AdvanceTo(kT0 + 16 * kMinute).ok());
  EXPECT_EQ(job_->stats().alerts, 1u);
  EXPECT_EQ(job_->stats().alerts_capped, 1u);
  // "Crash": the capped record is in the store only; the run at 31 minutes still sees it.
  OpenAll();
  ASSERT_TRUE(job_->AdvanceTo(kT0 + 31 * kMinute).ok());
  EXPECT_EQ(job_->stats().buckets_closed, 1u);
  EXPECT_EQ(job_->stats().alerts, 1u);
  EXPECT_EQ(AlertLines(), 2u);
}

TEST_F(AnomalyJobTest, BelowThresholdRaisesNothing) {
  OpenAll(/*score=*/49.9);
  Ingest({MakeJobTestEvent(kT0 + 1 * kMinute, "web-1", "evilcat")});
  ASSERT_TRUE(job_->AdvanceTo(kT0 + 90 * kMinute).ok());
  EXPECT_EQ(job_->stats().records, 1u);
  EXPECT_EQ(job_->stats().alerts, 0u);
  EXPECT_EQ(AlertLines(), 0u);
}

TEST_F(AnomalyJobTest, ExceptionsSuppressUntilTheyExpire) {
  OpenAll();
  ExceptionStore exceptions(store_.get());
  RuleException by_cidr;
  by_cidr.destination_cidr = "203.0.113.0/24";
  by_cidr.process_name = "evilcat";
  by_cidr.reason = "red-team exercise";
  ASSERT_TRUE(exceptions.Add(by_cidr, kT0).ok());
  RuleException expired;
  expired.process_name = "evildog";
  expired.reason = "was expected last week";
  expired.expires_ns = kT0 - kMinute;
  ASSERT_TRUE(exceptions.Add(expired, kT0 - 2 * kMinute).ok());
  Ingest({MakeJobTestEvent(kT0 + 1 * kMinute, "web-1", "evilcat"),
          MakeJobTestEvent(kT0 + 2 * kMinute, "web-1", "evildog")});
  ASSERT_TRUE(job_->AdvanceTo(kT0 + 60 * kMinute).ok());
  EXPECT_EQ(job_->stats().alerts, 1u);  // evildog: its exception has expired
  EXPECT_GE(job_->stats().alerts_excepted, 1u);
}

TEST_F(AnomalyJobTest, ExceptionsAddedAfterEarlierRunsApplyToLaterOnes) {
  OpenAll();
  Ingest({MakeJobTestEvent(kT0 + 1 * kMinute, "web-1", "nginx"),
          MakeJobTestEvent(kT0 + 61 * kMinute, "web-1", "evilcat")});
  // Runs with nothing to alert on come first; the exception is added after them.
  ASSERT_TRUE(job_->AdvanceTo(kT0 + 46 * kMinute).ok());
  EXPECT_GE(job_->stats().rule_runs, 3u);
  ExceptionStore exceptions(store_.get());
  RuleException by_name;
  by_name.process_name = "evilcat";
  by_name.reason = "red-team exercise";
  ASSERT_TRUE(exceptions.Add(by_name, kT0 + 50 * kMinute).ok());
  ASSERT_TRUE(job_->AdvanceTo(kT0 + 120 * kMinute).ok());
  EXPECT_EQ(job_->stats().records, 1u);
  EXPECT_EQ(job_->stats().alerts, 0u);
  EXPECT_GE(job_->stats().alerts_excepted, 1u);
  EXPECT_EQ(AlertLines(), 0u);
}

TEST_F(AnomalyJobTest, OneRunsAlertsAreWrittenInOutboxOrderAndOnce) {
  OpenAll();
  std::vector<NetworkEvent> events;
  for (int host = 0; host < 6; ++host) {
    events.push_back(MakeJobTestEvent(kT0 + 1 * kMinute, "web-" + std::to_string(host), "evilcat"));
  }
  Ingest(events);
  ASSERT_TRUE(job_->AdvanceTo(kT0 + 16 * kMinute).ok());
  ASSERT_EQ(job_->stats().alerts, 6u);
  // Equal scores rank by host; the file takes them in the outbox's order (bucket, then alert
  // id), as a restart would write an outbox left behind.
  std::vector<std::string> ids;
  std::ifstream in(dir_ + "/alerts.ndjson");
  for (std::string line; std::getline(in, line);) {
    const size_t at = line.find("\"uuid\":\"");
    ASSERT_NE(at, std::string::npos) << line;
    ids.push_back(line.substr(at + 8, line.find('"', at + 8) - (at + 8)));
  }
  ASSERT_EQ(ids.size(), 6u);
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  std::vector<std::string> expected;
  for (int host = 0; host < 6; ++host) {
    expected.push_back(
        AlertId(config_.rule_name, "web-" + std::to_string(host) + "-id", "evilcat", kT0));
  }
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(ids, expected);
  // The outbox was emptied: a restart and later runs write none of them again.
  OpenAll();
  ASSERT_TRUE(job_->AdvanceTo(kT0 + 61 * kMinute).ok());
  EXPECT_EQ(job_->stats().alerts, 0u);
  EXPECT_EQ(AlertLines(), 6u);
}

TEST_F(AnomalyJobTest, CapsAlertsPerRunAndRaisesTheRestLaterInTheWindow) {
  config_.max_alerts_per_run = 3;
  OpenAll();
  std::vector<NetworkEvent> events;
  for (int host = 0; host < 5; ++host) {
    events.push_back(MakeJobTestEvent(kT0 + 1 * kMinute, "web-" + std::to_string(host), "evilcat"));
  }
  Ingest(events);
  ASSERT_TRUE(job_->AdvanceTo(kT0 + 16 * kMinute).ok());
  EXPECT_EQ(job_->stats().alerts, 3u);
  EXPECT_EQ(job_->stats().alerts_capped, 2u);
  ASSERT_TRUE(job_->AdvanceTo(kT0 + 31 * kMinute).ok());
  EXPECT_EQ(job_->stats().alerts, 5u);
}

TEST_F(AnomalyJobTest, LateEventsAreStoredAndCounted) {
  OpenAll();
  Ingest({MakeJobTestEvent(kT0 + 1 * kMinute, "web-1", "nginx")});
  ASSERT_TRUE(job_->AdvanceTo(kT0 + 16 * kMinute).ok());
  Ingest(
      {MakeJobTestEvent(kT0 + 2 * kMinute, "web-1", "evilcat")});  // its bucket is already scored
  EXPECT_EQ(ingest_->stats().events_late.load(), 1u);
  EXPECT_EQ(ingest_->stats().events_stored.load(), 2u);
}

TEST_F(AnomalyJobTest, AlertsAStoppedDiskCouldNotTakeAreWrittenOnceItCan) {
  if (::geteuid() != 0) {
    GTEST_SKIP() << "#### NOT ROOT: the full-disk test needs a tmpfs mount; SKIPPED ####";
  }
  const std::string disk = dir_ + "/disk";
  std::filesystem::create_directories(disk);
  ASSERT_EQ(::mount("tmpfs", disk.c_str(), "tmpfs", 0, "size=64k"), 0) << std::strerror(errno);
  OpenAll();
  auto output = AlertOutput::Open(disk + "/alerts.ndjson");
  ASSERT_TRUE(output.ok());
  job_ = std::make_unique<AnomalyJob>(config_, store_.get(), std::make_unique<ScriptedDetector>(80),
                                      AlertSinks{output->get(), nullptr});
  ASSERT_TRUE(job_->Open().ok());
  {
    std::ofstream filler(disk + "/filler");
    filler << std::string(64 * 1024, 'x');  // the disk is now full
  }
  Ingest({MakeJobTestEvent(kT0 + 1 * kMinute, "web-1", "evilcat")});
  const Status full = job_->AdvanceTo(kT0 + 16 * kMinute);
  EXPECT_EQ(full.code(), Status::Code::kResourceExhausted) << full.ToString();
  EXPECT_EQ(job_->stats().alerts, 1u);  // stored, waiting in the outbox
  std::filesystem::remove(disk + "/filler");
  ASSERT_TRUE(job_->AdvanceTo(kT0 + 17 * kMinute).ok());
  ASSERT_TRUE(job_->AdvanceTo(kT0 + 60 * kMinute).ok());
  std::ifstream in(disk + "/alerts.ndjson");
  std::string line, extra;
  ASSERT_TRUE(std::getline(in, line));
  EXPECT_NE(line.find("evilcat"), std::string::npos);
  EXPECT_FALSE(std::getline(in, extra));  // once, not again by later runs
  in.close();
  job_.reset();
  output->reset();
  ASSERT_EQ(::umount(disk.c_str()), 0);
}

}  // namespace
}  // namespace ulna::server
