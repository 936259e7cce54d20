// Regression of the ulna mode end to end: a small labelled fleet generated here (8 hosts, 6 days,
// two injected intrusions and a fleet-wide agent rollout) is replayed through the real ingest ->
// store -> job -> alert path and the alerts are scored with the evaluator.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/duration.h"
#include "common/json_writer.h"
#include "eval/eval_alerts.h"
#include "eval/evaluation.h"
#include "eval/labels.h"
#include "server/replay/replay.h"

namespace ulna {
namespace {

constexpr int64_t kStart = 1790812800LL * kNanosPerSecond;  // 2026-10-01T00:00:00Z
constexpr int kDays = 6;
constexpr int kAttackDay = 4;

struct Proc {
  std::string host;
  std::string name;
  std::string executable;
  std::string user;
  std::string parent;
  int parent_pid;
};

struct Hosts {
  std::string name;
  std::string ip;
};

// One ECS network event like the scenario archives carry.
std::string EcsLine(int64_t t, const Proc& p, const std::string& local_ip, bool ingress,
                    const std::string& remote, int port, bool udp = false) {
  std::string out;
  JsonWriter j(&out);
  j.BeginObject();
  j.Field("@timestamp", FormatTimestamp(t));
  j.Key("event");
  j.BeginObject();
  j.Field("kind", "event");
  j.StringArray("category", {"network"});
  j.StringArray("type", {"start"});
  j.Field("action", ingress ? "connection_accepted" : "connection_attempted");
  j.EndObject();
  j.Key("host");
  j.BeginObject();
  j.Field("name", p.host);
  j.Field("id", p.host + "-id");
  j.EndObject();
  j.Key("process");
  j.BeginObject();
  j.Key("pid");
  j.Int(1000 + static_cast<int>(p.name.size()));
  j.Field("name", p.name);
  j.Field("executable", p.executable);
  j.Key("parent");
  j.BeginObject();
  j.Key("pid");
  j.Int(p.parent_pid);
  j.Field("name", p.parent);
  j.EndObject();
  j.EndObject();
  j.Key("user");
  j.BeginObject();
  j.Field("name", p.user);
  j.EndObject();
  j.Key("source");
  j.BeginObject();
  j.Field("ip", ingress ? remote : local_ip);
  j.Key("port");
  j.Int(ingress ? 51000 : 41000);
  j.EndObject();
  j.Key("destination");
  j.BeginObject();
  j.Field("ip", ingress ? local_ip : remote);
  j.Key("port");
  j.Int(port);
  j.EndObject();
  j.Key("network");
  j.BeginObject();
  j.Field("transport", udp ? "udp" : "tcp");
  j.Field("direction", ingress ? "ingress" : "egress");
  j.EndObject();
  j.EndObject();
  return out;
}

struct Line {
  int64_t t;
  std::string json;
};

class DetectionRegressionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() / ("ulna_regression_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void Add(int64_t t, const Proc& p, const std::string& ip, bool ingress, const std::string& remote,
           int port, bool udp = false) {
    lines_.push_back(Line{t, EcsLine(t, p, ip, ingress, remote, port, udp)});
  }

  void Generate() {
    const std::vector<Hosts> web = {
        {"web-1", "10.1.0.1"}, {"web-2", "10.1.0.2"}, {"web-3", "10.1.0.3"}, {"web-4", "10.1.0.4"}};
    const std::vector<Hosts> db = {{"db-1", "10.2.0.1"}, {"db-2", "10.2.0.2"}};
    const std::vector<Hosts> build = {{"ci-1", "10.3.0.1"}, {"ci-2", "10.3.0.2"}};
    const int64_t step = 30 * kNanosPerMinute;
    for (int64_t t = kStart; t < kStart + kDays * kNanosPerDay; t += step) {
      int k = static_cast<int>((t - kStart) / step);
      for (const Hosts& h : web) {
        Add(t + 11 * kNanosPerSecond,
            {h.name, "nginx", "/usr/sbin/nginx", "www-data", "nginx", 900}, h.ip, true,
            "198.51.100." + std::to_string(1 + k % 200), 443);
        Add(t + 12 * kNanosPerSecond,
            {h.name, "php-fpm", "/usr/sbin/php-fpm", "www-data", "php-fpm", 901}, h.ip, false,
            db[k % 2].ip, 5432);
      }
      for (const Hosts& h : db) {
        Add(t + 13 * kNanosPerSecond,
            {h.name, "postgres", "/usr/lib/postgresql/bin/postgres", "postgres", "postgres", 700},
            h.ip, true, web[k % 4].ip, 5432);
      }
      for (const Hosts& h : build) {
        Add(t + 14 * kNanosPerSecond, {h.name, "bash", "/usr/bin/bash", "gitlab-runner", "sh", 600},
            h.ip, false, db[k % 2].ip, 5432);
        Add(t + 15 * kNanosPerSecond, {h.name, "curl", "/usr/bin/curl", "gitlab-runner", "sh", 600},
            h.ip, false, "192.0.2." + std::to_string(10 + k % 50), 443);
      }
      for (const auto* group : {&web, &db, &build}) {
        for (const Hosts& h : *group) {
          Add(t + 16 * kNanosPerSecond,
              {h.name, "chronyd", "/usr/sbin/chronyd", "chrony", "systemd", 1}, h.ip, false,
              "10.9.0.123", 123, true);
        }
      }
    }
    const int64_t window = kStart + kAttackDay * kNanosPerDay;
    // INJ-1: the PHP workers on web-2 spawn a shell calling out, three tries.
    for (int i = 0; i < 3; ++i) {
      Add(window + 10 * kNanosPerHour + i * 4 * kNanosPerMinute,
          {"web-2", "bash", "/usr/bin/bash", "www-data", "php-fpm", 901}, "10.1.0.2", false,
          "203.0.113.66", 8081);
    }
    // INJ-2: a miner from a hidden temp dir on db-1, every 5 minutes for two hours.
    for (int i = 0; i < 24; ++i) {
      Add(window + kNanosPerDay + 3 * kNanosPerHour + i * 5 * kNanosPerMinute,
          {"db-1", "kthreadx", "/tmp/.cache/kthreadx", "postgres", "systemd", 1}, "10.2.0.1", false,
          "203.0.113.99", 14444);
    }
    // Benign: a new agent rolled out to all 8 hosts, one every 10 minutes, then reporting.
    int index = 0;
    for (const auto* group : {&web, &db, &build}) {
      for (const Hosts& h : *group) {
        const int64_t first = window + 9 * kNanosPerHour + index++ * 10 * kNanosPerMinute;
        for (int64_t t = first; t < kStart + kDays * kNanosPerDay; t += 20 * kNanosPerMinute) {
          Add(t, {h.name, "otel-agent", "/usr/bin/otel-agent", "otel", "systemd", 1}, h.ip, false,
              "10.9.0.50", 4317);
        }
      }
    }
    std::sort(lines_.begin(), lines_.end(), [](const Line& a, const Line& b) { return a.t < b.t; });
  }

