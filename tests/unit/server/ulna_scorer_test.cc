// Each scoring term of the ulna mode on hand-built baselines: the expected weights are the
// documented constants or hand-computed novelty surprises.
#include "server/detect/ulna_scorer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "common/duration.h"

namespace ulna::server {
namespace {

// 2026-10-01T00:00:00Z, a Thursday.
constexpr int64_t kStart = 1790812800LL * kNanosPerSecond;
constexpr int64_t kBucket = 15 * kNanosPerMinute;

ActivityFeatures Activity(const std::string& name, const std::string& user,
                          const std::string& parent, std::set<std::string> behaviours,
                          const std::string& executable = "") {
  ActivityFeatures f;
  f.name = name;
  f.executable = executable.empty() ? "/usr/bin/" + name : executable;
  f.path_class = ClassifyExecutable(f.executable);
  f.user = user;
  f.parent_name = parent;
  f.parent_is_init = parent == "systemd";
  f.behaviours.assign(behaviours.begin(), behaviours.end());
  f.ingress_only = true;
  for (const std::string& b : f.behaviours) {
    if (IsOutboundBehaviour(b)) {
      f.ingress_only = false;
      if (IsExternalBehaviour(b)) f.outbound_external = true;
    }
  }
  return f;
}

HostInfo Host(const std::string& id) { return HostInfo{id, id}; }

const ScoreTerm* Find(const UlnaScore& score, const std::string& name) {
  for (const ScoreTerm& t : score.terms) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

// `host` is viewed by the input: a literal or a string that outlives it.
ScoringInput Input(const ActivityFeatures& f, std::string_view host, int64_t now) {
  ScoringInput in;
  in.features = &f;
  in.host_id = host;
  in.bucket_start_ns = now;
  in.fleet_hosts = 5;
  return in;
}

// Five hosts, ten days: every host runs the web server, h1-h4 also run curl (as root, from cron).
class UlnaScorerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int day = 0; day < 10; ++day) {
      for (int slot = 0; slot < 8; ++slot) {
        const int64_t t = kStart + day * kNanosPerDay + slot * 3 * kNanosPerHour;
        for (int h = 1; h <= 5; ++h) {
          const std::string id = "h" + std::to_string(h);
          baselines_.Observe(t, Host(id),
                             Activity("nginx", "www-data", "nginx", {"in/443/external"}));
          baselines_.ObserveParent("nginx");
          if (h <= 4)
            baselines_.Observe(t, Host(id), Activity("curl", "root", "cron", {"out/443/external"}));
        }
      }
    }
  }
  UlnaBaselines baselines_;
  const int64_t now_ = kStart + 10 * kNanosPerDay;
};

TEST(NoveltySurpriseTest, PitmanYorEstimate) {
  // p = (1 + 0.5 * 1) / (98 + 2) = 0.015.
  EXPECT_NEAR(NoveltySurprise(1, 98, 3.0), -std::log10(0.015), 1e-12);
  EXPECT_DOUBLE_EQ(NoveltySurprise(1, 1'000'000, 3.0), 3.0);  // capped
  EXPECT_DOUBLE_EQ(NoveltySurprise(10, 2, 3.0), 0.0);         // p > 1 -> no surprise
}

TEST_F(UlnaScorerTest, HostNewButFleetCommonIsWeak) {
  const ActivityFeatures f = Activity("curl", "root", "cron", {"out/443/external"});
  ScoringInput in = Input(f, "h5", now_);
  in.peer_share = 1.0;  // all of h5's peers run curl
  const UlnaScore score = ScoreActivity(in, baselines_);
  const ScoreTerm* host_new = Find(score, "host_new");
  ASSERT_NE(host_new, nullptr);
  // 2 * (1 - 1.0) - (4/5)^2 < 0 -> 0.
  EXPECT_DOUBLE_EQ(host_new->weight, 0.0);
  EXPECT_EQ(Find(score, "fleet_new"), nullptr);
  EXPECT_LT(score.score, 50);
}

TEST_F(UlnaScorerTest, HostNewAndPeersNeverRanItScalesWithFleetShare) {
  const ActivityFeatures f = Activity("curl", "root", "cron", {"out/443/external"});
  ScoringInput in = Input(f, "h5", now_);
  in.peer_share = 0.0;
  const ScoreTerm* host_new = Find(ScoreActivity(in, baselines_), "host_new");
  ASSERT_NE(host_new, nullptr);
  EXPECT_DOUBLE_EQ(host_new->weight, 2.0 - 0.8 * 0.8);
}

