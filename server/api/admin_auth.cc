#include "server/api/admin_auth.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <cstdio>
#include <string_view>

#include "server/api/private_file.h"

namespace ulna::server {
namespace {

constexpr size_t kTokenBytes = 32;
constexpr std::string_view kBearerPrefix = "Bearer ";

bool IsHexToken(std::string_view text) {
  if (text.size() != 2 * kTokenBytes) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

Result<std::string> LoadOrCreateAdminToken(const std::string& data_dir) {
  ULNA_RETURN_IF_ERROR(MakeDirectories(data_dir, 0700));
  const std::string path = data_dir + "/admin.token";
  auto existing = ReadSmallFile(path, 1024);
  if (existing.ok()) {
    std::string token = existing.value();
    while (!token.empty() &&
           (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) {
      token.pop_back();
    }
    if (!IsHexToken(token)) {
      return Status::FailedPrecondition(path +
                                        " is not a 64-character lower-case hex token; remove it "
                                        "to create a new one");
    }
    return token;
  }
  if (existing.status().code() != Status::Code::kNotFound) return existing.status();

  unsigned char bytes[kTokenBytes];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) return Status::Internal("RAND_bytes failed");
  std::string token(2 * kTokenBytes, '0');
  for (size_t i = 0; i < kTokenBytes; ++i) std::snprintf(&token[2 * i], 3, "%02x", bytes[i]);
  ULNA_RETURN_IF_ERROR(WriteFileAtomically(path, token + "\n", 0600));
  return token;
}

grpc::Status AdminAuthenticator::Check(const grpc::ServerContext& context) const {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        "this call needs the admin token: metadata 'authorization: Bearer <token>' "
                        "(the token is in <data_dir>/admin.token)");
  }
  const std::string_view value(it->second.data(), it->second.size());
  if (!value.starts_with(kBearerPrefix)) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        "the authorization metadata must be 'Bearer <token>'");
  }
  const std::string_view presented = value.substr(kBearerPrefix.size());
  // The length is not secret (always 64); only the content is compared in constant time.
  if (presented.size() != token_.size() ||
      CRYPTO_memcmp(presented.data(), token_.data(), token_.size()) != 0) {
    return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "wrong admin token");
  }
  return grpc::Status::OK;
}

}  // namespace ulna::server
