#include "server/store/event_log.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>

namespace ulna::server {
namespace {

constexpr int64_t kSecond = 1'000'000'000;
// A realistic epoch time (2024-01-01T00:00:00Z), so keys are not all near zero.
constexpr int64_t kT0 = 1'704'067'200 * kSecond;

class TempDir {
 public:
  TempDir() {
    std::string pattern = "/tmp/ulna_event_log_test_XXXXXX";
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

NetworkEvent MakeEvent(int64_t time_ns, uint32_t pid, const std::string& name,
                       uint16_t port = 443) {
  NetworkEvent e;
  e.time_ns = time_ns;
  e.direction = Direction::kEgress;
  e.transport = pid % 2 ? Transport::kUdp : Transport::kTcp;
  e.source_ip = *IpAddress::Parse("10.0.0.5");
  e.source_port = 40000;
  e.destination_ip = *IpAddress::Parse("2001:db8::1");
  e.destination_port = port;
  e.netns_inode = 4026531840u;
  e.cgroup_id = 77;
  e.process.pid = pid;
  e.process.ppid = 1;
  e.process.start_time_ns = kT0 - 10 * kSecond;
  e.process.name = name;
  e.process.executable = "/usr/bin/" + name;
  e.process.args = {EventString(name), "--flag"};
  e.process.user_name = "root";
  return e;
}

class EventLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<Store>> store = Store::Open({.path = dir_.Sub("db")});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    log_ = std::make_unique<EventLog>(store_.get());
  }

  void Append(const HostInfo& host, uint64_t batch_key, const std::vector<NetworkEvent>& events) {
    WriteGroup group;
    log_->Append(host, batch_key, events, &group);
    ASSERT_TRUE(store_->Write(std::move(group), /*sync=*/false).ok());
  }

  std::vector<NetworkEvent> Scan(int64_t start, int64_t end) {
    std::vector<NetworkEvent> out;
    Status s = log_->Scan(start, end, [&](const NetworkEvent& e) { out.push_back(e); });
    EXPECT_TRUE(s.ok()) << s.ToString();
    std::stable_sort(out.begin(), out.end(), [](const NetworkEvent& a, const NetworkEvent& b) {
      return a.time_ns != b.time_ns ? a.time_ns < b.time_ns : a.process.pid < b.process.pid;
    });
    return out;
  }

  // Stored batches as (first event time, host id) pairs, in key order.
  std::vector<std::pair<int64_t, std::string>> StoredBatches() {
    std::vector<std::pair<int64_t, std::string>> out;
    EXPECT_TRUE(store_
                    ->Scan(Family::kEvents, "", "",
                           [&](std::string_view key, std::string_view) {
                             out.emplace_back(static_cast<int64_t>(ReadBigEndian64(key)),
                                              std::string(key.substr(8, key.find('\0', 8) - 8)));
                             return true;
                           })
                    .ok());
    return out;
  }

  static std::vector<int64_t> Times(const std::vector<NetworkEvent>& events) {
    std::vector<int64_t> out;
    for (const auto& e : events) out.push_back(e.time_ns);
    return out;
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<EventLog> log_;
  const HostInfo host_a_{"host-a", "alpha"};
  const HostInfo host_b_{"host-b", "beta"};
};

TEST_F(EventLogTest, RoundTripsEveryFieldAndTakesHostFromCaller) {
  NetworkEvent e = MakeEvent(kT0 + 5, 1234, "curl");
  e.direction = Direction::kIngress;
  e.repeat_count = 3;
  e.process.working_directory = "/root";
  e.process.parent_name = "bash";
  e.process.parent_executable = "/bin/bash";
  e.process.container_id = "abc123";
  e.process.entity_id = "ent-1";
  e.process.uid = 1000;
  e.process.gid = 1001;
  e.host = {"spoofed", "spoofed"};  // the caller's host (credentials) wins
  Append(host_a_, 1, {e});

  auto got = Scan(kT0, kT0 + kSecond);
  ASSERT_EQ(got.size(), 1u);
  NetworkEvent expected = e;
  expected.host = host_a_;
  EXPECT_EQ(got[0], expected);
}

TEST_F(EventLogTest, SplitsBySpanAndScanHonoursBoundsExactly) {
  // Unsorted input, in units of the span S: parts [0, S/2, S - 1 ns] | [S, 2S - 1 s] | [2.5 S]
  // (each part holds less than S after its first event).
  constexpr int64_t S = kMaxBatchSpanNs;
  const std::vector<int64_t> offsets = {5 * S / 2, 0, S / 2, S, S - 1, 2 * S - kSecond};
  std::vector<NetworkEvent> events;
  for (size_t i = 0; i < offsets.size(); ++i) {
    events.push_back(MakeEvent(kT0 + offsets[i], static_cast<uint32_t>(i + 1), "ntpd"));
  }
  Append(host_a_, 7, events);

  const auto batches = StoredBatches();
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0].first, kT0);
  EXPECT_EQ(batches[1].first, kT0 + S);
  EXPECT_EQ(batches[2].first, kT0 + 5 * S / 2);

