// An agent's identity, taken from its verified mTLS client certificate and never from what it
// sends: CN = host id, the first DNS subject alternative name = host name.
// Thread-safety: stateless functions.
#pragma once

#include <grpcpp/server_context.h>

#include <string>

#include "common/event.h"
#include "common/status.h"

namespace ulna::server {

// The identity of the peer of `context`. Unauthenticated when the peer presented no client
// certificate (TLS already verified any certificate it did present against the server CA).
Result<HostInfo> AgentIdentityFromPeer(const grpc::ServerContext& context);

// The identity in a PEM client certificate: Unauthenticated when it lacks the clientAuth usage,
// a CN or a DNS name.
Result<HostInfo> AgentIdentityFromCertificate(const std::string& cert_pem);

}  // namespace ulna::server
