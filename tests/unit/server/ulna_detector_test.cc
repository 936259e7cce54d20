// The ulna detector's noise control on hand-built buckets: learning period, one record per
// episode, one grouped record per rollout, capture-drop marking, and identical scores after a
// Persist -> Load restart.
#include "server/detect/ulna_detector.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "common/byte_codec.h"
#include "common/duration.h"
#include "server/detect/ulna_scorer.h"

namespace ulna::server {
namespace {

constexpr int64_t kStart = 1790812800LL * kNanosPerSecond;  // 2026-10-01T00:00:00Z
constexpr int64_t kBucket = 15 * kNanosPerMinute;

NetworkEvent Event(int64_t t, const std::string& host, const std::string& name,
                   const std::string& user, const std::string& parent, const char* remote,
                   uint16_t port, Direction direction = Direction::kEgress,
                   const std::string& executable = "") {
  NetworkEvent e;
  e.time_ns = t;
  e.direction = direction;
  e.transport = Transport::kTcp;
  e.host = HostInfo{host + "-id", host};
  e.process.name = name;
  e.process.executable = executable.empty() ? "/usr/bin/" + name : executable;
  e.process.user_name = user;
  e.process.parent_name = parent;
  e.process.ppid = parent == "systemd" ? 1 : 100;
  const IpAddress peer = *IpAddress::Parse(remote);
  const IpAddress local = *IpAddress::Parse("10.0.0.1");
  if (direction == Direction::kEgress) {
    e.source_ip = local;
    e.source_port = 40000;
    e.destination_ip = peer;
    e.destination_port = port;
  } else {
    e.source_ip = peer;
    e.source_port = 40000;
    e.destination_ip = local;
    e.destination_port = port;
  }
  return e;
}

// A root cron job's curl to an external HTTPS service, as the baselines see one bucket of it.
ActivityFeatures CurlFromCron() {
  ActivityFeatures f;
  f.name = "curl";
  f.executable = "/usr/bin/curl";
  f.user = "root";
  f.parent_name = "cron";
  f.behaviours = {"out/443/external"};
  return f;
}

// One bucket of six hosts (web-1..6) serving the web and resolving names.
std::vector<NetworkEvent> Routine(int64_t t) {
  std::vector<NetworkEvent> events;
  for (int h = 1; h <= 6; ++h) {
    const std::string host = "web-" + std::to_string(h);
    events.push_back(
        Event(t + 1, host, "nginx", "www-data", "nginx", "198.51.100.7", 443, Direction::kIngress));
    events.push_back(
        Event(t + 2, host, "systemd-resolve", "systemd-resolve", "systemd", "10.0.0.53", 53));
  }
  return events;
}

std::vector<AnomalyRecord> Score(Detector& detector, int64_t t, std::vector<NetworkEvent> events,
                                 BucketFacts facts = {}) {
  BucketActivity bucket(t, t + kBucket, std::move(events));
  HistoryIndex history;
  return detector.ScoreBucket(bucket, history, facts);
}

// The routine, one bucket every hour for `days`.
void Train(Detector& detector, int days) {
  for (int64_t t = kStart; t < kStart + days * kNanosPerDay; t += kNanosPerHour) {
    EXPECT_TRUE(Score(detector, t, Routine(t)).empty());
  }
}

std::vector<NetworkEvent> With(std::vector<NetworkEvent> events, NetworkEvent extra) {
  events.push_back(std::move(extra));
  return events;
}

NetworkEvent Shell(int64_t t, const std::string& host = "web-3") {
  return Event(t + 5, host, "bash", "www-data", "nginx", "203.0.113.9", 4444);
}

TEST(UlnaDetectorTest, LearningPeriodKeepsNewHostsQuiet) {
  UlnaDetector detector;
  // On the very first day everything is new and every host is learning.
  const auto records = Score(detector, kStart, With(Routine(kStart), Shell(kStart)));
  for (const AnomalyRecord& r : records) EXPECT_LT(r.score, 50) << r.process_name;
}

TEST(UlnaDetectorTest, OneRecordPerEpisode) {
  UlnaDetector detector;
  Train(detector, 10);
  const int64_t t0 = kStart + 10 * kNanosPerDay;
  auto first = Score(detector, t0, With(Routine(t0), Shell(t0)));
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].process_name, "bash");
  EXPECT_GE(first[0].score, 50);
  EXPECT_FALSE(first[0].reasons.empty());
  // The shell keeps calling back every bucket for six hours: no further record.
  for (int64_t t = t0 + kBucket; t < t0 + 6 * kNanosPerHour; t += kBucket) {
    EXPECT_TRUE(Score(detector, t, With(Routine(t), Shell(t))).empty());
  }
  // Quiet for more than a day, then a new behaviour: a new episode may be recorded again.
  const int64_t t1 = t0 + 6 * kNanosPerHour + 2 * kNanosPerDay;
  auto again = Score(
      detector, t1,
      With(Routine(t1), Event(t1 + 5, "web-3", "bash", "www-data", "nginx", "192.0.2.44", 6667)));
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].process_name, "bash");
}

