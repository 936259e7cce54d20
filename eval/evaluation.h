// Evaluation of alerts against labels, exactly the rules of the scenarios README: an alert
// matches a label on the same host and process name within [start - 1 h, end + 1 h]; it is true
// (matches an injection), related (matches only an injection's related activity) or false; then
// recall (overall, per technique, per attack kind, per novelty), false alerts per host-day over the
// attack window, alerts per benign hard case, detection delay and precision. Pure function.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "eval/eval_alerts.h"
#include "eval/labels.h"

namespace ulna::eval {

inline constexpr int64_t kMatchSlackNs = 3600LL * 1'000'000'000LL;

struct Tally {
  uint32_t detected = 0;
  uint32_t total = 0;
  double recall() const { return total == 0 ? 0 : static_cast<double>(detected) / total; }
};

struct InjectionResult {
  std::string id;
  bool detected = false;
  double delay_minutes = 0;  // first matching true alert - start (valid when detected)
  uint32_t alerts = 0;       // true alerts matching it
};

struct BenignCaseResult {
  uint32_t false_alerts = 0;  // false alerts matching any label of the case
  uint32_t labels_hit = 0;    // labels of the case with at least one false alert
  uint32_t labels = 0;
};

struct FalsePair {
  std::string host;
  std::string process_name;
  uint32_t alerts = 0;
};

struct EvalReport {
  uint32_t alerts = 0;
  uint32_t true_alerts = 0;
  uint32_t related_alerts = 0;
  uint32_t false_alerts = 0;       // all of them
  uint32_t false_in_window = 0;    // at or after attack_start
  uint32_t false_in_training = 0;  // before attack_start
  double attack_window_host_days = 0;
  Tally recall;
  std::map<std::string, Tally> by_technique;
  std::map<std::string, Tally> by_scenario;
  std::map<std::string, Tally> by_novelty;
  std::vector<InjectionResult> injections;  // label order
  std::map<std::string, BenignCaseResult> benign_cases;
  bool has_delay = false;
  double median_delay_minutes = 0;
  std::vector<FalsePair> top_false;  // most false alerts first, at most 10

  double false_per_host_day() const {
    return attack_window_host_days > 0 ? false_in_window / attack_window_host_days : 0;
  }
  double precision() const {
    const uint32_t judged = true_alerts + false_alerts;
    return judged == 0 ? 0 : static_cast<double>(true_alerts) / judged;
  }
};

EvalReport Evaluate(const Labels& labels, const std::vector<EvalAlert>& alerts);

// True when `alert` matches `span` under the README's rule.
bool Matches(const EvalAlert& alert, const LabelSpan& span);

}  // namespace ulna::eval