  // An event exactly at start is in, one exactly at end is out.
  EXPECT_EQ(Times(Scan(kT0 + S / 2, kT0 + S)), (std::vector<int64_t>{kT0 + S / 2, kT0 + S - 1}));
  // [S, 2S) — reads the batch that starts at 0 too (it may hold events >= S).
  EXPECT_EQ(Times(Scan(kT0 + S, kT0 + 2 * S)),
            (std::vector<int64_t>{kT0 + S, kT0 + 2 * S - kSecond}));
  // A bucket that begins inside a batch: the batch starting at S holds 2S - 1 s.
  EXPECT_EQ(Times(Scan(kT0 + 3 * S / 2, kT0 + 5 * S / 2)),
            (std::vector<int64_t>{kT0 + 2 * S - kSecond}));
  EXPECT_EQ(Times(Scan(kT0 + 5 * S / 2, kT0 + 5 * S / 2 + kSecond)),
            (std::vector<int64_t>{kT0 + 5 * S / 2}));
  EXPECT_EQ(Scan(kT0, kT0 + 4 * S).size(), 6u);
  EXPECT_TRUE(Scan(kT0 + 5 * S / 2 + kSecond, kT0 + 20 * S).empty());
  EXPECT_TRUE(Scan(kT0 + 10 * kSecond, kT0 + 10 * kSecond).empty());  // empty range
}

TEST_F(EventLogTest, SplitsByCountAndKeepsEveryEvent) {
  // 4096 + 4096 + 808 events within one second: three stored batches.
  std::vector<NetworkEvent> events;
  for (uint32_t i = 0; i < 9000; ++i) {
    events.push_back(MakeEvent(kT0 + i * 100'000, i, "dns" + std::to_string(i % 7),
                               static_cast<uint16_t>(53 + i % 3)));
  }
  Append(host_a_, 9, events);
  const auto batches = StoredBatches();
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[1].first, kT0 + 4096 * 100'000);
  EXPECT_EQ(batches[2].first, kT0 + 8192 * 100'000);

  auto got = Scan(kT0, kT0 + kSecond);
  ASSERT_EQ(got.size(), events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    NetworkEvent expected = events[i];
    expected.host = host_a_;
    ASSERT_EQ(got[i], expected) << i;
  }
}

TEST_F(EventLogTest, ManyHostsAndBatchKeysDoNotCollide) {
  // Same first time on two hosts and twice on one host (different batch keys).
  Append(host_a_, 1, {MakeEvent(kT0, 1, "a1")});
  Append(host_a_, 2, {MakeEvent(kT0, 2, "a2")});
  Append(host_b_, 1, {MakeEvent(kT0, 3, "b1"), MakeEvent(kT0 + kSecond, 4, "b2")});
  const auto batches = StoredBatches();
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0].second, "host-a");
  EXPECT_EQ(batches[2].second, "host-b");

  auto got = Scan(kT0, kT0 + 2 * kSecond);
  ASSERT_EQ(got.size(), 4u);
  std::map<std::string, std::string> host_of;
  for (const auto& e : got) host_of[std::string(e.process.name)] = e.host.name;
  EXPECT_EQ(host_of, (std::map<std::string, std::string>{
                         {"a1", "alpha"}, {"a2", "alpha"}, {"b1", "beta"}, {"b2", "beta"}}));
}

TEST_F(EventLogTest, DeleteBeforeKeepsBatchesThatStraddleTheCutoff) {
  constexpr int64_t S = kMaxBatchSpanNs;
  const int64_t cutoff = kT0 + 3 * S;
  Append(host_a_, 1, {MakeEvent(kT0, 1, "old"), MakeEvent(kT0 + 10 * kSecond, 2, "old")});
  // Starts before cutoff - S, so it ends before the cutoff.
  Append(host_a_, 2, {MakeEvent(cutoff - S - kSecond, 3, "older_than_window")});
  // Starts within S of the cutoff and ends after it: straddles it.
  Append(host_b_, 3,
         {MakeEvent(cutoff - S / 2, 4, "straddle"), MakeEvent(cutoff + kSecond, 5, "straddle")});
  Append(host_b_, 4, {MakeEvent(cutoff + S, 6, "new")});

  ASSERT_TRUE(log_->DeleteBefore(cutoff).ok());
  // Gone: batches starting before cutoff - S.
  const auto batches = StoredBatches();
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0].first, cutoff - S / 2);
  EXPECT_EQ(batches[1].first, cutoff + S);
  EXPECT_EQ(Times(Scan(kT0, cutoff + 2 * S)),
            (std::vector<int64_t>{cutoff - S / 2, cutoff + kSecond, cutoff + S}));

  // A cutoff near the epoch deletes nothing and does not fail.
  ASSERT_TRUE(log_->DeleteBefore(30 * kSecond).ok());
  EXPECT_EQ(StoredBatches().size(), 2u);
}

