// ulna-agent: the host sensor. `run` streams network events to the server; `capture` writes
// them as ECS NDJSON; `probe` reports the hook set the running kernel allows.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "agent/capture.h"
#include "agent/run_mode.h"

int main(int argc, char** argv) {
  using ulna::agent::CaptureUsage;
  using ulna::agent::RunUsage;
  const std::string command = argc >= 2 ? argv[1] : "";
  std::vector<std::string> args(argv + std::min(argc, 2), argv + argc);
  if (command == "run") {
    ulna::Result<ulna::agent::RunOptions> options = ulna::agent::ParseRunFlags(args);
    if (!options.ok()) {
      std::fprintf(stderr, "ulna-agent: %s\n%s", options.status().message().c_str(),
                   RunUsage().c_str());
      return 2;
    }
    return ulna::agent::RunStreaming(*options);
  }
  if (command != "capture" && command != "probe") {
    std::fprintf(stderr, "%s%s", RunUsage().c_str(), CaptureUsage().c_str());
    return 2;
  }
  ulna::Result<ulna::agent::CaptureOptions> options = ulna::agent::ParseCaptureFlags(args);
  if (!options.ok()) {
    std::fprintf(stderr, "ulna-agent: %s\n%s", options.status().message().c_str(),
                 CaptureUsage().c_str());
    return 2;
  }
  options->probe_only = command == "probe";
  return ulna::agent::RunCapture(*options);
}
