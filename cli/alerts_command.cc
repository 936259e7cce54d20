// `ulnactl alerts list|watch`: query and follow alerts, as a table or as ECS JSON lines.
#include <grpcpp/client_context.h>

#include <algorithm>
#include <cstdio>

#include "cli/args.h"
#include "cli/command.h"
#include "common/duration.h"
#include "ulna/v1/alerts.grpc.pb.h"

namespace ulna::cli {
namespace {

constexpr uint32_t kPageSize = 500;

// Fills the filter from --host, --process, --since, --until, --min-score.
Status ParseFilter(const Args& args, v1::AlertFilter* filter) {
  const int64_t now = WallClockNanos();
  if (auto host = args.Get("host")) filter->set_host_name(*host);
  if (auto process = args.Get("process")) filter->set_process_name(*process);
  if (auto since = args.Get("since")) {
    auto ns = ParseTimeArg(*since, now, BareDuration::kAgo);
    if (!ns.ok()) return ns.status().WithContext("--since");
    filter->set_start_ns(ns.value());
  }
  if (auto until = args.Get("until")) {
    auto ns = ParseTimeArg(*until, now, BareDuration::kAgo);
    if (!ns.ok()) return ns.status().WithContext("--until");
    filter->set_end_ns(ns.value());
  }
  if (auto score = args.Get("min-score")) {
    auto value = ParseNumberArg("min-score", *score);
    if (!value.ok()) return value.status();
    filter->set_min_score(value.value());
  }
  return Status::Ok();
}

void PrintTableHeader() {
  std::printf("%-20s  %-20s  %-16s  %5s  %s\n", "TIME", "HOST", "PROCESS", "SCORE", "REASONS");
}

void PrintAlert(const v1::Alert& alert, bool json) {
  if (json) {
    std::printf("%s\n", alert.ecs_json().c_str());
    return;
  }
  std::string reasons;
  for (const std::string& reason : alert.reasons()) {
    if (!reasons.empty()) reasons += "; ";
    reasons += reason;
  }
  std::printf("%-20s  %-20s  %-16s  %5.1f  %s\n", FormatTime(alert.timestamp_ns()).c_str(),
              alert.host_name().c_str(), alert.process_name().c_str(), alert.score(),
              reasons.c_str());
}

int List(const Connection& connection, const Args& args) {
  v1::ListAlertsRequest request;
  if (Status parsed = ParseFilter(args, request.mutable_filter()); !parsed.ok()) {
    return UsageError(parsed.message());
  }
  uint64_t limit = 0;  // 0: every matching alert
  if (auto text = args.Get("limit")) {
    auto value = ParseNumberArg("limit", *text);
    if (!value.ok() || value.value() < 1 || value.value() != static_cast<uint64_t>(value.value())) {
      return UsageError("--limit needs a positive whole number");
    }
    limit = static_cast<uint64_t>(value.value());
  }
  const bool json = args.Has("json");
  auto stub = v1::Alerts::NewStub(connection.channel());
  uint64_t printed = 0;
  if (!json) PrintTableHeader();
  do {
    request.set_page_size(
        limit == 0 ? kPageSize
                   : static_cast<uint32_t>(std::min<uint64_t>(kPageSize, limit - printed)));
    grpc::ClientContext context;
    connection.Prepare(&context);
    v1::ListAlertsResponse response;
    grpc::Status status = stub->List(&context, request, &response);
    if (!status.ok()) return Failure(DescribeRpcError(status));
    for (const v1::Alert& alert : response.alerts()) {
      PrintAlert(alert, json);
      ++printed;
    }
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty() && (limit == 0 || printed < limit));
  if (!json) std::fprintf(stderr, "%llu alerts\n", static_cast<unsigned long long>(printed));
  return kExitOk;
}

int Watch(const Connection& connection, const Args& args) {
  v1::WatchAlertsRequest request;
  if (Status parsed = ParseFilter(args, request.mutable_filter()); !parsed.ok()) {
    return UsageError(parsed.message());
  }
  // For a watch, --since means "replay from then", not a lower bound on what follows.
  request.set_since_ns(request.filter().start_ns());
  request.mutable_filter()->set_start_ns(0);
  const bool json = args.Has("json");
  auto stub = v1::Alerts::NewStub(connection.channel());
  grpc::ClientContext context;
  connection.Prepare(&context, /*streaming=*/true);
  auto reader = stub->Watch(&context, request);
  if (!json) PrintTableHeader();
  std::fflush(stdout);
  v1::Alert alert;
  while (reader->Read(&alert)) {
    PrintAlert(alert, json);
    std::fflush(stdout);  // a watcher is often piped into another tool
  }
  grpc::Status status = reader->Finish();
  if (!status.ok()) return Failure(DescribeRpcError(status));
  return kExitOk;
}

}  // namespace

int RunAlertsCommand(const ConnectionOptions& options, const std::vector<std::string>& words) {
  if (words.empty()) return UsageError("alerts needs a command: list or watch");
  const std::string& verb = words[0];
  FlagSpec spec{{"host", "process", "since", "until", "min-score"}, {"json"}};
  if (verb == "list") {
    spec.with_value.insert("limit");
  } else if (verb != "watch") {
    return UsageError("unknown alerts command '" + verb + "' (list or watch)");
  }
  auto args = Args::Parse({words.begin() + 1, words.end()}, spec);
  if (!args.ok()) return UsageError(args.status().message());
  if (!args->positional().empty()) {
    return UsageError("unexpected argument '" + args->positional()[0] + "'");
  }
  auto connection = Connection::Open(options);
  if (!connection.ok()) return ConnectionError(connection.status());
  return verb == "list" ? List(connection.value(), args.value())
                        : Watch(connection.value(), args.value());
}

}  // namespace ulna::cli
