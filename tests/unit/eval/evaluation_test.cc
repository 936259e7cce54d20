// Evaluation rules of the scenarios README on a hand-written labels + alerts fixture; every
// expected number below is counted by hand from the fixture.
#include "eval/evaluation.h"

#include <gtest/gtest.h>

#include "eval/eval_alerts.h"
#include "eval/eval_report.h"
#include "eval/labels.h"

namespace ulna::eval {
namespace {

const char kLabels[] = R"({
 "dataset": {"start": "2026-10-01T00:00:00Z", "attack_start": "2026-10-11T00:00:00.000Z",
             "attack_window_host_days": 10},
 "malicious": [
  {"id": "INJ-1", "scenario": "kind_a", "technique": "T1", "novelty": "host_new",
   "host": "h1", "process_name": "bash",
   "start": "2026-10-11T10:00:00Z", "end": "2026-10-11T10:30:00Z",
   "related": [{"host": "h2", "process_name": "sshd",
                "start": "2026-10-11T10:05:00Z", "end": "2026-10-11T10:06:00Z"}]},
  {"id": "INJ-2", "scenario": "kind_b", "technique": "T1", "novelty": "fleet_new",
   "host": "h2", "process_name": "curl",
   "start": "2026-10-12T00:00:00Z", "end": "2026-10-12T01:00:00Z", "related": []},
  {"id": "INJ-3", "scenario": "kind_c", "technique": "T2", "novelty": "host_known",
   "host": "h3", "process_name": "perl",
   "start": "2026-10-12T05:00:00Z", "end": "2026-10-12T05:00:00Z"}],
 "benign_hard": [
  {"id": "BH-1", "case": "rollout", "novelty": "fleet_new", "host": "h1",
   "process_name": "otel", "start": "2026-10-12T00:00:00Z", "end": "2026-10-13T00:00:00Z"},
  {"id": "BH-2", "case": "rollout", "novelty": "fleet_new", "host": "h2",
   "process_name": "otel", "start": "2026-10-12T00:00:00Z", "end": "2026-10-13T00:00:00Z"},
  {"id": "BH-3", "case": "monthly", "novelty": "host_known", "host": "h3",
   "process_name": "fw", "start": "2026-10-11T02:00:00Z", "end": "2026-10-11T02:10:00Z"}]
})";

// 12 lines: 10 alerts, 2 rejects. Comments per line in the test below.
const char kAlerts[] =
    R"({"@timestamp": "2026-10-11T09:15:00Z", "host": {"name": "h1"}, "process": {"name": "bash"}})"
    "\n"
    R"({"host": {"name": "h1"}, "process": {"name": "bash"}, "@timestamp": "2026-10-11T10:30:00.000Z"})"
    "\n"
    R"({"host.name": "h2", "process.name": "sshd", "kibana.alert": {"original_time": "2026-10-11T10:00:00Z"}})"
    "\n"
    R"({"host": {"name": "h2"}, "process": {"name": "curl"}, "@timestamp": 1791765000})"
    "\n"
    R"({"host": {"name": "h1"}, "process": {"name": "otel"}, "@timestamp": 1791774000000})"
    "\n"
    R"({"host": {"name": "h2"}, "process": {"name": "otel"}, "anomaly": {"bucket_start": "2026-10-12T04:00:00Z"}})"
    "\n"
    R"({"host": {"name": "h1"}, "process": {"name": "otel"}, "@timestamp": "2026-10-12T05:00:00Z"})"
    "\n"
    R"({"host": {"name": "h3"}, "process": {"name": "fw"}, "@timestamp": "2026-10-11T03:20:00Z"})"
    "\n"
    R"({"host": {"name": "h4"}, "process": {"name": "sshd"}, "@timestamp": "2026-10-05T00:00:00Z"})"
    "\n"
    "not json\n"
    R"({"host": {"name": "h4"}, "@timestamp": "2026-10-12T00:00:00Z"})"
    "\n"
    "\n"
    R"({"host": {"name": "h3"}, "process": {"name": "perl"}, "@timestamp": "2026-10-12T06:01:00Z"})"
    "\n";

class EvaluationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto labels = ParseLabels(kLabels);
    ASSERT_TRUE(labels.ok()) << labels.status().ToString();
    labels_ = *labels;
    file_ = ParseAlerts(kAlerts);
    report_ = Evaluate(labels_, file_.alerts);
  }
  Labels labels_;
  AlertFile file_;
  EvalReport report_;
};

