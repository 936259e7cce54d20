#include "eval/evaluation.h"

#include <algorithm>
#include <set>

namespace ulna::eval {
namespace {

constexpr size_t kTopFalsePairs = 10;
constexpr double kNanosPerMinute = 60e9;

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

}  // namespace

bool Matches(const EvalAlert& alert, const LabelSpan& span) {
  return alert.host == span.host && alert.process_name == span.process_name &&
         alert.time_ns >= span.start_ns - kMatchSlackNs &&
         alert.time_ns <= span.end_ns + kMatchSlackNs;
}

EvalReport Evaluate(const Labels& labels, const std::vector<EvalAlert>& alerts) {
  EvalReport report;
  report.attack_window_host_days = labels.attack_window_host_days;
  report.alerts = static_cast<uint32_t>(alerts.size());

  std::vector<int64_t> first_alert(labels.malicious.size(), 0);
  report.injections.resize(labels.malicious.size());
  for (size_t i = 0; i < labels.malicious.size(); ++i) {
    report.injections[i].id = labels.malicious[i].id;
  }
  for (const BenignHard& benign : labels.benign_hard) ++report.benign_cases[benign.kase].labels;
  std::vector<bool> benign_hit(labels.benign_hard.size(), false);
  std::map<std::pair<std::string, std::string>, uint32_t> false_pairs;

  for (const EvalAlert& alert : alerts) {
    bool is_true = false;
    for (size_t i = 0; i < labels.malicious.size(); ++i) {
      if (!Matches(alert, labels.malicious[i].span)) continue;
      is_true = true;
      InjectionResult& result = report.injections[i];
      if (!result.detected || alert.time_ns < first_alert[i]) first_alert[i] = alert.time_ns;
      result.detected = true;
      ++result.alerts;
    }
    if (is_true) {
      ++report.true_alerts;
      continue;
    }
    const bool is_related = std::any_of(
        labels.malicious.begin(), labels.malicious.end(), [&](const Injection& injection) {
          return std::any_of(injection.related.begin(), injection.related.end(),
                             [&](const LabelSpan& span) { return Matches(alert, span); });
        });
    if (is_related) {
      ++report.related_alerts;
      continue;
    }
    ++report.false_alerts;
    if (alert.time_ns >= labels.attack_start_ns) {
      ++report.false_in_window;
    } else {
      ++report.false_in_training;
    }
    ++false_pairs[{alert.host, alert.process_name}];
    std::set<std::string> cases;  // an alert counts once per case even if it matches two labels
    for (size_t b = 0; b < labels.benign_hard.size(); ++b) {
      if (!Matches(alert, labels.benign_hard[b].span)) continue;
      benign_hit[b] = true;
      cases.insert(labels.benign_hard[b].kase);
    }
    for (const std::string& kase : cases) ++report.benign_cases[kase].false_alerts;
  }

  std::vector<double> delays;
  for (size_t i = 0; i < labels.malicious.size(); ++i) {
    const Injection& injection = labels.malicious[i];
    InjectionResult& result = report.injections[i];
    const uint32_t hit = result.detected ? 1 : 0;
    for (Tally* tally :
         {&report.recall, &report.by_technique[injection.technique],
          &report.by_scenario[injection.scenario], &report.by_novelty[injection.novelty]}) {
      tally->detected += hit;
      ++tally->total;
    }
    if (result.detected) {
      result.delay_minutes = (first_alert[i] - injection.span.start_ns) / kNanosPerMinute;
      delays.push_back(result.delay_minutes);
    }
  }
  if (!delays.empty()) {
    report.has_delay = true;
    report.median_delay_minutes = Median(std::move(delays));
  }
  for (size_t b = 0; b < labels.benign_hard.size(); ++b) {
    if (benign_hit[b]) ++report.benign_cases[labels.benign_hard[b].kase].labels_hit;
  }

  for (const auto& [key, count] : false_pairs) {
    report.top_false.push_back(FalsePair{key.first, key.second, count});
  }
  std::stable_sort(report.top_false.begin(), report.top_false.end(),
                   [](const FalsePair& a, const FalsePair& b) { return a.alerts > b.alerts; });
  if (report.top_false.size() > kTopFalsePairs) report.top_false.resize(kTopFalsePairs);
  return report;
}

}  // namespace ulna::eval
