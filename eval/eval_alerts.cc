#include "eval/eval_alerts.h"

#include <simdjson.h>

#include <cmath>

#include "common/json_writer.h"
#include "common/line_reader.h"

namespace ulna::eval {
namespace {

namespace dom = simdjson::dom;

constexpr size_t kMaxRejectSamples = 5;
constexpr int64_t kNanosPerSecond = 1'000'000'000;
// Epoch values above this are milliseconds: 1e11 seconds is the year 5138.
constexpr double kMillisecondThreshold = 1e11;

// Finds `path` ("kibana.alert.original_time") in `object`, whatever mix of nesting and dotted
// keys the producer used: at each level every prefix of the remaining segments is tried as a key.
bool Lookup(dom::object object, const std::vector<std::string_view>& segments, size_t from,
            dom::element* out) {
  std::string key;
  for (size_t end = from; end < segments.size(); ++end) {
    if (end > from) key += '.';
    key += segments[end];
    dom::element value;
    if (object[key].get(value) != simdjson::SUCCESS) continue;
    if (end + 1 == segments.size()) {
      *out = value;
      return true;
    }
    dom::object inner;
    if (value.get_object().get(inner) == simdjson::SUCCESS &&
        Lookup(inner, segments, end + 1, out)) {
      return true;
    }
  }
  return false;
}

bool Lookup(dom::object object, std::string_view path, dom::element* out) {
  std::vector<std::string_view> segments;
  size_t start = 0;
  while (true) {
    const size_t dot = path.find('.', start);
    segments.push_back(path.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return Lookup(object, segments, 0, out);
}

bool EpochToNs(double value, int64_t* out) {
  if (!std::isfinite(value) || value < 0) return false;
  const double seconds = value >= kMillisecondThreshold ? value / 1000 : value;
  if (seconds >= 9.2e9) return false;  // past int64 ns
  *out = static_cast<int64_t>(std::llround(seconds * kNanosPerSecond));
  return true;
}

// ISO-8601 string, or an epoch number (seconds or milliseconds), possibly as a numeric string.
bool ReadTime(dom::element value, int64_t* out) {
  std::string_view text;
  if (value.get_string().get(text) == simdjson::SUCCESS) {
    if (ParseTimestamp(text, out)) return true;
    if (text.empty() || text.find_first_not_of("0123456789.") != std::string_view::npos) {
      return false;
    }
    return EpochToNs(std::strtod(std::string(text).c_str(), nullptr), out);
  }
  double number;
  if (value.get_double().get(number) == simdjson::SUCCESS) return EpochToNs(number, out);
  return false;
}

const char* const kTimeFields[] = {"@timestamp", "kibana.alert.original_time",
                                   "anomaly.bucket_start"};

// Empty string when `line` is an alert (filled into `alert`), else why not.
std::string ParseLine(dom::parser& parser, std::string_view line, EvalAlert* alert) {
  dom::element root;
  if (auto error = parser.parse(line.data(), line.size(), /*realloc_if_needed=*/false).get(root);
      error != simdjson::SUCCESS) {
    return std::string("not JSON: ") + simdjson::error_message(error);
  }
  dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) return "not a JSON object";
  dom::element value;
  std::string_view text;
  if (!Lookup(object, "host.name", &value) || value.get_string().get(text) != simdjson::SUCCESS ||
      text.empty()) {
    return "no host.name string";
  }
  alert->host = std::string(text);
  if (!Lookup(object, "process.name", &value) ||
      value.get_string().get(text) != simdjson::SUCCESS || text.empty()) {
    return "no process.name string";
  }
  alert->process_name = std::string(text);
  for (const char* field : kTimeFields) {
    if (!Lookup(object, field, &value)) continue;
    if (!ReadTime(value, &alert->time_ns)) return std::string("unreadable time in ") + field;
    return "";
  }
  return "no time (@timestamp, kibana.alert.original_time or anomaly.bucket_start)";
}

void AddLine(dom::parser& parser, std::string_view line, uint64_t number, AlertFile* file) {
  if (line.find_first_not_of(" \t") == std::string_view::npos) {
    ++file->blank_lines;
    return;
  }
  EvalAlert alert;
  alert.line = number;
  const std::string why = ParseLine(parser, line, &alert);
  if (why.empty()) {
    file->alerts.push_back(std::move(alert));
    return;
  }
  ++file->rejected;
  if (file->first_rejects.size() < kMaxRejectSamples) {
    file->first_rejects.push_back("line " + std::to_string(number) + ": " + why);
  }
}

}  // namespace

Result<AlertFile> ReadAlerts(const std::string& path) {
  auto reader = LineReader::Open(path);
  if (!reader.ok()) return reader.status().WithContext("alerts " + path);
  AlertFile file;
  dom::parser parser;
  std::string_view line;
  while ((*reader)->Next(&line)) {
    if ((*reader)->oversize()) {
      ++file.rejected;
      if (file.first_rejects.size() < kMaxRejectSamples) {
        file.first_rejects.push_back("line " + std::to_string((*reader)->line_number()) +
                                     ": longer than the line limit");
      }
      continue;
    }
    AddLine(parser, line, (*reader)->line_number(), &file);
  }
  if (!(*reader)->status().ok()) return (*reader)->status().WithContext("alerts " + path);
  return file;
}

AlertFile ParseAlerts(std::string_view ndjson) {
  AlertFile file;
  dom::parser parser;
  uint64_t number = 0;
  size_t start = 0;
  while (start < ndjson.size()) {
    size_t end = ndjson.find('\n', start);
    if (end == std::string_view::npos) end = ndjson.size();
    const std::string padded_line(ndjson.substr(start, end - start));
    const simdjson::padded_string padded(padded_line);
    AddLine(parser, std::string_view(padded.data(), padded.size()), ++number, &file);
    start = end + 1;
  }
  return file;
}

}  // namespace ulna::eval
