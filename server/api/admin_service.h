// Admin service (gRPC ulna.v1.Admin): operators add, list and remove rule exceptions. Admin token
// required. Thread-safety: one instance serves all calls concurrently.
#pragma once

#include "server/api/admin_auth.h"
#include "server/store/exception_store.h"
#include "ulna/v1/admin.grpc.pb.h"

namespace ulna::server {

class AdminService final : public v1::Admin::Service {
 public:
  AdminService(const AdminAuthenticator* auth, ExceptionStore* exceptions)
      : auth_(auth), exceptions_(exceptions) {}

  grpc::Status AddException(grpc::ServerContext* context, const v1::AddExceptionRequest* request,
                            v1::RuleException* response) override;
  grpc::Status ListExceptions(grpc::ServerContext* context,
                              const v1::ListExceptionsRequest* request,
                              v1::ListExceptionsResponse* response) override;
  grpc::Status RemoveException(grpc::ServerContext* context,
                               const v1::RemoveExceptionRequest* request,
                               v1::RemoveExceptionResponse* response) override;

 private:
  const AdminAuthenticator* auth_;
  ExceptionStore* exceptions_;
};

}  // namespace ulna::server
