// Spool: durable write before send, removal on ack, replay after a "crash" (a new Spool on the
// same directory), sequence persistence, the size bound dropping the oldest and reporting it.
#include "agent/spool.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "common/batch_codec.h"

namespace ulna::agent {
namespace {

class SpoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/ulna-spool-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<Spool> Open(uint64_t max_bytes = 1 << 20) {
    auto spool = Spool::Open({.dir = dir_, .max_bytes = max_bytes, .sync = false});
    EXPECT_TRUE(spool.ok()) << spool.status().ToString();
    return spool.ok() ? std::move(spool.value()) : nullptr;
  }

  // A self-contained batch of `n` events from process `name`.
  static v1::EventBatch Batch(size_t n, const std::string& name = "curl") {
    std::vector<NetworkEvent> events(n);
    for (size_t i = 0; i < n; ++i) {
      events[i].time_ns = 1'700'000'000'000'000'000 + static_cast<int64_t>(i);
      events[i].destination_ip = IpAddress::FromV4(0x0a000001);
      events[i].destination_port = static_cast<uint16_t>(443 + i);
      events[i].process.pid = 4242;
      events[i].process.name = name;
      events[i].process.executable = "/usr/bin/" + name;
    }
    return BatchEncoder(/*self_contained=*/true).Encode(0, events);
  }

  size_t FilesOnDisk() const {
    size_t n = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir_)) {
      if (e.path().extension() == ".batch") ++n;
    }
    return n;
  }

  std::string dir_;
};

TEST_F(SpoolTest, AppendAssignsSequencesAndAckRemoves) {
  auto spool = Open();
  ASSERT_NE(spool, nullptr);
  EXPECT_EQ(spool->next_sequence(), 1u);
  ASSERT_EQ(spool->Append(Batch(3)).value(), 1u);
  ASSERT_EQ(spool->Append(Batch(2)).value(), 2u);
  EXPECT_EQ(FilesOnDisk(), 2u);  // on disk before anything is sent
  EXPECT_EQ(spool->PendingAfter(0), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(spool->PendingAfter(1), (std::vector<uint64_t>{2}));

  Result<SpooledBatch> read = spool->Read(1);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->batch.sequence(), 1u);
  std::vector<NetworkEvent> events;
  RejectTally rejects;
  ASSERT_TRUE(BatchDecoder().Decode(read->batch, nullptr, &events, &rejects).ok());
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[2].destination_port, 445);
  EXPECT_EQ(events[0].process.executable, "/usr/bin/curl");

  EXPECT_EQ(spool->Remove(1), 3u);
  EXPECT_EQ(spool->Remove(1), 0u);  // a second ack of the same batch removes nothing
  EXPECT_EQ(FilesOnDisk(), 1u);
  EXPECT_EQ(spool->stats().depth, 1u);
  EXPECT_EQ(spool->stats().events, 2u);
  EXPECT_EQ(spool->Read(1).status().code(), Status::Code::kNotFound);
}

TEST_F(SpoolTest, ReplayAfterCrashKeepsUnackedBatchesAndTheSequence) {
  {
    auto spool = Open();
    ASSERT_NE(spool, nullptr);
    for (size_t n : {1, 2, 3}) ASSERT_TRUE(spool->Append(Batch(n)).ok());
    EXPECT_EQ(spool->Remove(1), 1u);
    // The process dies here: nothing is closed or flushed beyond what Append did. A write
    // interrupted half-way leaves only a temporary file.
    std::ofstream(dir_ + "/00000000000000000004.batch.tmp") << "half a batch";
  }
  auto spool = Open();
  ASSERT_NE(spool, nullptr);
  EXPECT_EQ(spool->PendingAfter(0), (std::vector<uint64_t>{2, 3}));
  EXPECT_EQ(spool->stats().events, 5u);
  EXPECT_EQ(spool->stats().corrupt, 0u);
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/00000000000000000004.batch.tmp"));
  EXPECT_EQ(spool->Read(3)->batch.events_size(), 3);
  EXPECT_EQ(spool->Append(Batch(1)).value(), 4u);  // numbering continues

  // All acked, then restarted: the sequence still continues (the server dedupes on it).
  spool->RemoveThrough(4);
  EXPECT_EQ(spool->stats().depth, 0u);
  spool.reset();
  spool = Open();
  EXPECT_EQ(spool->next_sequence(), 5u);
  EXPECT_EQ(spool->Append(Batch(1)).value(), 5u);
}

