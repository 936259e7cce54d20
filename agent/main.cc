// ulna-agent: the host sensor. `capture` writes ECS NDJSON network events; `probe` reports the
// hook set the running kernel allows.
#include <cstdio>
#include <string>
#include <vector>

#include "agent/capture.h"

int main(int argc, char** argv) {
  using ulna::agent::CaptureUsage;
  if (argc < 2 || (std::string(argv[1]) != "capture" && std::string(argv[1]) != "probe")) {
    std::fprintf(stderr, "%s", CaptureUsage().c_str());
    return 2;
  }
  std::vector<std::string> args(argv + 2, argv + argc);
  ulna::Result<ulna::agent::CaptureOptions> options = ulna::agent::ParseCaptureFlags(args);
  if (!options.ok()) {
    std::fprintf(stderr, "ulna-agent: %s\n%s", options.status().message().c_str(),
                 CaptureUsage().c_str());
    return 2;
  }
  options->probe_only = std::string(argv[1]) == "probe";
  return ulna::agent::RunCapture(*options);
}
