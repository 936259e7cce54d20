// The long-running server: store, ingest pipeline, anomaly job on the wall clock, and the gRPC
// API, until SIGTERM/SIGINT. Prints "ulna-server: listening on HOST:PORT" once ready.
#pragma once

#include "common/status.h"
#include "server/config/server_config.h"

namespace ulna::server {

Status RunServer(const ServerConfig& config);

}  // namespace ulna::server
