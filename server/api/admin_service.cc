#include "server/api/admin_service.h"

#include <chrono>

#include "server/api/grpc_status.h"

namespace ulna::server {
namespace {

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

RuleException FromProto(const v1::RuleException& in) {
  RuleException out;
  out.process_name = in.process_name();
  out.process_executable = in.process_executable();
  out.user_name = in.user_name();
  out.destination_cidr = in.destination_cidr();
  out.host_name = in.host_name();
  out.reason = in.reason();
  out.expires_ns = in.expires_ns();
  // id and created_ns are the server's to assign; whatever the caller put there is ignored.
  return out;
}

v1::RuleException ToProto(const RuleException& in) {
  v1::RuleException out;
  out.set_id(in.id);
  out.set_process_name(in.process_name);
  out.set_process_executable(in.process_executable);
  out.set_user_name(in.user_name);
  out.set_destination_cidr(in.destination_cidr);
  out.set_host_name(in.host_name);
  out.set_reason(in.reason);
  out.set_expires_ns(in.expires_ns);
  out.set_created_ns(in.created_ns);
  return out;
}

}  // namespace

grpc::Status AdminService::AddException(grpc::ServerContext* context,
                                        const v1::AddExceptionRequest* request,
                                        v1::RuleException* response) {
  if (grpc::Status auth = auth_->Check(*context); !auth.ok()) return auth;
  RuleException exception = FromProto(request->exception());
  const int64_t now = NowNs();
  if (exception.expires_ns < 0) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "expires_ns must not be negative");
  }
  if (exception.ExpiredAt(now)) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "expires_ns is in the past: the exception would never apply");
  }
  // The store validates (conditions, reason, CIDR) and answers InvalidArgument with the reason.
  auto stored = exceptions_->Add(std::move(exception), now);
  if (!stored.ok()) return ToGrpcStatus(stored.status());
  *response = ToProto(stored.value());
  return grpc::Status::OK;
}

grpc::Status AdminService::ListExceptions(grpc::ServerContext* context,
                                          const v1::ListExceptionsRequest* request,
                                          v1::ListExceptionsResponse* response) {
  if (grpc::Status auth = auth_->Check(*context); !auth.ok()) return auth;
  auto list = exceptions_->List(request->include_expired(), NowNs());
  if (!list.ok()) return ToGrpcStatus(list.status());
  for (const RuleException& exception : list.value()) {
    *response->add_exceptions() = ToProto(exception);
  }
  return grpc::Status::OK;
}

grpc::Status AdminService::RemoveException(grpc::ServerContext* context,
                                           const v1::RemoveExceptionRequest* request,
                                           v1::RemoveExceptionResponse* /*response*/) {
  if (grpc::Status auth = auth_->Check(*context); !auth.ok()) return auth;
  if (request->id().empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "the exception id is required");
  }
  return ToGrpcStatus(exceptions_->Remove(request->id()));
}

}  // namespace ulna::server