TEST_F(SpoolTest, FullSpoolDropsOldestAndReportsItInTheNextBatch) {
  const uint64_t one = [&] {
    auto probe = Open();
    uint64_t before = probe->stats().bytes;
    probe->Append(Batch(20)).value();
    return probe->stats().bytes - before;
  }();
  std::filesystem::remove_all(dir_);
  // Room for three such batches (plus slack smaller than a fourth).
  auto spool = Open(3 * one + one / 2);
  ASSERT_NE(spool, nullptr);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(spool->Append(Batch(20)).ok());
  EXPECT_EQ(spool->stats().dropped, 0u);
  ASSERT_EQ(spool->Append(Batch(20)).value(), 4u);  // drops sequence 1
  ASSERT_EQ(spool->Append(Batch(20)).value(), 5u);  // drops sequence 2
  EXPECT_EQ(spool->PendingAfter(0), (std::vector<uint64_t>{3, 4, 5}));
  EXPECT_EQ(spool->stats().dropped, 2u);
  EXPECT_EQ(spool->stats().dropped_events, 40u);
  EXPECT_LE(spool->stats().bytes, 3 * one + one / 2);
  // Each batch reports the drops made to fit it; a later batch that dropped nothing reports 0.
  EXPECT_EQ(spool->Read(3)->batch.counters().spool_drops(), 0u);
  EXPECT_EQ(spool->Read(4)->batch.counters().spool_drops(), 1u);
  EXPECT_EQ(spool->Read(5)->batch.counters().spool_drops(), 1u);
  spool->Remove(3);
  ASSERT_EQ(spool->Append(Batch(1)).value(), 6u);
  EXPECT_EQ(spool->Read(6)->batch.counters().spool_drops(), 0u);
}

TEST_F(SpoolTest, BatchLargerThanTheSpoolIsDroppedAndReported) {
  auto spool = Open(64);
  ASSERT_NE(spool, nullptr);
  Result<uint64_t> seq = spool->Append(Batch(50));
  EXPECT_EQ(seq.status().code(), Status::Code::kResourceExhausted);
  EXPECT_EQ(spool->stats().dropped, 1u);
  EXPECT_EQ(spool->stats().depth, 0u);
}

TEST_F(SpoolTest, DamagedFileIsDroppedAndCountedAtOpen) {
  {
    auto spool = Open();
    ASSERT_TRUE(spool->Append(Batch(2)).ok());
    ASSERT_TRUE(spool->Append(Batch(2)).ok());
  }
  {
    std::fstream f(dir_ + "/00000000000000000001.batch", std::ios::in | std::ios::out);
    f.seekp(20);
    f.put('\x7f');  // inside the payload: the checksum no longer matches
  }
  auto spool = Open();
  EXPECT_EQ(spool->PendingAfter(0), (std::vector<uint64_t>{2}));
  EXPECT_EQ(spool->stats().corrupt, 1u);
  EXPECT_EQ(spool->Append(Batch(1)).value(), 3u);
  EXPECT_EQ(spool->Read(3)->batch.counters().spool_drops(), 1u);  // the loss is reported
}

TEST_F(SpoolTest, RebaseRenumbersAfterTheServersSequence) {
  auto spool = Open();
  ASSERT_TRUE(spool->Append(Batch(1)).ok());
  ASSERT_TRUE(spool->Append(Batch(2)).ok());
  ASSERT_TRUE(spool->Rebase(1).ok());  // the server is behind us: nothing to do
  EXPECT_EQ(spool->PendingAfter(0), (std::vector<uint64_t>{1, 2}));
  // The server stored up to 40 from this host: our state was lost, renumber 41, 42.
  ASSERT_TRUE(spool->Rebase(40).ok());
  EXPECT_EQ(spool->PendingAfter(0), (std::vector<uint64_t>{41, 42}));
  EXPECT_EQ(spool->Read(42)->batch.events_size(), 2);
  EXPECT_EQ(spool->Read(42)->batch.sequence(), 42u);
  EXPECT_EQ(spool->next_sequence(), 43u);
  EXPECT_EQ(FilesOnDisk(), 2u);
}

}  // namespace
}  // namespace ulna::agent