TEST_F(EvaluationTest, ReadsNestedDottedAndEpochTimesAndCountsRejects) {
  ASSERT_EQ(file_.alerts.size(), 10u);
  EXPECT_EQ(file_.rejected, 2u);
  EXPECT_EQ(file_.blank_lines, 1u);
  ASSERT_EQ(file_.first_rejects.size(), 2u);
  EXPECT_EQ(file_.first_rejects[0].rfind("line 10: not JSON", 0), 0u) << file_.first_rejects[0];
  EXPECT_EQ(file_.first_rejects[1], "line 11: no process.name string");
  // Dotted host/process and a half-dotted kibana.alert.original_time.
  EXPECT_EQ(file_.alerts[2].host, "h2");
  EXPECT_EQ(file_.alerts[2].time_ns, 1791712800LL * 1'000'000'000);
  // Epoch seconds and epoch milliseconds.
  EXPECT_EQ(file_.alerts[3].time_ns, 1791765000LL * 1'000'000'000);
  EXPECT_EQ(file_.alerts[4].time_ns, 1791774000LL * 1'000'000'000);
}

TEST_F(EvaluationTest, ClassifiesTrueRelatedFalse) {
  EXPECT_EQ(report_.alerts, 10u);
  EXPECT_EQ(report_.true_alerts, 3u);     // lines 1, 2 (INJ-1), 4 (INJ-2)
  EXPECT_EQ(report_.related_alerts, 1u);  // line 3
  EXPECT_EQ(report_.false_alerts, 6u);
  EXPECT_EQ(report_.false_in_training, 1u);  // line 9
  EXPECT_EQ(report_.false_in_window, 5u);
  EXPECT_DOUBLE_EQ(report_.false_per_host_day(), 0.5);
  EXPECT_DOUBLE_EQ(report_.precision(), 3.0 / 9.0);
}

TEST_F(EvaluationTest, RecallPerTechniqueAndNovelty) {
  EXPECT_EQ(report_.recall.detected, 2u);
  EXPECT_EQ(report_.recall.total, 3u);
  EXPECT_EQ(report_.by_technique.at("T1").detected, 2u);
  EXPECT_EQ(report_.by_technique.at("T2").detected, 0u);
  EXPECT_EQ(report_.by_technique.at("T2").total, 1u);
  EXPECT_EQ(report_.by_scenario.at("kind_c").detected, 0u);
  EXPECT_EQ(report_.by_novelty.at("fleet_new").detected, 1u);
  EXPECT_EQ(report_.by_novelty.at("host_new").detected, 1u);
  EXPECT_EQ(report_.by_novelty.at("host_known").detected, 0u);
  // INJ-3 ends at 05:00; the alert at 06:01 is one minute past the hour of slack.
  EXPECT_FALSE(report_.injections[2].detected);
  EXPECT_EQ(report_.injections[0].alerts, 2u);
}

TEST_F(EvaluationTest, DelayIsFromTheFirstMatchingAlertAndMayBeNegative) {
  EXPECT_DOUBLE_EQ(report_.injections[0].delay_minutes, -45.0);
  EXPECT_DOUBLE_EQ(report_.injections[1].delay_minutes, 30.0);
  ASSERT_TRUE(report_.has_delay);
  EXPECT_DOUBLE_EQ(report_.median_delay_minutes, -7.5);
}

TEST_F(EvaluationTest, BenignCasesCountAlertsAndLabelsHit) {
  const BenignCaseResult& rollout = report_.benign_cases.at("rollout");
  EXPECT_EQ(rollout.false_alerts, 3u);
  EXPECT_EQ(rollout.labels_hit, 2u);
  EXPECT_EQ(rollout.labels, 2u);
  const BenignCaseResult& monthly = report_.benign_cases.at("monthly");
  EXPECT_EQ(monthly.false_alerts, 0u);  // 03:20 is past 02:10 + 1 h
  EXPECT_EQ(monthly.labels_hit, 0u);
}

TEST_F(EvaluationTest, TopFalsePairsMostFirst) {
  ASSERT_EQ(report_.top_false.size(), 5u);
  EXPECT_EQ(report_.top_false[0].host, "h1");
  EXPECT_EQ(report_.top_false[0].process_name, "otel");
  EXPECT_EQ(report_.top_false[0].alerts, 2u);
  EXPECT_EQ(report_.top_false[1].alerts, 1u);
}

TEST_F(EvaluationTest, JsonReportCarriesTheHeadlineNumbers) {
  const std::string json = FormatReportJson(report_, file_);
  EXPECT_NE(json.find("\"false_in_window\":5"), std::string::npos) << json;
  EXPECT_NE(json.find("\"detected\":2,\"injections\":3"), std::string::npos) << json;
  EXPECT_NE(json.find("\"median_delay_minutes\":-7.5"), std::string::npos) << json;
}

TEST(LabelsTest, MissingFieldIsANamedError) {
  auto labels = ParseLabels(R"({"dataset": {"attack_start": "2026-10-11T00:00:00Z",
      "attack_window_host_days": 4}, "malicious": [{"id": "X", "scenario": "s",
      "technique": "t", "novelty": "n", "host": "h", "start": "2026-10-11T00:00:00Z",
      "end": "2026-10-11T00:00:00Z"}], "benign_hard": []})");
  ASSERT_FALSE(labels.ok());
  EXPECT_EQ(labels.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(labels.status().message().find("malicious[0] (X): missing string field 'process_name'"),
            std::string::npos)
      << labels.status().ToString();
}

}  // namespace
}  // namespace ulna::eval
