// IngestPipeline: agent batches are stored under the credential's host, resent sequences are
// recognised, out-of-range times are rejected and counted, late events are stored and counted.
#include "server/ingest/ingest_pipeline.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "common/duration.h"

namespace ulna::server {
namespace {

constexpr int64_t kNow = 1790812800LL * kNanosPerSecond;  // 2026-10-01T00:00:00Z

NetworkEvent At(int64_t time_ns, const std::string& claimed_host) {
  NetworkEvent e;
  e.time_ns = time_ns;
  e.host = HostInfo{claimed_host, claimed_host};
  e.process.name = "curl";
  e.destination_ip = *IpAddress::Parse("198.51.100.7");
  e.destination_port = 443;
  return e;
}

class IngestPipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/ulna-ingest-test-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    auto store = Store::Open(StoreOptions{dir_, true});
    ASSERT_TRUE(store.ok());
    store_ = std::move(store).value();
    IngestOptions options;
    options.max_future_skew_ns = 10 * kNanosPerMinute;
    pipeline_ = std::make_unique<IngestPipeline>(
        store_.get(), options, [] { return kNow; }, [this] { return horizon_; });
  }
  void TearDown() override {
    pipeline_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::vector<NetworkEvent> Stored(const std::string& host_id) {
    std::vector<NetworkEvent> events;
    EventLog log(store_.get());
    EXPECT_TRUE(log.Scan(0, kNow + kNanosPerDay,
                         [&](const NetworkEvent& e) {
                           if (e.host.id == host_id) events.push_back(e);
                         })
                    .ok());
    return events;
  }

  std::string dir_;
  int64_t horizon_ = 0;
  std::unique_ptr<Store> store_;
  std::unique_ptr<IngestPipeline> pipeline_;
};

TEST_F(IngestPipelineTest, StoresUnderTheCredentialHostNotThePayloadHost) {
  const HostInfo agent{"cert-host-id", "web-1"};
  auto outcome = pipeline_->StoreAgentBatch(agent, 1, {At(kNow - kNanosPerMinute, "db-9")}, {});
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->accepted, 1u);
  EXPECT_FALSE(outcome->duplicate);
  const auto stored = Stored("cert-host-id");
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].host.name, "web-1");
  EXPECT_TRUE(Stored("db-9").empty());
  EXPECT_EQ(*pipeline_->LastSequence("cert-host-id"), 1u);
}

TEST_F(IngestPipelineTest, ResentSequencesAreDuplicatesAndStoreNothing) {
  const HostInfo agent{"h", "h"};
  ASSERT_TRUE(pipeline_->StoreAgentBatch(agent, 5, {At(kNow - 1, "h")}, {}).ok());
  auto again = pipeline_->StoreAgentBatch(agent, 5, {At(kNow - 2, "h")}, {});
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->duplicate);
  auto older = pipeline_->StoreAgentBatch(agent, 3, {At(kNow - 3, "h")}, {});
  EXPECT_TRUE(older->duplicate);
  EXPECT_EQ(Stored("h").size(), 1u);
  EXPECT_EQ(pipeline_->stats().duplicate_batches.load(), 2u);
}

TEST_F(IngestPipelineTest, RejectsFutureAndPre2000TimesButKeepsTheRest) {
  const HostInfo agent{"h", "h"};
  CaptureLoss loss;
  loss.ring_buffer_drops = 4;
  auto outcome = pipeline_->StoreAgentBatch(
      agent, 1,
      {At(kNow + 11 * kNanosPerMinute, "h"), At(kNow + 9 * kNanosPerMinute, "h"), At(12345, "h"),
       At(kNow, "h")},
      loss);
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->accepted, 2u);
  EXPECT_EQ(outcome->rejected, 2u);
  EXPECT_EQ(pipeline_->stats().rejected[static_cast<size_t>(RejectReason::kTimeOutOfRange)].load(),
            2u);
  EXPECT_EQ(pipeline_->stats().capture_drops.load(), 4u);
  EXPECT_EQ(Stored("h").size(), 2u);
}

TEST_F(IngestPipelineTest, LateEventsAreKeptAndCounted) {
  horizon_ = kNow - 5 * kNanosPerMinute;  // the job has scored everything before this
  ASSERT_TRUE(pipeline_
                  ->StoreArchiveEvents(
                      {At(kNow - 6 * kNanosPerMinute, "a"), At(kNow - 4 * kNanosPerMinute, "b")},
                      /*sync=*/true)
                  .ok());
  EXPECT_EQ(pipeline_->stats().events_late.load(), 1u);
  EXPECT_EQ(Stored("a").size(), 1u);
  EXPECT_EQ(Stored("b").size(), 1u);
}

TEST_F(IngestPipelineTest, PreparedEventsAreStoredOnlyWhenStoredAndLateCountedAtStore) {
  PreparedArchiveEvents prepared = pipeline_->PrepareArchiveEvents(
      {At(kNow - 6 * kNanosPerMinute, "a"), At(kNow - 4 * kNanosPerMinute, "b"), At(12345, "a")});
  EXPECT_EQ(prepared.events.size(), 2u);  // the pre-2000 time is rejected while preparing
  EXPECT_EQ(pipeline_->stats().rejected[static_cast<size_t>(RejectReason::kTimeOutOfRange)].load(),
            1u);
  EXPECT_TRUE(Stored("a").empty());  // preparing writes nothing
  EXPECT_EQ(pipeline_->stats().events_stored.load(), 0u);

  horizon_ = kNow - 5 * kNanosPerMinute;  // the job moved on between prepare and store
  ASSERT_TRUE(pipeline_->StorePreparedArchiveEvents(&prepared, /*sync=*/true).ok());
  EXPECT_EQ(pipeline_->stats().events_late.load(), 1u);
  EXPECT_EQ(pipeline_->stats().events_stored.load(), 2u);
  EXPECT_EQ(Stored("a").size(), 1u);
  EXPECT_EQ(Stored("b").size(), 1u);
}

}  // namespace
}  // namespace ulna::server