TEST(UlnaDetectorTest, RolloutIsOneGroupedLowScoreRecord) {
  UlnaDetector detector;
  Train(detector, 10);
  const int64_t t0 = kStart + 10 * kNanosPerDay;
  size_t grouped = 0;
  size_t after_recognition = 0;
  for (int step = 0; step < 3; ++step) {
    const int64_t t = t0 + step * kBucket;
    std::vector<NetworkEvent> events = Routine(t);
    // Two hosts per bucket get the new agent, started by init, as its own user.
    for (int h = 2 * step + 1; h <= 2 * step + 2; ++h) {
      events.push_back(Event(t + 7, "web-" + std::to_string(h), "otel-agent", "otel", "systemd",
                             "10.0.9.9", 4317));
    }
    for (const AnomalyRecord& r : Score(detector, t, events)) {
      EXPECT_EQ(r.process_name, "otel-agent");
      EXPECT_LT(r.score, 50);  // never an alert
      if (r.reasons.front().rfind("rollout:", 0) == 0) {
        ++grouped;
        EXPECT_EQ(step, 1);            // recognised once 3 hosts joined within the window
        EXPECT_EQ(r.other_hosts, 3u);  // web-1..4
      } else if (step > 1) {
        ++after_recognition;
      }
    }
  }
  EXPECT_EQ(grouped, 1u);
  EXPECT_EQ(after_recognition, 0u);
}

TEST(UlnaDetectorTest, CaptureDropsAreMarked) {
  UlnaDetector detector;
  Train(detector, 10);
  const int64_t t0 = kStart + 10 * kNanosPerDay;
  BucketFacts facts;
  facts.hosts_with_capture_loss.insert("web-3-id");
  auto records = Score(detector, t0, With(Routine(t0), Shell(t0)), facts);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(records[0].context.capture_drops);
}

class UlnaPersistenceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("ulna_detector_test_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override {
    store_.reset();  // closed before its folder goes
    std::filesystem::remove_all(dir_);
  }
  // Persists `from` into a store in dir_ (store_, kept open: a loaded UlnaBaselines reads some
  // of its sets from the store when first asked) and loads that store into *into.
  void PersistAndLoad(UlnaBaselines& from, UlnaBaselines* into) {
    auto store = Store::Open(StoreOptions{dir_.string(), false});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    WriteGroup group;
    from.Persist(&group);
    ASSERT_TRUE(store_->Write(std::move(group), false).ok());
    ASSERT_TRUE(into->Load(*store_).ok());
  }
  std::unique_ptr<Store> store_;
  std::filesystem::path dir_;
};

TEST_F(UlnaPersistenceTest, RestartedDetectorScoresIdentically) {
  UlnaDetector live;
  {
    auto store = Store::Open(StoreOptions{dir_.string(), false});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    for (int64_t t = kStart; t < kStart + 10 * kNanosPerDay; t += kNanosPerHour) {
      Score(live, t, Routine(t));
      WriteGroup group;
      live.Persist(&group);
      ASSERT_TRUE((*store)->Write(std::move(group), false).ok());
    }
  }
  auto store = Store::Open(StoreOptions{dir_.string(), false});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  UlnaDetector restarted;
  ASSERT_TRUE(restarted.Load(**store).ok());

  const int64_t t0 = kStart + 10 * kNanosPerDay;
  for (int step = 0; step < 4; ++step) {
    const int64_t t = t0 + step * kBucket;
    std::vector<NetworkEvent> events =
        With(Routine(t), Shell(t, "web-" + std::to_string(step + 1)));
    events.push_back(Event(t + 9, "web-5", "curl", "root", "sh", "203.0.113.80", 80));
    const auto a = Score(live, t, events);
    const auto b = Score(restarted, t, events);
    ASSERT_EQ(a.size(), b.size()) << "bucket " << step;
    for (size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(a[i].process_name, b[i].process_name);
      EXPECT_EQ(a[i].host.id, b[i].host.id);
      EXPECT_DOUBLE_EQ(a[i].score, b[i].score);
      EXPECT_EQ(a[i].reasons, b[i].reasons);
    }
    ASSERT_FALSE(step == 0 && a.empty());
  }
}

