// Status and Result<T>: how every module edge in ULNA reports success or a described failure.
// Errors are values, never exceptions. A Status is cheap to copy when ok (no allocation).
// Thread-safety: const methods may be called from several threads; mutation needs external sync.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace ulna {

class Status {
 public:
  enum class Code {
    kOk = 0,
    kNotFound,
    kInvalidArgument,     // malformed input: the caller must change what it sends
    kFailedPrecondition,  // the system is not in a state to do this (e.g. newer schema)
    kAlreadyExists,
    kPermissionDenied,
    kUnauthenticated,
    kResourceExhausted,  // disk full, queue full, over a limit
    kUnavailable,        // try again later (another server holds the lock, peer gone)
    kIoError,
    kInternal,
    kUnimplemented,
  };

  Status() = default;
  static Status Ok() { return Status(); }
  static Status NotFound(std::string_view m) { return Status(Code::kNotFound, m); }
  static Status InvalidArgument(std::string_view m) { return Status(Code::kInvalidArgument, m); }
  static Status FailedPrecondition(std::string_view m) {
    return Status(Code::kFailedPrecondition, m);
  }
  static Status AlreadyExists(std::string_view m) { return Status(Code::kAlreadyExists, m); }
  static Status PermissionDenied(std::string_view m) { return Status(Code::kPermissionDenied, m); }
  static Status Unauthenticated(std::string_view m) { return Status(Code::kUnauthenticated, m); }
  static Status ResourceExhausted(std::string_view m) {
    return Status(Code::kResourceExhausted, m);
  }
  static Status Unavailable(std::string_view m) { return Status(Code::kUnavailable, m); }
  static Status IoError(std::string_view m) { return Status(Code::kIoError, m); }
  static Status Internal(std::string_view m) { return Status(Code::kInternal, m); }
  static Status Unimplemented(std::string_view m) { return Status(Code::kUnimplemented, m); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "INVALID_ARGUMENT: line 3: field too long", or "OK".
  std::string ToString() const;
  // Returns a copy whose message is prefixed with `context: `.
  Status WithContext(std::string_view context) const;

 private:
  Status(Code code, std::string_view message) : code_(code), message_(message) {}
  Code code_ = Code::kOk;
  std::string message_;
};

const char* CodeName(Status::Code code);

// Result<T> holds either a value or a non-ok Status.
template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}          // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}  // NOLINT: implicit by design

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace ulna

// Returns early from the enclosing function when `expr` yields a non-ok Status.
#define ULNA_RETURN_IF_ERROR(expr)               \
  do {                                           \
    ::ulna::Status ulna_status_ = (expr);        \
    if (!ulna_status_.ok()) return ulna_status_; \
  } while (0)
