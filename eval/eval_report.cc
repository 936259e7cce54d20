#include "eval/eval_report.h"

#include <cstdio>

#include "common/json_writer.h"

namespace ulna::eval {
namespace {

std::string Printf(const char* format, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), format, value);
  return buffer;
}

std::string Fraction(const Tally& tally) {
  return Printf("%.3f", tally.recall()) + " (" + std::to_string(tally.detected) + "/" +
         std::to_string(tally.total) + ")";
}

void AppendTallies(std::string* out, const char* title, const std::map<std::string, Tally>& map) {
  *out += title;
  *out += ":\n";
  for (const auto& [key, tally] : map) {
    char line[160];
    std::snprintf(line, sizeof(line), "  %-24s %s\n", key.c_str(), Fraction(tally).c_str());
    *out += line;
  }
}

void WriteTallies(JsonWriter& json, std::string_view key, const std::map<std::string, Tally>& map) {
  json.Key(key);
  json.BeginObject();
  for (const auto& [name, tally] : map) {
    json.Key(name);
    json.BeginObject();
    json.Key("detected");
    json.Uint(tally.detected);
    json.Key("total");
    json.Uint(tally.total);
    json.Key("recall");
    json.Double(tally.recall());
    json.EndObject();
  }
  json.EndObject();
}

}  // namespace

std::string FormatReportText(const EvalReport& r, const AlertFile& input) {
  std::string out;
  out += "alerts: " + std::to_string(r.alerts) + " (true " + std::to_string(r.true_alerts) +
         " / related " + std::to_string(r.related_alerts) + " / false " +
         std::to_string(r.false_alerts) + ")";
  if (input.rejected > 0) out += ", " + std::to_string(input.rejected) + " line(s) rejected";
  out += "\n";
  for (const std::string& why : input.first_rejects) out += "  rejected " + why + "\n";
  out += "recall: " + Fraction(r.recall) + "\n";
  out += "false alerts per host-day: " + Printf("%.4f", r.false_per_host_day()) + " (" +
         std::to_string(r.false_in_window) + " in the attack window / " +
         Printf("%g", r.attack_window_host_days) + " host-days)\n";
  out += "false alerts in the training period: " + std::to_string(r.false_in_training) + "\n";
  out += "precision: " + Printf("%.3f", r.precision()) + "\n";
  out += "median detection delay (min): " +
         (r.has_delay ? Printf("%.1f", r.median_delay_minutes) : std::string("n/a")) + "\n";
  AppendTallies(&out, "recall by novelty", r.by_novelty);
  AppendTallies(&out, "recall by technique", r.by_technique);
  AppendTallies(&out, "recall by attack kind", r.by_scenario);
  out += "injections:\n";
  for (const InjectionResult& i : r.injections) {
    out += "  " + i.id + ": " +
           (i.detected ? "detected, " + std::to_string(i.alerts) + " alert(s), delay " +
                             Printf("%.1f", i.delay_minutes) + " min"
                       : std::string("missed")) +
           "\n";
  }
  out += "benign hard cases (false alerts / labels hit of labels):\n";
  for (const auto& [kase, c] : r.benign_cases) {
    char line[200];
    std::snprintf(line, sizeof(line), "  %-28s %u / %u of %u\n", kase.c_str(), c.false_alerts,
                  c.labels_hit, c.labels);
    out += line;
  }
  out += "top false (host, process):\n";
  for (const FalsePair& p : r.top_false) {
    out += "  " + p.host + " " + p.process_name + ": " + std::to_string(p.alerts) + "\n";
  }
  return out;
}

std::string FormatReportJson(const EvalReport& r, const AlertFile& input) {
  std::string out;
  JsonWriter json(&out);
  json.BeginObject();
  json.Key("alerts");
  json.Uint(r.alerts);
  json.Key("true");
  json.Uint(r.true_alerts);
  json.Key("related");
  json.Uint(r.related_alerts);
  json.Key("false");
  json.Uint(r.false_alerts);
  json.Key("false_in_window");
  json.Uint(r.false_in_window);
  json.Key("false_in_training");
  json.Uint(r.false_in_training);
  json.Key("rejected_lines");
  json.Uint(input.rejected);
  json.Key("attack_window_host_days");
  json.Double(r.attack_window_host_days);
  json.Key("false_per_host_day");
  json.Double(r.false_per_host_day());
  json.Key("precision");
  json.Double(r.precision());
  json.Key("detected");
  json.Uint(r.recall.detected);
  json.Key("injections");
  json.Uint(r.recall.total);
  json.Key("recall");
  json.Double(r.recall.recall());
  json.Key("median_delay_minutes");
  if (r.has_delay) {
    json.Double(r.median_delay_minutes);
  } else {
    json.Null();
  }
  WriteTallies(json, "by_novelty", r.by_novelty);
  WriteTallies(json, "by_technique", r.by_technique);
  WriteTallies(json, "by_scenario", r.by_scenario);
  json.Key("benign_cases");
  json.BeginObject();
  for (const auto& [kase, c] : r.benign_cases) {
    json.Key(kase);
    json.BeginObject();
    json.Key("false_alerts");
    json.Uint(c.false_alerts);
    json.Key("labels_hit");
    json.Uint(c.labels_hit);
    json.Key("labels");
    json.Uint(c.labels);
    json.EndObject();
  }
  json.EndObject();
  json.Key("per_injection");
  json.BeginArray();
  for (const InjectionResult& i : r.injections) {
    json.BeginObject();
    json.Field("id", i.id);
    json.Key("detected");
    json.Bool(i.detected);
    json.Key("alerts");
    json.Uint(i.alerts);
    json.Key("delay_minutes");
    if (i.detected) {
      json.Double(i.delay_minutes);
    } else {
      json.Null();
    }
    json.EndObject();
  }
  json.EndArray();
  json.Key("top_false");
  json.BeginArray();
  for (const FalsePair& p : r.top_false) {
    json.BeginObject();
    json.Field("host", p.host);
    json.Field("process", p.process_name);
    json.Key("alerts");
    json.Uint(p.alerts);
    json.EndObject();
  }
  json.EndArray();
  json.EndObject();
  return out;
}

}  // namespace ulna::eval
