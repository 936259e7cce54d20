#include "server/store/exception_store.h"

#include <algorithm>
#include <cstdio>
#include <random>

#include "common/byte_codec.h"
#include "server/store/record_reader.h"

namespace ulna::server {
namespace {

// Leading byte of every stored exception (see kAlertFormatVersion).
constexpr uint8_t kExceptionFormatVersion = 1;

std::string EncodeException(const RuleException& exception) {
  std::string bytes;
  bytes.push_back(static_cast<char>(kExceptionFormatVersion));
  ByteWriter out(&bytes);
  out.String(exception.id);
  out.String(exception.process_name);
  out.String(exception.process_executable);
  out.String(exception.user_name);
  out.String(exception.destination_cidr);
  out.String(exception.host_name);
  out.String(exception.reason);
  out.SignedVarint(exception.expires_ns);
  out.SignedVarint(exception.created_ns);
  return bytes;
}

Result<RuleException> DecodeException(std::string_view bytes) {
  if (bytes.empty() || static_cast<uint8_t>(bytes[0]) != kExceptionFormatVersion) {
    return Status::Internal("stored rule exception has an unknown format version");
  }
  RecordReader in(bytes.substr(1));
  RuleException exception;
  exception.id = in.String();
  exception.process_name = in.String();
  exception.process_executable = in.String();
  exception.user_name = in.String();
  exception.destination_cidr = in.String();
  exception.host_name = in.String();
  exception.reason = in.String();
  exception.expires_ns = in.SignedVarint();
  exception.created_ns = in.SignedVarint();
  if (!in.complete()) return Status::Internal("stored rule exception is truncated or corrupt");
  return exception;
}

std::string RandomId() {
  std::random_device random;
  const uint64_t value = (uint64_t{random()} << 32) | random();
  char text[17];
  std::snprintf(text, sizeof(text), "%016llx", static_cast<unsigned long long>(value));
  return text;
}

}  // namespace

Result<RuleException> ExceptionStore::Add(RuleException exception, int64_t now_ns) {
  ULNA_RETURN_IF_ERROR(exception.Validate());
  // 64 random bits rarely collide, but an operator's exception must never replace another.
  do {
    exception.id = RandomId();
  } while (store_->Get(Family::kExceptions, exception.id).ok());
  exception.created_ns = now_ns;
  WriteGroup group;
  group.Put(Family::kExceptions, exception.id, EncodeException(exception));
  ULNA_RETURN_IF_ERROR(store_->Write(std::move(group), /*sync=*/true));
  return exception;
}

Result<std::vector<RuleException>> ExceptionStore::List(bool include_expired,
                                                        int64_t now_ns) const {
  std::vector<RuleException> exceptions;
  Status failure;
  ULNA_RETURN_IF_ERROR(
      store_->Scan(Family::kExceptions, "", "", [&](std::string_view key, std::string_view value) {
        Result<RuleException> exception = DecodeException(value);
        if (!exception.ok()) {
          failure = exception.status().WithContext("exception " + std::string(key));
          return false;
        }
        if (include_expired || !exception->ExpiredAt(now_ns)) {
          exceptions.push_back(std::move(exception).value());
        }
        return true;
      }));
  ULNA_RETURN_IF_ERROR(failure);
  // Ids are random; operators read the list in the order they added the exceptions.
  std::sort(exceptions.begin(), exceptions.end(),
            [](const RuleException& a, const RuleException& b) {
              return a.created_ns != b.created_ns ? a.created_ns < b.created_ns : a.id < b.id;
            });
  return exceptions;
}

Status ExceptionStore::Remove(const std::string& id) {
  Result<std::string> existing = store_->Get(Family::kExceptions, id);
  if (!existing.ok()) {
    if (existing.status().code() == Status::Code::kNotFound) {
      return Status::NotFound("no rule exception with id '" + id + "'");
    }
    return existing.status();
  }
  WriteGroup group;
  group.Delete(Family::kExceptions, id);
  return store_->Write(std::move(group), /*sync=*/true);
}

}  // namespace ulna::server
