// ServerConfig: every setting of ulna-server, typed, with embedded defaults. Read from an
// optional `key = value` file, then overridden by `--key value` flags; validated once at start.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "server/job/job_config.h"

namespace ulna::server {

struct ServerConfig {
  std::string data_dir = "ulna-data";  // RocksDB, TLS material, admin token
  std::string listen = "127.0.0.1:7443";
  std::string alerts_output;              // NDJSON alert file; default <data_dir>/alerts.ndjson
  std::vector<std::string> server_names;  // extra DNS names / IPs for the server certificate
  int metrics_port = -1;  // Prometheus text on 127.0.0.1:<port>; 0 picks one; -1 is off
  JobConfig job;

  // Sets one setting by name ("bucket_span" or "bucket-span"); InvalidArgument for unknown names
  // or bad values.
  Status Set(std::string_view key, std::string_view value);
  Status Validate() const { return job.Validate(); }
  std::string AlertsPath() const;
};

// Reads `path` ("key = value" lines, '#' comments) on top of `config`.
Status LoadConfigFile(const std::string& path, ServerConfig* config);

// Parses `--key value` / `--key=value` pairs on top of `config`; a "--config FILE" pair loads
// that file first. Arguments that are not flags are returned in `positional`.
Status ParseFlags(const std::vector<std::string>& args, ServerConfig* config,
                  std::vector<std::string>* positional);

}  // namespace ulna::server