// Peers are the hosts whose process-name sets are similar (Jaccard >= 0.6), recomputed once a
// day; read back from the persisted detector state.
TEST_F(UlnaPersistenceTest, PeersAreHostsThatShareMostOfTheirNames) {
  UlnaDetector detector;
  const auto bucket = [](int64_t t) {
    std::vector<NetworkEvent> events;
    const auto run = [&](const std::string& host, std::vector<std::string> names) {
      for (const std::string& name : names) {
        events.push_back(Event(t + 1, host, name, "root", "systemd", "10.0.0.9", 443));
      }
    };
    for (const char* host : {"a-1", "a-2", "a-3"}) run(host, {"n1", "n2", "n3", "n4", "n5"});
    run("a-4", {"n1", "n2", "n3", "n4", "x1"});  // 4 of 6 names shared with a-1..3: a peer
    run("b-1", {"n1", "m2", "m3", "m4", "m5"});  // 1 of 9: no one's peer
    return events;
  };
  Score(detector, kStart, bucket(kStart));  // the peers of day 0: none, no baselines yet
  const int64_t day1 = kStart + kNanosPerDay;
  Score(detector, day1, bucket(day1));
  auto store = Store::Open(StoreOptions{dir_.string(), false});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  WriteGroup group;
  detector.Persist(&group);
  ASSERT_TRUE((*store)->Write(std::move(group), false).ok());
  auto state = (*store)->Get(Family::kMeta, "model/ulna/d/state");
  ASSERT_TRUE(state.ok()) << state.status().ToString();

  ByteReader r(*state);
  ASSERT_EQ(r.Varint(), 1u);  // state version
  EXPECT_EQ(r.SignedVarint(), day1);
  std::map<std::string, std::vector<std::string>> peers;
  for (uint64_t n = r.Varint(), i = 0; i < n && r.ok(); ++i) {
    std::vector<std::string>& list = peers[r.String()];
    for (uint64_t m = r.Varint(), j = 0; j < m && r.ok(); ++j) list.push_back(r.String());
  }
  ASSERT_TRUE(r.ok());
  const std::map<std::string, std::vector<std::string>> expected = {
      {"a-1-id", {"a-2-id", "a-3-id", "a-4-id"}},
      {"a-2-id", {"a-1-id", "a-3-id", "a-4-id"}},
      {"a-3-id", {"a-1-id", "a-2-id", "a-4-id"}},
      {"a-4-id", {"a-1-id", "a-2-id", "a-3-id"}},
      {"b-1-id", {}},
  };
  EXPECT_EQ(peers, expected);
}

TEST(UlnaBaselinesTest, NameBaselineRoundTrip) {
  NameBaseline b;
  b.first_bucket_ns = kStart;
  b.last_bucket_ns = kStart + kBucket;
  b.buckets = 2;
  b.weekdays = 0x10;
  b.month_days = 0x1;
  b.behaviours = {"out/443/external", "udp/53/internal"};
  b.executables = {"/usr/bin/curl"};
  b.users = {"root"};
  auto decoded = UlnaBaselines::DecodeName(UlnaBaselines::EncodeName(b));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->behaviours, b.behaviours);
  EXPECT_EQ(decoded->buckets, 2u);
  EXPECT_EQ(decoded->month_days, 1u);
  EXPECT_FALSE(UlnaBaselines::DecodeName("\x01\x02").ok());
}

// A fleet name is persisted as a counters row, rewritten whenever the name is active, and a
// sets row, rewritten only when its hosts, executables or behaviours grew.
TEST_F(UlnaPersistenceTest, FleetNameSetsAreRewrittenOnlyWhenTheyGrow) {
  auto store = Store::Open(StoreOptions{dir_.string(), false});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  UlnaBaselines baselines;
  ActivityFeatures f = CurlFromCron();
  const HostInfo host{"h1-id", "h1"};
  // First bucket: host meta, name, user, context, fleet counters + sets, fleet user, behaviour.
  baselines.Observe(kStart, host, f);
  WriteGroup first;
  baselines.Persist(&first);
  EXPECT_EQ(first.size(), 8u);
  ASSERT_TRUE((*store)->Write(std::move(first), false).ok());
  // Same activity later: the behaviour and the fleet name's sets did not change.
  baselines.Observe(kStart + kBucket, host, f);
  WriteGroup second;
  baselines.Persist(&second);
  EXPECT_EQ(second.size(), 5u);
  ASSERT_TRUE((*store)->Write(std::move(second), false).ok());
  // A second host grows the sets and the behaviour's hosts (and has rows of its own).
  baselines.Observe(kStart + 2 * kBucket, HostInfo{"h2-id", "h2"}, f);
  WriteGroup third;
  baselines.Persist(&third);
  EXPECT_EQ(third.size(), 8u);
  ASSERT_TRUE((*store)->Write(std::move(third), false).ok());

  UlnaBaselines loaded;
  ASSERT_TRUE(loaded.Load(**store).ok());
  const FleetNameBaseline* fleet = loaded.FleetName("curl");
  ASSERT_NE(fleet, nullptr);
  EXPECT_EQ(fleet->first_bucket_ns, kStart);
  EXPECT_EQ(fleet->observations, 3u);
  EXPECT_EQ(fleet->hosts, (std::set<std::string>{"h1-id", "h2-id"}));
  EXPECT_EQ(fleet->executables, std::set<std::string>{"/usr/bin/curl"});
  ASSERT_EQ(fleet->behaviour_hosts.count("out/443/external"), 1u);
  EXPECT_EQ(fleet->behaviour_hosts.at("out/443/external").size(), 2u);
  EXPECT_EQ(loaded.BehaviourHosts("out/443/external"), 2u);
}

