// Translation of ulna::Status into grpc::Status at the edge of the API: same code, same message,
// so that clients see the component's own explanation. Stateless.
#pragma once

#include <grpcpp/support/status.h>

#include "common/status.h"

namespace ulna::server {

grpc::Status ToGrpcStatus(const Status& status);

}  // namespace ulna::server
