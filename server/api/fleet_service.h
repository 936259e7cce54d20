// Fleet service (gRPC ulna.v1.Fleet): declared in v1 so clients can be generated against it, but
// token enrollment is not built yet; every call answers UNIMPLEMENTED with what to use instead.
// Thread-safety: stateless.
#pragma once

#include "ulna/v1/fleet.grpc.pb.h"

namespace ulna::server {

class FleetService final : public v1::Fleet::Service {
 public:
  grpc::Status Enroll(grpc::ServerContext* context, const v1::EnrollRequest* request,
                      v1::EnrollResponse* response) override;
  grpc::Status CheckIn(grpc::ServerContext* context, const v1::CheckInRequest* request,
                       v1::CheckInResponse* response) override;
};

}  // namespace ulna::server