// Stores written before the split hold a fleet name's counters and sets in one version 1 row.
TEST_F(UlnaPersistenceTest, LoadsVersion1FleetNameRowsAndMovesTheirSets) {
  auto store = Store::Open(StoreOptions{dir_.string(), false});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  std::string row;
  ByteWriter w(&row);
  w.Varint(1);             // version
  w.SignedVarint(kStart);  // first bucket
  w.Varint(7);             // observations
  w.Varint(1);             // accepts ingress
  w.Varint(1);             // hosts
  w.String("h1-id");
  w.Varint(1);  // executables
  w.String("/usr/sbin/sshd");
  w.Varint(1);  // behaviours
  w.String("in/22/internal");
  w.Varint(1);
  w.String("h1-id");
  const std::string key = std::string("model/ulna/b/fn") + '\0' + "sshd";
  WriteGroup legacy;
  legacy.Put(Family::kMeta, key, row);
  ASSERT_TRUE((*store)->Write(std::move(legacy), false).ok());

  UlnaBaselines loaded;
  ASSERT_TRUE(loaded.Load(**store).ok());
  const FleetNameBaseline* fleet = loaded.FleetName("sshd");
  ASSERT_NE(fleet, nullptr);
  EXPECT_EQ(fleet->observations, 7u);
  EXPECT_TRUE(fleet->accepts_ingress);
  EXPECT_EQ(fleet->hosts, std::set<std::string>{"h1-id"});
  EXPECT_EQ(fleet->behaviour_hosts.at("in/22/internal"), std::set<std::string>{"h1-id"});
  // The sets move to their own row at once, so a later counters row cannot lose them.
  WriteGroup moved;
  loaded.Persist(&moved);
  EXPECT_EQ(moved.size(), 1u);
  ASSERT_TRUE((*store)->Write(std::move(moved), false).ok());
  ActivityFeatures f;
  f.name = "sshd";
  f.executable = "/usr/sbin/sshd";
  f.user = "root";
  f.parent_name = "systemd";
  f.behaviours = {"in/22/internal"};
  loaded.Observe(kStart + kBucket, HostInfo{"h1-id", "h1"}, f);
  WriteGroup group;
  loaded.Persist(&group);
  ASSERT_TRUE((*store)->Write(std::move(group), false).ok());

  UlnaBaselines reloaded;
  ASSERT_TRUE(reloaded.Load(**store).ok());
  fleet = reloaded.FleetName("sshd");
  ASSERT_NE(fleet, nullptr);
  EXPECT_EQ(fleet->observations, 8u);
  EXPECT_EQ(fleet->hosts, std::set<std::string>{"h1-id"});
  EXPECT_EQ(fleet->executables, std::set<std::string>{"/usr/sbin/sshd"});
  EXPECT_EQ(fleet->behaviour_hosts.at("in/22/internal"), std::set<std::string>{"h1-id"});
}

// The fleet sets are only searched for what is new to the host's name: a behaviour or an
// executable new to a name the host already ran still reaches the fleet's sets.
TEST(UlnaBaselinesTest, WhatIsNewToAKnownNameReachesTheFleetSets) {
  UlnaBaselines baselines;
  ActivityFeatures f = CurlFromCron();
  const HostInfo h1{"h1-id", "h1"};
  baselines.Observe(kStart, h1, f);
  baselines.Observe(kStart, HostInfo{"h2-id", "h2"}, f);
  f.executable = "/opt/curl/bin/curl";
  f.behaviours = {"out/22/internal", "out/443/external"};
  baselines.Observe(kStart + kBucket, h1, f);

  const FleetNameBaseline* fleet = baselines.FleetName("curl");
  ASSERT_NE(fleet, nullptr);
  EXPECT_EQ(fleet->observations, 3u);
  EXPECT_EQ(fleet->hosts, (std::set<std::string>{"h1-id", "h2-id"}));
  EXPECT_EQ(fleet->executables, (std::set<std::string>{"/opt/curl/bin/curl", "/usr/bin/curl"}));
  EXPECT_EQ(fleet->behaviour_hosts.at("out/443/external"),
            (std::set<std::string>{"h1-id", "h2-id"}));
  EXPECT_EQ(fleet->behaviour_hosts.at("out/22/internal"), std::set<std::string>{"h1-id"});
  EXPECT_EQ(baselines.BehaviourHosts("out/22/internal"), 1u);
  EXPECT_EQ(baselines.BehaviourHosts("out/443/external"), 2u);
}