  std::string WriteEvents() {
    const std::string path = (dir_ / "events.ndjson").string();
    std::ofstream out(path);
    for (const Line& line : lines_) out << line.json << '\n';
    return path;
  }

  std::string LabelsJson() const {
    const int64_t window = kStart + kAttackDay * kNanosPerDay;
    auto ts = [](int64_t t) { return "\"" + FormatTimestamp(t) + "\""; };
    std::string rollout;
    const char* hosts[] = {"web-1", "web-2", "web-3", "web-4", "db-1", "db-2", "ci-1", "ci-2"};
    for (int i = 0; i < 8; ++i) {
      rollout += std::string(i ? "," : "") + R"({"id": "BH-)" + std::to_string(i) +
                 R"(", "case": "rollout", "novelty": "fleet_new", "host": ")" + hosts[i] +
                 R"(", "process_name": "otel-agent", "start": )" +
                 ts(window + 9 * kNanosPerHour + i * 10 * kNanosPerMinute) + R"(, "end": )" +
                 ts(kStart + kDays * kNanosPerDay - kNanosPerMinute) + "}";
    }
    return R"({"dataset": {"attack_start": )" + ts(window) +
           R"(, "attack_window_host_days": 16},
      "malicious": [
       {"id": "INJ-1", "scenario": "webshell", "technique": "T1059.004", "novelty": "host_new",
        "host": "web-2", "process_name": "bash", "start": )" +
           ts(window + 10 * kNanosPerHour) + R"(, "end": )" +
           ts(window + 10 * kNanosPerHour + 8 * kNanosPerMinute) + R"(},
       {"id": "INJ-2", "scenario": "miner", "technique": "T1496", "novelty": "fleet_new",
        "host": "db-1", "process_name": "kthreadx", "start": )" +
           ts(window + kNanosPerDay + 3 * kNanosPerHour) + R"(, "end": )" +
           ts(window + kNanosPerDay + 3 * kNanosPerHour + 115 * kNanosPerMinute) + R"(}],
      "benign_hard": [)" +
           rollout + "]}";
  }

  std::filesystem::path dir_;
  std::vector<Line> lines_;
};

TEST_F(DetectionRegressionTest, UlnaModeCatchesBothInjectionsWithoutFalseAlerts) {
  Generate();
  server::ReplayOptions options;
  options.inputs = {WriteEvents()};
  options.alerts_path = (dir_ / "alerts.ndjson").string();
  options.state_dir = (dir_ / "state").string();
  options.job.mode = server::DetectionMode::kUlna;
  auto summary = server::RunReplay(options);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->rejects.total(), 0u);

  auto labels = eval::ParseLabels(LabelsJson());
  ASSERT_TRUE(labels.ok()) << labels.status().ToString();
  auto alerts = eval::ReadAlerts(options.alerts_path);
  ASSERT_TRUE(alerts.ok()) << alerts.status().ToString();
  EXPECT_EQ(alerts->rejected, 0u);
  const eval::EvalReport report = eval::Evaluate(*labels, alerts->alerts);

  EXPECT_EQ(report.recall.detected, 2u);
  EXPECT_EQ(report.true_alerts, 2u);  // one alert per episode, not one per bucket
  EXPECT_EQ(report.false_in_window, 0u);
  EXPECT_EQ(report.false_in_training, 0u);
  EXPECT_EQ(report.benign_cases.at("rollout").false_alerts, 0u);
  ASSERT_TRUE(report.has_delay);
  EXPECT_LE(report.median_delay_minutes, 15.0);
}

}  // namespace
}  // namespace ulna
