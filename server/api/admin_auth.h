// The admin credential: a random bearer token kept in <data_dir>/admin.token (mode 0600, created
// on first start). Operator calls (Alerts, Admin) carry it as "authorization: Bearer <hex>".
// Thread-safety: AdminAuthenticator is immutable after construction.
#pragma once

#include <grpcpp/server_context.h>

#include <string>

#include "common/status.h"

namespace ulna::server {

// Reads the token, or creates it from 32 random bytes (64 hex characters).
Result<std::string> LoadOrCreateAdminToken(const std::string& data_dir);

class AdminAuthenticator {
 public:
  explicit AdminAuthenticator(std::string token) : token_(std::move(token)) {}
  // OK for the right token; UNAUTHENTICATED without a bearer token, PERMISSION_DENIED for a
  // wrong one. The comparison takes the same time wherever the tokens differ.
  grpc::Status Check(const grpc::ServerContext& context) const;
  const std::string& token() const { return token_; }

 private:
  std::string token_;
};

}  // namespace ulna::server
