#include "cli/connection.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace ulna::cli {
namespace {

// Matches the server's limit, so a big alert page fails with a clear size error, not silently.
constexpr int kMaxMessageBytes = 16 << 20;
constexpr std::chrono::seconds kCallDeadline{30};

Result<std::string> ReadFile(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read the " + what + " file " + path);
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

const char* CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    default:
      return "UNKNOWN";
  }
}

}  // namespace

ConnectionOptions ResolveConnectionOptions(ConnectionOptions options, std::string data_dir) {
  if (options.server.empty()) {
    const char* env = std::getenv("ULNA_SERVER");
    options.server = env != nullptr && *env != '\0' ? env : "127.0.0.1:7443";
  }
  if (data_dir.empty()) {
    const char* env = std::getenv("ULNA_DATA_DIR");
    if (env != nullptr) data_dir = env;
  }
  if (!data_dir.empty()) {
    if (options.ca_file.empty()) options.ca_file = data_dir + "/tls/ca.pem";
    if (options.token_file.empty()) options.token_file = data_dir + "/admin.token";
  }
  return options;
}

Result<Connection> Connection::Open(const ConnectionOptions& options) {
  if (options.ca_file.empty() || options.token_file.empty()) {
    return Status::InvalidArgument(
        "which server? pass --data-dir DIR (or set ULNA_DATA_DIR), or --ca FILE and "
        "--token-file FILE");
  }
  auto ca = ReadFile(options.ca_file, "CA certificate");
  if (!ca.ok()) return ca.status();
  auto token = ReadFile(options.token_file, "admin token");
  if (!token.ok()) return token.status();
  std::string trimmed = token.value();
  while (!trimmed.empty() &&
         (trimmed.back() == '\n' || trimmed.back() == '\r' || trimmed.back() == ' ')) {
    trimmed.pop_back();
  }
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = ca.value();
  grpc::ChannelArguments arguments;
  arguments.SetMaxReceiveMessageSize(kMaxMessageBytes);
  arguments.SetMaxSendMessageSize(kMaxMessageBytes);
  Connection connection;
  connection.channel_ =
      grpc::CreateCustomChannel(options.server, grpc::SslCredentials(ssl), arguments);
  connection.token_ = std::move(trimmed);
  return connection;
}

void Connection::Prepare(grpc::ClientContext* context, bool streaming) const {
  context->AddMetadata("authorization", "Bearer " + token_);
  if (!streaming) context->set_deadline(std::chrono::system_clock::now() + kCallDeadline);
}

std::string DescribeRpcError(const grpc::Status& status) {
  return std::string(CodeName(status.error_code())) + ": " + status.error_message();
}

}  // namespace ulna::cli
