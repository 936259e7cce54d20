// ulna-server: the central server. Subcommands:
//   serve         run the server (gRPC API, ingest, scheduled anomaly job): ulna-server-serve
//   replay        run recorded ECS NDJSON archives through the same pipeline
//   enroll-agent  write an agent's client certificate (offline enrollment until the fleet API)
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "server/api/tls_material.h"
#include "server/config/server_config.h"
#include "server/replay/replay.h"

namespace {

constexpr char kUsage[] =
    "usage:\n"
    "  ulna-server serve [--config FILE] [--data-dir DIR] [--listen HOST:PORT] [--mode "
    "elastic|ulna]\n"
    "                    [--bucket-span 15m] [--query-delay 1m] [--rule-interval 15m]\n"
    "                    [--lookback 45m] [--alert-threshold 50] [--max-alerts-per-run 100]\n"
    "                    [--retention 14d] [--alerts-output FILE]\n"
    "  ulna-server replay --input FILE... --alerts OUT.ndjson [--mode elastic|ulna]\n"
    "                    [--state-dir DIR] [job settings as for serve]\n"
    "  ulna-server enroll-agent --data-dir DIR --host-name NAME --out DIR\n";

int Fail(const ulna::Status& status) {
  std::fprintf(stderr, "ulna-server: %s\n", status.ToString().c_str());
  return status.code() == ulna::Status::Code::kInvalidArgument ? 2 : 1;
}

int Replay(const std::vector<std::string>& args) {
  ulna::server::ReplayOptions options;
  std::vector<std::string> rest;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--input") {
      while (i + 1 < args.size() && args[i + 1].rfind("--", 0) != 0) {
        options.inputs.push_back(args[++i]);
      }
    } else if ((args[i] == "--alerts" || args[i] == "--state-dir") && i + 1 < args.size()) {
      (args[i] == "--alerts" ? options.alerts_path : options.state_dir) = args[i + 1];
      ++i;
    } else {
      rest.push_back(args[i]);
    }
  }
  ulna::server::ServerConfig config;
  std::vector<std::string> positional;
  if (auto status = ulna::server::ParseFlags(rest, &config, &positional); !status.ok()) {
    return Fail(status);
  }
  if (!positional.empty())
    return Fail(ulna::Status::InvalidArgument("unexpected " + positional[0]));
  if (options.alerts_path.empty()) {
    return Fail(ulna::Status::InvalidArgument("replay needs --alerts OUT.ndjson"));
  }
  options.job = config.job;
  // A replay is a batch job that keeps both cores busy with more threads than cores: under
  // SCHED_BATCH (inherited by the threads it starts) a thread woken by a queue does not preempt
  // a running one, which halves the context switches and their cost on a VM (dev1: ~2,300 ->
  // ~1,000 a replay, ~3 % faster). Best effort: a replay runs the same without it.
  const sched_param batch_priority{};
  if (::sched_setscheduler(0, SCHED_BATCH, &batch_priority) != 0) {
    std::fprintf(stderr, "ulna-server: SCHED_BATCH not set (%s); going on\n", std::strerror(errno));
  }
  auto summary = ulna::server::RunReplay(options);
  if (!summary.ok()) return Fail(summary.status());
  std::fputs(ulna::server::FormatReplaySummary(*summary).c_str(), stdout);
  if (std::fflush(stdout) != 0) {
    return Fail(
        ulna::Status::IoError(std::string("cannot write the summary: ") + std::strerror(errno)));
  }
  // Everything the replay opened is closed by now (its store flushed or removed, its alert file
  // written): the process ends without static destructors, among them RocksDB's default
  // environment, which would wake and join its idle background threads (3 ms on a quiet 2-core
  // VM, 30 ms on a busy one).
  std::_Exit(0);
}

// The server with its gRPC API is a separate executable (see server/CMakeLists.txt): beside this
// one in a build, in /usr/lib/ulna-server when installed from the package.
constexpr char kServeExecutable[] = "ulna-server-serve";

// Replaces this process (same PID, for systemd) with ulna-server-serve and the flags after
// `serve`. Returns only when that fails.
int Serve(char** argv_from_serve) {
  std::error_code error;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) {
    return Fail(ulna::Status::Internal("cannot find this executable: " + error.message()));
  }
  const std::filesystem::path candidates[] = {
      self.parent_path() / kServeExecutable,
      self.parent_path().parent_path() / "lib" / "ulna-server" / kServeExecutable};
  for (const std::filesystem::path& path : candidates) {
    if (::access(path.c_str(), X_OK) != 0) continue;
    argv_from_serve[0] = const_cast<char*>(kServeExecutable);
    ::execv(path.c_str(), argv_from_serve);
    return Fail(
        ulna::Status::Internal("cannot run " + path.string() + ": " + std::strerror(errno)));
  }
  return Fail(ulna::Status::NotFound(std::string(kServeExecutable) + " is not installed beside " +
                                     self.string()));
}

int EnrollAgent(const std::vector<std::string>& args) {
  std::string data_dir, host_name, out_dir;
  // Every flag takes a value; a lone trailing word is a mistake, not something to ignore.
  if (args.size() % 2 != 0) {
    return Fail(ulna::Status::InvalidArgument("enroll-agent: '" + args.back() + "' needs a value"));
  }
  for (size_t i = 0; i + 1 < args.size(); i += 2) {
    if (args[i] == "--data-dir") {
      data_dir = args[i + 1];
    } else if (args[i] == "--host-name") {
      host_name = args[i + 1];
    } else if (args[i] == "--out") {
      out_dir = args[i + 1];
    } else {
      return Fail(ulna::Status::InvalidArgument("unknown flag " + args[i]));
    }
  }
  if (data_dir.empty() || host_name.empty() || out_dir.empty()) {
    return Fail(ulna::Status::InvalidArgument("enroll-agent needs --data-dir, --host-name, --out"));
  }
  auto status = ulna::server::WriteAgentCredentials(data_dir, host_name, out_dir);
  if (!status.ok()) return Fail(status);
  std::printf("ulna-server: wrote agent credentials for %s to %s\n", host_name.c_str(),
              out_dir.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  const std::string command = argv[1];
  const std::vector<std::string> args(argv + 2, argv + argc);
  if (command == "serve") return Serve(argv + 1);
  if (command == "replay") return Replay(args);
  if (command == "enroll-agent") return EnrollAgent(args);
  if (command == "--help" || command == "help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  std::fprintf(stderr, "ulna-server: unknown command '%s'\n%s", command.c_str(), kUsage);
  return 2;
}