// Persist writes an entry changed in several buckets once, and an unchanged one not again.
TEST(UlnaBaselinesTest, PersistWritesEachChangedEntryOnce) {
  UlnaBaselines baselines;
  const ActivityFeatures f = CurlFromCron();
  const HostInfo host{"h1-id", "h1"};
  for (int bucket = 0; bucket < 3; ++bucket) baselines.Observe(kStart + bucket * kBucket, host, f);
  baselines.ObserveParent("cron");
  baselines.ObserveParent("cron");
  WriteGroup first;
  baselines.Persist(&first);
  // Host meta, name, user, context, fleet counters + sets, fleet user, behaviour, parent.
  EXPECT_EQ(first.size(), 9u);
  WriteGroup unchanged;
  baselines.Persist(&unchanged);
  EXPECT_EQ(unchanged.size(), 0u);
  baselines.Observe(kStart + 3 * kBucket, host, f);
  WriteGroup again;
  baselines.Persist(&again);
  EXPECT_EQ(again.size(), 5u);  // name, user, context, fleet counters, fleet user
  EXPECT_EQ(baselines.ParentObservations("cron"), 2u);
}

// Observe skips the searches for what a name repeats from its last bucket: users, parents and
// executables that alternate still all reach their sets and counters.
TEST(UlnaBaselinesTest, AlternatingUsersParentsAndExecutablesAllReachTheirBaselines) {
  UlnaBaselines baselines;
  const HostInfo host{"h1-id", "h1"};
  ActivityFeatures f = CurlFromCron();
  baselines.Observe(kStart, host, f);
  f.user = "alice";
  baselines.Observe(kStart + kBucket, host, f);
  f.user = "root";
  f.parent_name = "bash";
  baselines.Observe(kStart + 2 * kBucket, host, f);
  f.executable = "/opt/curl/bin/curl";
  baselines.Observe(kStart + 3 * kBucket, host, f);
  baselines.Observe(kStart + 4 * kBucket, host, CurlFromCron());

  const HostBaseline* h = baselines.Host("h1-id");
  ASSERT_NE(h, nullptr);
  const NameBaseline& curl = h->names.at("curl");
  EXPECT_EQ(curl.buckets, 5u);
  EXPECT_EQ(curl.users, (std::set<std::string>{"alice", "root"}));
  EXPECT_EQ(curl.executables, (std::set<std::string>{"/opt/curl/bin/curl", "/usr/bin/curl"}));
  EXPECT_EQ(h->users.at("root").buckets, 4u);
  EXPECT_EQ(h->users.at("alice").names, std::set<std::string>{"curl"});
  EXPECT_EQ(h->contexts.at(LaunchContextKey("root", "cron")).buckets, 2u);
  EXPECT_EQ(h->contexts.at(LaunchContextKey("root", "bash")).buckets, 2u);
  EXPECT_EQ(h->contexts.at(LaunchContextKey("alice", "cron")).names, std::set<std::string>{"curl"});
  EXPECT_EQ(baselines.FleetUser("root")->buckets, 4u);
  EXPECT_EQ(baselines.FleetUser("alice")->names, std::set<std::string>{"curl"});
  EXPECT_EQ(baselines.FleetName("curl")->executables,
            (std::set<std::string>{"/opt/curl/bin/curl", "/usr/bin/curl"}));

  // A copy learns on its own: what Observe remembered points into the original's maps.
  UlnaBaselines copy = baselines;
  copy.Observe(kStart + 5 * kBucket, host, CurlFromCron());
  EXPECT_EQ(copy.Host("h1-id")->users.at("root").buckets, 5u);
  EXPECT_EQ(copy.FleetUser("root")->buckets, 5u);
  EXPECT_EQ(h->users.at("root").buckets, 4u);
  EXPECT_EQ(baselines.FleetUser("root")->buckets, 4u);
}

