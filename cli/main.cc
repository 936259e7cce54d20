// ulnactl: the operator's command line for a ULNA server — alerts and rule exceptions over the
// gRPC API (TLS, admin token).
#include <cstdio>
#include <string>
#include <vector>

#include "cli/args.h"
#include "cli/command.h"
#include "eval/eval_command.h"

namespace {

constexpr char kUsage[] =
    "usage: ulnactl [--server HOST:PORT] [--ca FILE] [--token-file FILE] [--data-dir DIR] "
    "<command>\n"
    "\n"
    "  alerts list [--host H] [--process P] [--since T] [--until T] [--min-score S]\n"
    "              [--limit N] [--json]\n"
    "  alerts watch [--since T] [--host H] [--process P] [--min-score S] [--json]\n"
    "  exceptions add --reason R [--process-name N] [--executable E] [--user U]\n"
    "                 [--destination-cidr C] [--host H] [--expires 24h|TIME]\n"
    "  exceptions list [--all]\n"
    "  exceptions remove ID\n"
    "  eval --labels LABELS.json --alerts ALERTS.ndjson [--json]   (offline, no server)\n"
    "\n"
    "T is a UTC time (2024-05-01T12:00:00Z, 2024-05-01) or a duration ago (-24h, 30m, 7d).\n"
    "--data-dir DIR reads DIR/tls/ca.pem and DIR/admin.token. Defaults: --server from\n"
    "ULNA_SERVER or 127.0.0.1:7443, --data-dir from ULNA_DATA_DIR.\n"
    "Exit codes: 0 ok, 1 server or network error, 2 usage error.\n";

}  // namespace

int main(int argc, char** argv) {
  using namespace ulna::cli;
  const std::vector<std::string> words(argv + 1, argv + argc);
  // Scoring alerts against labels is offline: it needs no server, certificate or token.
  if (!words.empty() && words[0] == "eval") {
    return ulna::eval::RunEvalCommand({words.begin() + 1, words.end()});
  }
  auto global = Args::Parse(words, {{"server", "ca", "token-file", "data-dir"}, {"help"}},
                            /*stop_at_positional=*/true);
  if (!global.ok()) return UsageError(global.status().message());
  if (global->Has("help")) {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  if (global->rest().empty()) {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  ConnectionOptions options;
  options.server = global->Get("server").value_or("");
  options.ca_file = global->Get("ca").value_or("");
  options.token_file = global->Get("token-file").value_or("");
  options = ResolveConnectionOptions(options, global->Get("data-dir").value_or(""));

  const std::string& group = global->rest()[0];
  const std::vector<std::string> rest(global->rest().begin() + 1, global->rest().end());
  if (group == "alerts") return RunAlertsCommand(options, rest);
  if (group == "exceptions") return RunExceptionsCommand(options, rest);
  if (group == "help") {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  return UsageError("unknown command '" + group + "'");
}