TEST_F(UlnaScorerTest, FleetNewNameFromAServiceAccountOfAServer) {
  // www-data only ever ran nginx (which accepts connections); now nginx starts bash going out.
  const ActivityFeatures f = Activity("bash", "www-data", "nginx", {"out/4444/external"});
  const UlnaScore score = ScoreActivity(Input(f, "h5", now_), baselines_);
  ASSERT_NE(Find(score, "fleet_new"), nullptr);
  EXPECT_DOUBLE_EQ(Find(score, "fleet_new")->weight, 2.0);
  ASSERT_NE(Find(score, "server_parent"), nullptr);
  EXPECT_DOUBLE_EQ(Find(score, "server_parent")->weight, 1.5);
  // www-data ran one program on 10 days and never connected out: 1.5 + 1.0.
  ASSERT_NE(Find(score, "service_account"), nullptr);
  EXPECT_DOUBLE_EQ(Find(score, "service_account")->weight, 2.5);
  // (www-data, nginx) launched nginx in 80 buckets: -log10(1.5 / 82).
  ASSERT_NE(Find(score, "launch_context"), nullptr);
  EXPECT_NEAR(Find(score, "launch_context")->weight, -std::log10(1.5 / 82), 1e-9);
  // Nobody in the fleet ever used out/4444/external.
  ASSERT_NE(Find(score, "port_fleet_new"), nullptr);
  EXPECT_GE(score.score, 50);
  EXPECT_NEAR(score.probability, std::pow(10, -score.surprise), 1e-15);
}

TEST_F(UlnaScorerTest, RolloutReplacesIdentityNovelty) {
  const ActivityFeatures f = Activity("otel", "otel", "systemd", {"out/4317/internal"});
  ScoringInput in = Input(f, "h5", now_);
  in.rollout_hosts = 5;
  const UlnaScore score = ScoreActivity(in, baselines_);
  ASSERT_NE(Find(score, "rollout"), nullptr);
  EXPECT_DOUBLE_EQ(Find(score, "rollout")->weight, 0.0);
  EXPECT_EQ(Find(score, "fleet_new"), nullptr);
  EXPECT_EQ(Find(score, "host_new"), nullptr);
}

TEST_F(UlnaScorerTest, SameNameFromAHiddenPath) {
  const ActivityFeatures f =
      Activity("curl", "root", "cron", {"out/443/external"}, "/var/tmp/.cache/curl");
  const UlnaScore score = ScoreActivity(Input(f, "h1", now_), baselines_);
  ASSERT_NE(Find(score, "unusual_path"), nullptr);
  EXPECT_DOUBLE_EQ(Find(score, "unusual_path")->weight, 3.0);
  ASSERT_NE(Find(score, "executable_new"), nullptr);
  EXPECT_DOUBLE_EQ(Find(score, "executable_new")->weight, 1.0);  // new in the fleet too
  EXPECT_EQ(Find(score, "host_new"), nullptr);                   // the name is known here
}

TEST_F(UlnaScorerTest, KnownNameWithAFleetNewBehaviour) {
  const ActivityFeatures f = Activity("curl", "root", "cron", {"out/9999/external"});
  const UlnaScore score = ScoreActivity(Input(f, "h1", now_), baselines_);
  ASSERT_NE(Find(score, "behaviour_new_on_host"), nullptr);
  EXPECT_DOUBLE_EQ(Find(score, "behaviour_new_on_host")->weight, 1.0);
  // curl: 1 behaviour in 4 hosts x 80 buckets = 320 observations: 1.5 * -log10(1.5 / 322).
  ASSERT_NE(Find(score, "behaviour_fleet_new"), nullptr);
  EXPECT_NEAR(Find(score, "behaviour_fleet_new")->weight, 1.5 * -std::log10(1.5 / 322), 1e-9);
}

TEST_F(UlnaScorerTest, LearningHostUsesNoHostScopeTerms) {
  UlnaBaselines fresh = baselines_;
  fresh.Observe(now_ - kNanosPerDay, Host("h9"), Activity("nginx", "www-data", "nginx", {}));
  const ActivityFeatures f = Activity("bash", "www-data", "nginx", {"out/4444/external"});
  ScoringInput in = Input(f, "h9", now_);
  in.learning = true;
  const UlnaScore score = ScoreActivity(in, fresh);
  ASSERT_NE(Find(score, "learning"), nullptr);
  EXPECT_DOUBLE_EQ(Find(score, "learning")->weight, -1.0);
  EXPECT_EQ(Find(score, "launch_context"), nullptr);
  EXPECT_EQ(Find(score, "service_account"), nullptr);
  EXPECT_EQ(Find(score, "host_stability"), nullptr);
}

