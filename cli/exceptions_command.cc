// `ulnactl exceptions add|list|remove`: manage the rule exceptions that suppress known-good
// activity.
#include <grpcpp/client_context.h>

#include <cstdio>

#include "cli/args.h"
#include "cli/command.h"
#include "common/duration.h"
#include "ulna/v1/admin.grpc.pb.h"

namespace ulna::cli {
namespace {

// "process.name=nc destination=10.0.0.0/8": the conditions an exception sets.
std::string Conditions(const v1::RuleException& exception) {
  std::string text;
  auto add = [&](const char* name, const std::string& value) {
    if (value.empty()) return;
    if (!text.empty()) text += ' ';
    text += std::string(name) + "=" + value;
  };
  add("process.name", exception.process_name());
  add("process.executable", exception.process_executable());
  add("user.name", exception.user_name());
  add("destination", exception.destination_cidr());
  add("host.name", exception.host_name());
  return text;
}

std::string Expiry(const v1::RuleException& exception) {
  return exception.expires_ns() == 0 ? "never" : FormatTime(exception.expires_ns());
}

int Add(const Connection& connection, const Args& args) {
  v1::AddExceptionRequest request;
  v1::RuleException* exception = request.mutable_exception();
  exception->set_reason(args.Get("reason").value_or(""));
  exception->set_process_name(args.Get("process-name").value_or(""));
  exception->set_process_executable(args.Get("executable").value_or(""));
  exception->set_user_name(args.Get("user").value_or(""));
  exception->set_destination_cidr(args.Get("destination-cidr").value_or(""));
  exception->set_host_name(args.Get("host").value_or(""));
  if (exception->reason().empty()) return UsageError("exceptions add needs --reason");
  if (auto expires = args.Get("expires")) {
    auto ns = ParseTimeArg(*expires, WallClockNanos(), BareDuration::kFromNow);
    if (!ns.ok()) return UsageError("--expires: " + ns.status().message());
    exception->set_expires_ns(ns.value());
  }
  // The server checks the rest (at least one condition, a valid CIDR) and explains failures.
  auto stub = v1::Admin::NewStub(connection.channel());
  grpc::ClientContext context;
  connection.Prepare(&context);
  v1::RuleException added;
  grpc::Status status = stub->AddException(&context, request, &added);
  if (!status.ok()) return Failure(DescribeRpcError(status));
  std::printf("added exception %s: %s (expires %s)\n", added.id().c_str(),
              Conditions(added).c_str(), Expiry(added).c_str());
  return kExitOk;
}

int List(const Connection& connection, const Args& args) {
  v1::ListExceptionsRequest request;
  request.set_include_expired(args.Has("all"));
  auto stub = v1::Admin::NewStub(connection.channel());
  grpc::ClientContext context;
  connection.Prepare(&context);
  v1::ListExceptionsResponse response;
  grpc::Status status = stub->ListExceptions(&context, request, &response);
  if (!status.ok()) return Failure(DescribeRpcError(status));
  std::printf("%-18s  %-20s  %-40s  %s\n", "ID", "EXPIRES", "CONDITIONS", "REASON");
  for (const v1::RuleException& exception : response.exceptions()) {
    std::printf("%-18s  %-20s  %-40s  %s\n", exception.id().c_str(), Expiry(exception).c_str(),
                Conditions(exception).c_str(), exception.reason().c_str());
  }
  return kExitOk;
}

int Remove(const Connection& connection, const std::string& id) {
  v1::RemoveExceptionRequest request;
  request.set_id(id);
  auto stub = v1::Admin::NewStub(connection.channel());
  grpc::ClientContext context;
  connection.Prepare(&context);
  v1::RemoveExceptionResponse response;
  grpc::Status status = stub->RemoveException(&context, request, &response);
  if (!status.ok()) return Failure(DescribeRpcError(status));
  std::printf("removed exception %s\n", id.c_str());
  return kExitOk;
}

}  // namespace

int RunExceptionsCommand(const ConnectionOptions& options, const std::vector<std::string>& words) {
  if (words.empty()) return UsageError("exceptions needs a command: add, list or remove");
  const std::string& verb = words[0];
  FlagSpec spec;
  size_t positional_wanted = 0;
  if (verb == "add") {
    spec.with_value = {"reason",           "process-name", "executable", "user",
                       "destination-cidr", "host",         "expires"};
  } else if (verb == "list") {
    spec.switches = {"all"};
  } else if (verb == "remove") {
    positional_wanted = 1;
  } else {
    return UsageError("unknown exceptions command '" + verb + "' (add, list or remove)");
  }
  auto args = Args::Parse({words.begin() + 1, words.end()}, spec);
  if (!args.ok()) return UsageError(args.status().message());
  if (args->positional().size() != positional_wanted) {
    return UsageError(positional_wanted == 1
                          ? "exceptions remove needs exactly one ID"
                          : "unexpected argument '" + args->positional()[0] + "'");
  }
  auto connection = Connection::Open(options);
  if (!connection.ok()) return ConnectionError(connection.status());
  if (verb == "add") return Add(connection.value(), args.value());
  if (verb == "list") return List(connection.value(), args.value());
  return Remove(connection.value(), args->positional()[0]);
}

}  // namespace ulna::cli
