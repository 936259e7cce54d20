#include "server/config/server_config.h"

#include <charconv>
#include <fstream>

namespace ulna::server {
namespace {

std::string Normalise(std::string_view key) {
  std::string out(key);
  for (char& c : out) {
    if (c == '-') c = '_';
  }
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

Status SetDuration(std::string_view key, std::string_view value, int64_t* out) {
  auto parsed = ParseDuration(value);
  if (!parsed.ok()) return parsed.status().WithContext(key);
  *out = *parsed;
  return Status::Ok();
}

template <typename Number>
Status SetNumber(std::string_view key, std::string_view value, Number* out) {
  Number parsed{};
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), parsed);
  if (ec != std::errc() || ptr != value.data() + value.size()) {
    return Status::InvalidArgument(std::string(key) + ": '" + std::string(value) +
                                   "' is not a number");
  }
  *out = parsed;
  return Status::Ok();
}

}  // namespace

Status ServerConfig::Set(std::string_view raw_key, std::string_view value) {
  const std::string key = Normalise(raw_key);
  if (key == "data_dir") {
    data_dir = value;
  } else if (key == "listen") {
    listen = value;
  } else if (key == "alerts_output" || key == "alerts") {
    alerts_output = value;
  } else if (key == "server_name") {
    server_names.emplace_back(value);
  } else if (key == "metrics_port") {
    ULNA_RETURN_IF_ERROR(SetNumber(key, value, &metrics_port));
    if (metrics_port < -1 || metrics_port > 65535) {
      return Status::InvalidArgument("metrics_port must be -1 (off) or 0..65535");
    }
  } else if (key == "mode") {
    auto mode = ParseDetectionMode(value);
    if (!mode.ok()) return mode.status();
    job.mode = *mode;
  } else if (key == "bucket_span") {
    return SetDuration(key, value, &job.bucket_span_ns);
  } else if (key == "query_delay") {
    return SetDuration(key, value, &job.query_delay_ns);
  } else if (key == "rule_interval") {
    return SetDuration(key, value, &job.rule_interval_ns);
  } else if (key == "lookback") {
    return SetDuration(key, value, &job.lookback_ns);
  } else if (key == "retention") {
    return SetDuration(key, value, &job.retention_ns);
  } else if (key == "max_future_skew") {
    return SetDuration(key, value, &job.max_future_skew_ns);
  } else if (key == "alert_threshold") {
    return SetNumber(key, value, &job.alert_threshold);
  } else if (key == "max_alerts_per_run") {
    return SetNumber(key, value, &job.max_alerts_per_run);
  } else {
    return Status::InvalidArgument("unknown setting '" + std::string(raw_key) + "'");
  }
  return Status::Ok();
}

std::string ServerConfig::AlertsPath() const {
  return alerts_output.empty() ? data_dir + "/alerts.ndjson" : alerts_output;
}

Status LoadConfigFile(const std::string& path, ServerConfig* config) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("cannot read config file " + path);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::string_view text = Trim(line);
    if (text.empty() || text.front() == '#') continue;
    const size_t eq = text.find('=');
    if (eq == std::string_view::npos) {
      return Status::InvalidArgument(path + ":" + std::to_string(number) +
                                     ": expected 'key = value'");
    }
    ULNA_RETURN_IF_ERROR(config->Set(Trim(text.substr(0, eq)), Trim(text.substr(eq + 1)))
                             .WithContext(path + ":" + std::to_string(number)));
  }
  return Status::Ok();
}

Status ParseFlags(const std::vector<std::string>& args, ServerConfig* config,
                  std::vector<std::string>* positional) {
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg.size() < 3 || arg.substr(0, 2) != "--") {
      positional->emplace_back(arg);
      continue;
    }
    arg.remove_prefix(2);
    std::string key, value;
    if (const size_t eq = arg.find('='); eq != std::string_view::npos) {
      key = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    } else {
      if (i + 1 >= args.size())
        return Status::InvalidArgument("--" + std::string(arg) + " needs a value");
      key = arg;
      value = args[++i];
    }
    if (key == "config") {
      ULNA_RETURN_IF_ERROR(LoadConfigFile(value, config));
    } else {
      ULNA_RETURN_IF_ERROR(config->Set(key, value));
    }
  }
  return Status::Ok();
}

}  // namespace ulna::server