// Observe skips the set searches for a name's repeated behaviours: behaviours that come and go
// still all reach the name's set and the fleet's, and the scorer still tells the new ones.
TEST(UlnaBaselinesTest, BehavioursThatComeAndGoAllReachTheirBaselines) {
  UlnaBaselines baselines;
  const HostInfo host{"h1-id", "h1"};
  ActivityFeatures f = CurlFromCron();
  for (const std::vector<std::string>& behaviours :
       std::vector<std::vector<std::string>>{{"out/443/external"},
                                             {"out/443/external"},
                                             {"out/22/internal", "out/443/external"},
                                             {"out/443/external"},
                                             {"udp/53/internal"},
                                             {"udp/53/internal"}}) {
    f.behaviours = behaviours;
    baselines.Observe(kStart, host, f);
  }
  const NameBaseline& curl = baselines.Host("h1-id")->names.at("curl");
  EXPECT_EQ(curl.behaviours,
            (std::set<std::string>{"out/22/internal", "out/443/external", "udp/53/internal"}));
  EXPECT_EQ(baselines.FleetName("curl")->behaviour_hosts.size(), 3u);
  EXPECT_EQ(baselines.BehaviourHosts("udp/53/internal"), 1u);

  // Known from an earlier bucket than the last: not new. Never done: new.
  ScoringInput input;
  input.features = &f;
  input.host_id = "h1-id";
  input.bucket_start_ns = kStart + 3 * kNanosPerDay;
  input.explain = false;
  f.behaviours = {"out/22/internal"};
  const UlnaScore known = ScoreActivity(input, baselines);
  f.behaviours = {"out/8080/internal"};
  const UlnaScore fresh = ScoreActivity(input, baselines);
  const auto has = [](const UlnaScore& score, std::string_view term) {
    return std::any_of(score.terms.begin(), score.terms.end(),
                       [&](const ScoreTerm& t) { return t.name == term; });
  };
  EXPECT_FALSE(has(known, "behaviour_new_on_host"));
  EXPECT_TRUE(has(fresh, "behaviour_new_on_host"));
}

// ObserveParent counts a parent once per host it was seen on; the detector counts each
// (parent, host) pair of a bucket once, however many groups and events repeat it.
TEST(UlnaBaselinesTest, ParentsAreCountedOncePerHost) {
  UlnaBaselines baselines;
  baselines.ObserveParent("bash", 3);
  baselines.ObserveParent("bash");
  EXPECT_EQ(baselines.ParentObservations("bash"), 4u);

  UlnaDetector detector;
  std::vector<NetworkEvent> events;
  for (const std::string host : {"h1", "h2"}) {
    events.push_back(Event(kStart + 1, host, "curl", "root", "bash", "10.0.0.7", 443));
    events.push_back(Event(kStart + 2, host, "curl", "root", "bash", "10.0.0.8", 443));
    events.push_back(Event(kStart + 3, host, "wget", "root", "bash", "10.0.0.7", 80));
    events.push_back(Event(kStart + 4, host, "wget", "root", "cron", "10.0.0.7", 80));
  }
  events.push_back(Event(kStart + 5, "h3", "ssh", "root", "cron", "10.0.0.9", 22));
  Score(detector, kStart, std::move(events));
  EXPECT_EQ(detector.baselines().ParentObservations("bash"), 2u);
  EXPECT_EQ(detector.baselines().ParentObservations("cron"), 3u);
  EXPECT_EQ(detector.baselines().ParentObservations("sshd"), 0u);
}

// Find answers with the entries of the object asked, also once it remembered them by hash, and
// finds a name that Observe added after a miss.
TEST(UlnaBaselinesTest, FindAnswersWithTheEntriesOfTheObjectAsked) {
  UlnaBaselines baselines;
  const HostInfo host{"h1-id", "h1"};
  baselines.Observe(kStart, host, CurlFromCron());
  EXPECT_EQ(baselines.Find("h1-id", "wget").name, nullptr);
  ActivityFeatures wget = CurlFromCron();
  wget.name = "wget";
  baselines.Observe(kStart, host, wget);
  for (const char* name : {"curl", "wget", "curl"}) {
    const UlnaBaselines::Found found = baselines.Find("h1-id", name);
    ASSERT_NE(found.name, nullptr) << name;
    EXPECT_EQ(&found.name->second, &baselines.Host("h1-id")->names.at(name));
  }
  EXPECT_EQ(baselines.Find("h2-id", "curl").name, nullptr);
  UlnaBaselines copy = baselines;
  const UlnaBaselines::Found found = copy.Find("h1-id", "curl");
  ASSERT_NE(found.name, nullptr);
  EXPECT_EQ(&found.name->second, &copy.Host("h1-id")->names.at("curl"));
}

