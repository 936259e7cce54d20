#include "eval/labels.h"

#include <simdjson.h>

#include "common/json_writer.h"

namespace ulna::eval {
namespace {

namespace dom = simdjson::dom;

// Reads the string field `key` of `object`; an InvalidArgument naming `where` when absent.
Status ReadString(dom::object object, std::string_view key, const std::string& where,
                  std::string* out) {
  std::string_view value;
  if (object[key].get_string().get(value) != simdjson::SUCCESS) {
    return Status::InvalidArgument(where + ": missing string field '" + std::string(key) + "'");
  }
  *out = std::string(value);
  return Status::Ok();
}

Status ReadTime(dom::object object, std::string_view key, const std::string& where, int64_t* out) {
  std::string text;
  ULNA_RETURN_IF_ERROR(ReadString(object, key, where, &text));
  if (!ParseTimestamp(text, out)) {
    return Status::InvalidArgument(where + ": '" + std::string(key) +
                                   "' is not an ISO-8601 time: " + text);
  }
  return Status::Ok();
}

Status ReadSpan(dom::object object, const std::string& where, LabelSpan* span) {
  ULNA_RETURN_IF_ERROR(ReadString(object, "host", where, &span->host));
  ULNA_RETURN_IF_ERROR(ReadString(object, "process_name", where, &span->process_name));
  ULNA_RETURN_IF_ERROR(ReadTime(object, "start", where, &span->start_ns));
  ULNA_RETURN_IF_ERROR(ReadTime(object, "end", where, &span->end_ns));
  if (span->end_ns < span->start_ns) return Status::InvalidArgument(where + ": end before start");
  return Status::Ok();
}

Status ReadInjection(dom::object object, size_t index, Injection* out) {
  const std::string where = "malicious[" + std::to_string(index) + "]";
  ULNA_RETURN_IF_ERROR(ReadString(object, "id", where, &out->id));
  const std::string named = where + " (" + out->id + ")";
  ULNA_RETURN_IF_ERROR(ReadString(object, "scenario", named, &out->scenario));
  ULNA_RETURN_IF_ERROR(ReadString(object, "technique", named, &out->technique));
  ULNA_RETURN_IF_ERROR(ReadString(object, "novelty", named, &out->novelty));
  ULNA_RETURN_IF_ERROR(ReadSpan(object, named, &out->span));
  dom::array related;
  auto related_field = object["related"];
  if (related_field.error() == simdjson::NO_SUCH_FIELD) return Status::Ok();
  if (related_field.get_array().get(related) != simdjson::SUCCESS) {
    return Status::InvalidArgument(named + ": 'related' is not an array");
  }
  size_t r = 0;
  for (dom::element element : related) {
    const std::string related_where = named + ".related[" + std::to_string(r++) + "]";
    dom::object entry;
    if (element.get_object().get(entry) != simdjson::SUCCESS) {
      return Status::InvalidArgument(related_where + ": not an object");
    }
    LabelSpan span;
    ULNA_RETURN_IF_ERROR(ReadSpan(entry, related_where, &span));
    out->related.push_back(std::move(span));
  }
  return Status::Ok();
}

Status ReadBenign(dom::object object, size_t index, BenignHard* out) {
  const std::string where = "benign_hard[" + std::to_string(index) + "]";
  ULNA_RETURN_IF_ERROR(ReadString(object, "id", where, &out->id));
  const std::string named = where + " (" + out->id + ")";
  ULNA_RETURN_IF_ERROR(ReadString(object, "case", named, &out->kase));
  ULNA_RETURN_IF_ERROR(ReadString(object, "novelty", named, &out->novelty));
  return ReadSpan(object, named, &out->span);
}

Result<Labels> FromDocument(dom::element root) {
  Labels labels;
  dom::object dataset;
  if (root["dataset"].get_object().get(dataset) != simdjson::SUCCESS) {
    return Status::InvalidArgument("labels: missing object 'dataset'");
  }
  ULNA_RETURN_IF_ERROR(ReadTime(dataset, "attack_start", "dataset", &labels.attack_start_ns));
  if (dataset["attack_window_host_days"].get_double().get(labels.attack_window_host_days) !=
          simdjson::SUCCESS ||
      labels.attack_window_host_days <= 0) {
    return Status::InvalidArgument("dataset: 'attack_window_host_days' must be a positive number");
  }
  const char* kLists[] = {"malicious", "benign_hard"};
  for (const char* list : kLists) {
    dom::array items;
    if (root[list].get_array().get(items) != simdjson::SUCCESS) {
      return Status::InvalidArgument(std::string("labels: missing array '") + list + "'");
    }
    size_t index = 0;
    for (dom::element element : items) {
      dom::object object;
      if (element.get_object().get(object) != simdjson::SUCCESS) {
        return Status::InvalidArgument(std::string(list) + "[" + std::to_string(index) +
                                       "]: not an object");
      }
      if (std::string_view(list) == "malicious") {
        Injection injection;
        ULNA_RETURN_IF_ERROR(ReadInjection(object, index, &injection));
        labels.malicious.push_back(std::move(injection));
      } else {
        BenignHard benign;
        ULNA_RETURN_IF_ERROR(ReadBenign(object, index, &benign));
        labels.benign_hard.push_back(std::move(benign));
      }
      ++index;
    }
  }
  return labels;
}

}  // namespace

Result<Labels> ParseLabels(std::string_view json) {
  dom::parser parser;
  dom::element root;
  const simdjson::padded_string padded(json);
  if (auto error = parser.parse(padded).get(root); error != simdjson::SUCCESS) {
    return Status::InvalidArgument(std::string("labels: not JSON: ") +
                                   simdjson::error_message(error));
  }
  return FromDocument(root);
}

Result<Labels> LoadLabels(const std::string& path) {
  simdjson::padded_string text;
  if (auto error = simdjson::padded_string::load(path).get(text); error != simdjson::SUCCESS) {
    return Status::IoError("cannot read labels " + path + ": " + simdjson::error_message(error));
  }
  auto labels = ParseLabels(std::string_view(text.data(), text.size()));
  if (!labels.ok()) return labels.status().WithContext(path);
  return labels;
}

}  // namespace ulna::eval