TEST_F(EventLogTest, LastSequencePerHostSurvivesReopen) {
  Result<uint64_t> none = log_->LastSequence("host-a");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 0u);

  WriteGroup group;
  log_->Append(host_a_, 42, {MakeEvent(kT0, 1, "x")}, &group);
  log_->SetLastSequence("host-a", 42, &group);
  log_->SetLastSequence("host-b", 0x0102030405060708ull, &group);
  ASSERT_TRUE(store_->Write(std::move(group), /*sync=*/true).ok());

  log_.reset();
  store_.reset();
  SetUp();
  EXPECT_EQ(*log_->LastSequence("host-a"), 42u);
  EXPECT_EQ(*log_->LastSequence("host-b"), 0x0102030405060708ull);
  EXPECT_EQ(*log_->LastSequence("host-c"), 0u);
  EXPECT_EQ(Scan(kT0, kT0 + 1).size(), 1u);
}

TEST_F(EventLogTest, CorruptStoredBatchFailsTheScanWithItsKey) {
  Append(host_a_, 1, {MakeEvent(kT0, 1, "ok")});
  std::string key;
  AppendBigEndian64(&key, static_cast<uint64_t>(kT0 + kSecond));
  key += std::string("host-z") + '\0' + std::string(12, '\0');
  WriteGroup group;
  group.Put(Family::kEvents, key, "\xff\xff\xff not a protobuf");
  ASSERT_TRUE(store_->Write(std::move(group), true).ok());

  Status s = log_->Scan(kT0, kT0 + 2 * kSecond, [](const NetworkEvent&) {});
  EXPECT_EQ(s.code(), Status::Code::kInternal);
  EXPECT_NE(s.message().find("host 'host-z'"), std::string::npos) << s.message();
}

TEST_F(EventLogTest, MoveAppendSortsAndScanOwnedHandsOverEventsInBounds) {
  // Out of time order, and spanning two parts: the moving Append must sort like the copying one.
  const int64_t later = kT0 + 10 * kSecond + kMaxBatchSpanNs + 20 * kSecond;  // the next part
  std::vector<NetworkEvent> events = {MakeEvent(later, 3, "wget"),
                                      MakeEvent(kT0 + 10 * kSecond, 1, "curl"),
                                      MakeEvent(kT0 + 20 * kSecond, 2, "ssh")};
  WriteGroup group;
  log_->Append(host_a_, 7, std::move(events), &group);
  ASSERT_TRUE(store_->Write(std::move(group), /*sync=*/false).ok());
  EXPECT_EQ(StoredBatches(), (std::vector<std::pair<int64_t, std::string>>{
                                 {kT0 + 10 * kSecond, "host-a"}, {later, "host-a"}}));

  std::vector<NetworkEvent> taken;
  RejectTally rejects;
  Status s = log_->ScanOwned(
      kT0 + 20 * kSecond, later + kSecond, [&](NetworkEvent&& e) { taken.push_back(std::move(e)); },
      &rejects);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(rejects.total(), 0u);
  ASSERT_EQ(Times(taken), (std::vector<int64_t>{kT0 + 20 * kSecond, later}));
  EXPECT_EQ(taken[0].process.name, "ssh");
  EXPECT_EQ(taken[0].host, host_a_);
  EXPECT_EQ(taken[1].process.args, (EventStrings{"wget", "--flag"}));
}

TEST_F(EventLogTest, ArchiveBatchesMixHostsKeepEachEventsHostAndBoundTheLatestTime) {
  auto bound = log_->LatestTimeBound();
  ASSERT_TRUE(bound.ok());
  EXPECT_FALSE(bound->has_value());  // nothing stored yet

  NetworkEvent a = MakeEvent(kT0, 1, "nginx");
  a.host = host_a_;
  NetworkEvent b = MakeEvent(kT0 + kSecond, 2, "postgres");
  b.host = host_b_;
  NetworkEvent late = MakeEvent(kT0 + kMaxBatchSpanNs, 3, "curl");  // past one batch span
  late.host = host_b_;
  WriteGroup group;
  log_->AppendArchive(7, std::vector<NetworkEvent>{a, b, late}, &group);
  EXPECT_EQ(group.size(), 2u);  // [a, b] and [late]
  ASSERT_TRUE(store_->Write(std::move(group), /*sync=*/false).ok());

  const std::vector<NetworkEvent> got = Scan(kT0, kT0 + 2 * kMaxBatchSpanNs);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0], a);
  EXPECT_EQ(got[1], b);
  EXPECT_EQ(got[2], late);
  bound = log_->LatestTimeBound();
  ASSERT_TRUE(bound.ok());
  ASSERT_TRUE(bound->has_value());
  EXPECT_GE(**bound, late.time_ns);
  EXPECT_LE(**bound, late.time_ns + kMaxBatchSpanNs);
}

}  // namespace
}  // namespace ulna::server
