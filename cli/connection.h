// How ulnactl reaches the server: the address, the CA that signed the server certificate and the
// admin token, from flags, the environment or a data dir; plus the mapping of gRPC failures to
// what the operator reads. Thread-safety: a Connection is immutable once made.
#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include <memory>
#include <string>

#include "common/status.h"

namespace ulna::cli {

struct ConnectionOptions {
  std::string server;      // host:port
  std::string ca_file;     // PEM of the server CA
  std::string token_file;  // admin token
};

// Fills unset fields: server from ULNA_SERVER (else 127.0.0.1:7443); ca_file and token_file
// from `data_dir` (else ULNA_DATA_DIR) as DIR/tls/ca.pem and DIR/admin.token.
ConnectionOptions ResolveConnectionOptions(ConnectionOptions options, std::string data_dir);

class Connection {
 public:
  // Reads the CA and token files and opens a TLS channel (lazily connected).
  static Result<Connection> Open(const ConnectionOptions& options);

  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }
  // Adds the admin token and, unless `streaming`, a deadline.
  void Prepare(grpc::ClientContext* context, bool streaming = false) const;

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::string token_;
};

// "UNAVAILABLE: failed to connect to all addresses" for the operator.
std::string DescribeRpcError(const grpc::Status& status);

}  // namespace ulna::cli
