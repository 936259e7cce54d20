// ulna-server-serve: the long-running server (gRPC API, ingest, scheduled anomaly job) that
// `ulna-server serve [flags]` runs; it takes the same flags.
#include <cstdio>
#include <string>
#include <vector>

#include "server/config/server_config.h"
#include "server/serve.h"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  ulna::server::ServerConfig config;
  std::vector<std::string> positional;
  ulna::Status status = ulna::server::ParseFlags(args, &config, &positional);
  if (status.ok() && !positional.empty()) {
    status = ulna::Status::InvalidArgument("unexpected " + positional[0]);
  }
  if (status.ok()) status = ulna::server::RunServer(config);
  if (status.ok()) return 0;
  std::fprintf(stderr, "ulna-server: %s\n", status.ToString().c_str());
  return status.code() == ulna::Status::Code::kInvalidArgument ? 2 : 1;
}
