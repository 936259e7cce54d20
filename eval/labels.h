// Labels of a scenario (labels.json): the malicious injections with their related activity and
// the benign hard cases, each keyed by (host, process name) over [start, end].
// Plain value types; LoadLabels() is the only I/O.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace ulna::eval {

// Activity of one process name on one host between `start_ns` and `end_ns` (first and last event).
struct LabelSpan {
  std::string host;
  std::string process_name;
  int64_t start_ns = 0;
  int64_t end_ns = 0;
};

struct Injection {
  std::string id;
  std::string scenario;   // the attack kind
  std::string technique;  // MITRE ATT&CK id
  std::string novelty;    // fleet_new / host_new / host_known
  LabelSpan span;
  std::vector<LabelSpan> related;  // caused by the injection: neither rewarded nor penalised
};

struct BenignHard {
  std::string id;
  std::string kase;  // "case" in the file
  std::string novelty;
  LabelSpan span;
};

struct Labels {
  int64_t attack_start_ns = 0;
  double attack_window_host_days = 0;
  std::vector<Injection> malicious;
  std::vector<BenignHard> benign_hard;
};

// Parses labels.json. InvalidArgument naming the label and field when something is missing or
// malformed; NotFound / IoError when the file cannot be read.
Result<Labels> LoadLabels(const std::string& path);
Result<Labels> ParseLabels(std::string_view json);

}  // namespace ulna::eval
