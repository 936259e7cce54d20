#include "eval/eval_command.h"

#include <cstdio>

#include "eval/eval_alerts.h"
#include "eval/eval_report.h"
#include "eval/evaluation.h"
#include "eval/labels.h"

namespace ulna::eval {
namespace {

const char kUsage[] =
    "usage: eval --labels LABELS.json --alerts ALERTS.ndjson[.gz] [--json]\n"
    "Scores alerts against a labelled scenario: recall (overall, per technique, per novelty),\n"
    "false alerts per host-day over the attack window, alerts per benign hard case, detection\n"
    "delay, precision and the top false (host, process) pairs.\n";

}  // namespace

int RunEvalCommand(const std::vector<std::string>& args) {
  std::string labels_path;
  std::string alerts_path;
  bool json = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--json") {
      json = true;
    } else if ((arg == "--labels" || arg == "--alerts") && i + 1 < args.size()) {
      (arg == "--labels" ? labels_path : alerts_path) = args[++i];
    } else if (arg == "-h" || arg == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    } else {
      std::fprintf(stderr, "eval: unexpected argument '%s'\n%s", arg.c_str(), kUsage);
      return 2;
    }
  }
  if (labels_path.empty() || alerts_path.empty()) {
    std::fprintf(stderr, "eval: --labels and --alerts are required\n%s", kUsage);
    return 2;
  }
  auto labels = LoadLabels(labels_path);
  if (!labels.ok()) {
    std::fprintf(stderr, "eval: %s\n", labels.status().ToString().c_str());
    return 1;
  }
  auto alerts = ReadAlerts(alerts_path);
  if (!alerts.ok()) {
    std::fprintf(stderr, "eval: %s\n", alerts.status().ToString().c_str());
    return 1;
  }
  if (alerts->rejected > 0) {
    std::fprintf(stderr, "eval: %llu alert line(s) rejected (first: %s)\n",
                 static_cast<unsigned long long>(alerts->rejected),
                 alerts->first_rejects.front().c_str());
  }
  const EvalReport report = Evaluate(*labels, alerts->alerts);
  const std::string text =
      json ? FormatReportJson(report, *alerts) + "\n" : FormatReportText(report, *alerts);
  std::fputs(text.c_str(), stdout);
  return 0;
}

}  // namespace ulna::eval
