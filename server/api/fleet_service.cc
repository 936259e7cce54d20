#include "server/api/fleet_service.h"

namespace ulna::server {
namespace {

grpc::Status NotYet() {
  return grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                      "fleet enrollment arrives with the fleet issue; use `ulna-server "
                      "enroll-agent` meanwhile");
}

}  // namespace

grpc::Status FleetService::Enroll(grpc::ServerContext*, const v1::EnrollRequest*,
                                  v1::EnrollResponse*) {
  return NotYet();
}

grpc::Status FleetService::CheckIn(grpc::ServerContext*, const v1::CheckInRequest*,
                                   v1::CheckInResponse*) {
  return NotYet();
}

}  // namespace ulna::server