// FindFleetName remembers names by hash, including names without entries: an entry added
// later (by Observe, ObserveParent or Load) is found, and it agrees with the map lookups.
TEST_F(UlnaPersistenceTest, FindFleetNameSeesEntriesAddedAfterAMiss) {
  UlnaBaselines baselines;
  const HostInfo host{"h1-id", "h1"};
  for (const char* name : {"curl", "cron"}) {
    EXPECT_EQ(baselines.FindFleetName(name).fleet, nullptr) << name;
    EXPECT_EQ(baselines.FindFleetName(name).as_parent, 0u) << name;
  }
  baselines.Observe(kStart, host, CurlFromCron());
  baselines.ObserveParent("cron", 2);
  baselines.ObserveParent("cron");
  EXPECT_EQ(baselines.FindFleetName("curl").fleet, baselines.FleetName("curl"));
  ASSERT_NE(baselines.FindFleetName("curl").fleet, nullptr);
  EXPECT_EQ(baselines.FindFleetName("curl").fleet->observations, 1u);
  EXPECT_EQ(baselines.FindFleetName("cron").fleet, nullptr);
  EXPECT_EQ(baselines.FindFleetName("cron").as_parent, 3u);
  EXPECT_EQ(baselines.ParentObservations("cron"), 3u);

  UlnaBaselines loaded;
  EXPECT_EQ(loaded.FindFleetName("curl").fleet, nullptr);  // asked before it loads
  ASSERT_NO_FATAL_FAILURE(PersistAndLoad(baselines, &loaded));
  EXPECT_EQ(loaded.FindFleetName("curl").fleet, loaded.FleetName("curl"));
  EXPECT_NE(loaded.FindFleetName("curl").fleet, nullptr);
  EXPECT_EQ(loaded.FindFleetName("cron").as_parent, 3u);
  // A copy answers with its own entries.
  UlnaBaselines copy = baselines;
  EXPECT_EQ(copy.FindFleetName("curl").fleet, copy.FleetName("curl"));
  EXPECT_NE(copy.FindFleetName("curl").fleet, baselines.FleetName("curl"));
}

// BehaviourHosts counts the hosts of a behaviour as it grows, in a copy and after a Load.
TEST_F(UlnaPersistenceTest, BehaviourHostsFollowsItsSets) {
  UlnaBaselines baselines;
  EXPECT_EQ(baselines.BehaviourHosts("out/443/external"), 0u);
  baselines.Observe(kStart, HostInfo{"h1-id", "h1"}, CurlFromCron());
  EXPECT_EQ(baselines.BehaviourHosts("out/443/external"), 1u);
  baselines.Observe(kStart + kBucket, HostInfo{"h1-id", "h1"}, CurlFromCron());
  EXPECT_EQ(baselines.BehaviourHosts("out/443/external"), 1u);
  ActivityFeatures wget = CurlFromCron();
  wget.name = "wget";
  baselines.Observe(kStart + kBucket, HostInfo{"h2-id", "h2"}, wget);
  EXPECT_EQ(baselines.BehaviourHosts("out/443/external"), 2u);
  EXPECT_EQ(baselines.BehaviourHosts("out/443/internal"), 0u);
  {
    // A copy lists none of the original's changes for Persist (they point into its maps).
    UlnaBaselines untouched = baselines;
    WriteGroup nothing;
    untouched.Persist(&nothing);
    EXPECT_TRUE(nothing.empty());
  }
  UlnaBaselines copy = baselines;
  copy.Observe(kStart + 2 * kBucket, HostInfo{"h3-id", "h3"}, wget);
  EXPECT_EQ(copy.BehaviourHosts("out/443/external"), 3u);
  EXPECT_EQ(baselines.BehaviourHosts("out/443/external"), 2u);

  UlnaBaselines loaded;
  ASSERT_NO_FATAL_FAILURE(PersistAndLoad(copy, &loaded));
  EXPECT_EQ(loaded.BehaviourHosts("out/443/external"), 3u);
}

// Path classes are remembered per executable: each executable keeps its own class, whatever
// was classified before it.
TEST(UlnaFeaturesTest, PathClassesAreThoseOfEachExecutable) {
  const std::pair<const char*, PathClass> cases[] = {
      {"/usr/bin/curl", PathClass::kSystem},   {"/tmp/curl", PathClass::kTemp},
      {"/home/a/.x/curl", PathClass::kHidden}, {"/usr/bin/curl (deleted)", PathClass::kDeleted},
      {"/home/a/curl", PathClass::kHome},      {"/srv/curl", PathClass::kOther},
  };
  for (int pass = 0; pass < 2; ++pass) {  // the second from what the first remembered
    for (const auto& [path, path_class] : cases) {
      const NetworkEvent e =
          Event(kStart, "h1", "curl", "root", "cron", "10.0.0.7", 443, Direction::kEgress, path);
      ActivityFeatures f;
      ExtractFeatures(ProcessActivity{e.host, "curl", {&e}}, &f);
      EXPECT_EQ(f.path_class, path_class) << path << " pass " << pass;
      EXPECT_EQ(f.path_class, ClassifyExecutable(path)) << path;
    }
  }
}