TEST(UlnaScorerCadenceTest, MonthlyJobBackOnItsDayOfMonth) {
  UlnaBaselines baselines;
  // h1 runs its web server every day from Sept 1st; a report job ran once, on Sept 12th.
  const int64_t sept1 = kStart - 30 * kNanosPerDay;
  for (int day = 0; day < 40; ++day) {
    baselines.Observe(sept1 + day * kNanosPerDay, Host("h1"),
                      Activity("nginx", "www-data", "nginx", {"in/443/external"}));
  }
  baselines.Observe(sept1 + 11 * kNanosPerDay + 2 * kNanosPerHour, Host("h1"),
                    Activity("report", "root", "systemd", {"out/443/external"}));
  const ActivityFeatures f = Activity("report", "root", "systemd", {"out/443/external"});
  // October 12th, 02:00: same day of the month (and not the same weekday: Sat vs Mon).
  const UlnaScore on_cadence =
      ScoreActivity(Input(f, "h1", kStart + 11 * kNanosPerDay + 2 * kNanosPerHour), baselines);
  ASSERT_NE(Find(on_cadence, "cadence"), nullptr);
  EXPECT_DOUBLE_EQ(Find(on_cadence, "cadence")->weight, -2.0);
  // October 14th: neither its weekday nor its day of the month.
  const UlnaScore off_cadence =
      ScoreActivity(Input(f, "h1", kStart + 13 * kNanosPerDay + 2 * kNanosPerHour), baselines);
  EXPECT_EQ(Find(off_cadence, "cadence"), nullptr);
}

TEST(UlnaFeaturesTest, PathClasses) {
  EXPECT_EQ(ClassifyExecutable("/usr/bin/curl"), PathClass::kSystem);
  EXPECT_EQ(ClassifyExecutable("/tmp/x"), PathClass::kTemp);
  EXPECT_EQ(ClassifyExecutable("/dev/shm/kworker"), PathClass::kTemp);
  EXPECT_EQ(ClassifyExecutable("/tmp/.x/kworkerds"), PathClass::kHidden);
  EXPECT_EQ(ClassifyExecutable("/var/tmp/.dbus/dbus-daemon"), PathClass::kHidden);
  EXPECT_EQ(ClassifyExecutable("/home/al/.local/bin/tool"), PathClass::kHidden);
  EXPECT_EQ(ClassifyExecutable("/usr/bin/.hidden-file"),
            PathClass::kSystem);  // the file, not a dir
  EXPECT_EQ(ClassifyExecutable("/usr/sbin/sshd (deleted)"), PathClass::kDeleted);
  // Only a directory whose name starts with '.' hides (not ".", "..", nor a dot inside a name).
  EXPECT_EQ(ClassifyExecutable(".cache/tool"), PathClass::kHidden);
  EXPECT_EQ(ClassifyExecutable("/usr/./bin/curl"), PathClass::kSystem);
  EXPECT_EQ(ClassifyExecutable("/usr/lib/../bin/curl"), PathClass::kSystem);
  EXPECT_EQ(ClassifyExecutable("/usr/lib/python3.11/x"), PathClass::kSystem);
  EXPECT_EQ(ClassifyExecutable("/usr/lib/a.b/.c/x"), PathClass::kHidden);
  EXPECT_EQ(ClassifyExecutable("/usr/lib/.."), PathClass::kSystem);
  EXPECT_EQ(ClassifyExecutable("/home/al/bin/tool"), PathClass::kHome);
}

TEST(UlnaFeaturesTest, Calendar) {
  EXPECT_EQ(UtcWeekday(kStart), 4);  // Thursday
  EXPECT_EQ(UtcDayOfMonth(kStart), 1);
  EXPECT_EQ(UtcDayOfMonth(kStart + 30 * kNanosPerDay + kNanosPerHour), 31);
  EXPECT_EQ(UtcDayOfMonth(kStart + 31 * kNanosPerDay), 1);  // November 1st
}

// The detector scores without reasons and explains only what it records: the terms and their
// weights, and so the score, must not depend on it.
TEST_F(UlnaScorerTest, ExplainingChangesOnlyTheReasons) {
  const std::vector<ActivityFeatures> cases = {
      Activity("bash", "www-data", "nginx", {"out/4444/external"}),  // fleet new
      Activity("curl", "root", "cron", {"out/443/external"}),        // host new on h5
      Activity("curl", "root", "sshd", {"out/8443/external"}),       // known, new behaviour
  };
  size_t terms = 0;
  for (const ActivityFeatures& f : cases) {
    for (const char* host : {"h1", "h5"}) {
      ScoringInput in = Input(f, host, now_);
      in.peer_share = 0.5;
      const UlnaScore explained = ScoreActivity(in, baselines_);
      in.explain = false;
      const UlnaScore silent = ScoreActivity(in, baselines_);
      ASSERT_EQ(explained.terms.size(), silent.terms.size()) << f.name << " on " << host;
      terms += silent.terms.size();
      for (size_t i = 0; i < silent.terms.size(); ++i) {
        EXPECT_EQ(silent.terms[i].name, explained.terms[i].name);
        EXPECT_EQ(silent.terms[i].weight, explained.terms[i].weight);
        EXPECT_FALSE(explained.terms[i].reason.empty());
        EXPECT_TRUE(silent.terms[i].reason.empty());
      }
      EXPECT_EQ(silent.score, explained.score);
      EXPECT_EQ(silent.probability, explained.probability);
    }
  }
  EXPECT_GE(terms, 10u);  // the cases exercise many terms
}

}  // namespace
}  // namespace ulna::server