// Behaviour keys built once per distinct behaviour are those built for each: an ephemeral port
// and port 0 are different behaviours, and so are the same port in and out.
TEST(UlnaFeaturesTest, BehaviourKeysOfDistinctBehavioursStayDistinct) {
  const NetworkEvent zero = Event(kStart, "h1", "curl", "root", "cron", "10.0.0.7", 0);
  const NetworkEvent ephemeral = Event(kStart + 1, "h1", "curl", "root", "cron", "10.0.0.7", 40001);
  const NetworkEvent served =
      Event(kStart + 2, "h1", "curl", "root", "cron", "10.0.0.7", 443, Direction::kIngress);
  const NetworkEvent web = Event(kStart + 3, "h1", "curl", "root", "cron", "93.184.216.34", 443);
  for (int pass = 0; pass < 2; ++pass) {  // the second from the keys built in the first
    ActivityFeatures f;
    ExtractFeatures(ProcessActivity{zero.host, "curl", {&zero, &ephemeral, &served, &web}}, &f);
    EXPECT_EQ(f.behaviours, (std::vector<std::string>{"in/443/internal", "out/0/internal",
                                                      "out/443/external", "out/eph/internal"}));
    EXPECT_TRUE(f.outbound_external);
    EXPECT_FALSE(f.ingress_only);
    EXPECT_EQ(BehaviourKey(ephemeral), "out/eph/internal");
  }
  ActivityFeatures served_only;
  ExtractFeatures(ProcessActivity{served.host, "curl", {&served}}, &served_only);
  EXPECT_TRUE(served_only.ingress_only);
  EXPECT_FALSE(served_only.outbound_external);
}

// Features extracted into a reused object are those of a fresh extraction: nothing of the
// previous activity remains, and a UDP behaviour seen both ways is one key.
TEST(UlnaFeaturesTest, ExtractingIntoAReusedObjectLeavesNothingBehind) {
  NetworkEvent web = Event(kStart, "h1", "curl", "root", "cron", "93.184.216.34", 443);
  NetworkEvent ssh = Event(kStart + 1, "h1", "curl", "root", "cron", "10.0.0.7", 22);
  NetworkEvent dns_out = Event(kStart + 2, "h1", "curl", "root", "cron", "10.0.0.53", 53);
  dns_out.transport = Transport::kUdp;
  NetworkEvent dns_in = dns_out;
  dns_in.direction = Direction::kIngress;
  const ProcessActivity busy{web.host, "curl", {&web, &ssh, &dns_out, &dns_in, &web}};
  NetworkEvent served =
      Event(kStart, "h1", "sshd", "", "systemd", "10.0.0.9", 22, Direction::kIngress);
  served.process.uid = 7;
  const ProcessActivity quiet{served.host, "sshd", {&served}};

  ActivityFeatures reused;
  ExtractFeatures(busy, &reused);
  EXPECT_EQ(reused.behaviours,
            (std::vector<std::string>{"out/22/internal", "out/443/external", "udp/53/internal"}));
  EXPECT_TRUE(reused.outbound_external);
  EXPECT_FALSE(reused.ingress_only);
  ExtractFeatures(quiet, &reused);
  ActivityFeatures fresh;
  ExtractFeatures(quiet, &fresh);
  EXPECT_EQ(reused.behaviours, std::vector<std::string>{"in/22/internal"});
  EXPECT_EQ(reused.behaviours, fresh.behaviours);
  EXPECT_EQ(reused.name, "sshd");
  EXPECT_EQ(reused.user, "uid:7");
  EXPECT_EQ(reused.user, fresh.user);
  EXPECT_EQ(reused.executable, fresh.executable);
  EXPECT_EQ(reused.parent_name, fresh.parent_name);
  EXPECT_TRUE(reused.parent_is_init);
  EXPECT_FALSE(reused.outbound_external);
  EXPECT_TRUE(reused.ingress_only);
}

// A neighbour group's path class is reused only for the same executable.
TEST(UlnaFeaturesTest, PathClassOfAnEarlierGroupOnlyForTheSameExecutable) {
  const NetworkEvent system = Event(kStart, "h1", "curl", "root", "cron", "10.0.0.7", 443);
  const NetworkEvent dropped =
      Event(kStart, "h2", "curl", "root", "cron", "10.0.0.7", 443, Direction::kEgress, "/tmp/curl");
  const NetworkEvent again =
      Event(kStart, "h3", "curl", "root", "cron", "10.0.0.7", 443, Direction::kEgress, "/tmp/curl");
  ActivityFeatures first;
  ExtractFeatures(ProcessActivity{system.host, "curl", {&system}}, &first);
  EXPECT_EQ(first.path_class, PathClass::kSystem);
  ActivityFeatures second;
  ExtractFeatures(ProcessActivity{dropped.host, "curl", {&dropped}}, &second, &first);
  EXPECT_EQ(second.path_class, PathClass::kTemp);
  // Reused as is: a wrong class planted in the earlier features shows that it was not recomputed.
  second.path_class = PathClass::kHidden;
  ActivityFeatures third;
  ExtractFeatures(ProcessActivity{again.host, "curl", {&again}}, &third, &second);
  EXPECT_EQ(third.path_class, PathClass::kHidden);
}

}  // namespace
}  // namespace ulna::server
