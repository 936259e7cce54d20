// ApiServer: the server's gRPC endpoint — TLS with the server's own CA (agents authenticate with
// client certificates, operators with the admin token), the Ingest, Alerts, Admin and Fleet
// services, and gRPC reflection. Thread-safety: Start/Shutdown from one owner thread; the
// services run on gRPC's threads.
#pragma once

#include <grpcpp/server.h>

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "server/alert/alert_bus.h"
#include "server/api/ingest_metrics.h"
#include "server/ingest/event_sink.h"
#include "server/store/alert_store.h"
#include "server/store/exception_store.h"

namespace ulna::server {

// What the services call into; owned by the caller and alive until Shutdown() returns.
struct ApiComponents {
  EventSink* sink = nullptr;
  AlertStore* alerts = nullptr;
  ExceptionStore* exceptions = nullptr;
  AlertBus* bus = nullptr;
};

struct ApiOptions {
  std::string listen_address = "127.0.0.1:7443";  // "host:0" picks a free port
  std::string data_dir;                           // holds tls/ and admin.token
  std::vector<std::string> extra_server_names;    // more names for the server certificate
};

// Largest request or response message; a bigger one fails with RESOURCE_EXHAUSTED.
inline constexpr int kMaxApiMessageBytes = 16 << 20;

class ApiServer {
 public:
  // Loads or creates the TLS material and admin token under options.data_dir and starts
  // serving. Unavailable when the address cannot be bound.
  static Result<std::unique_ptr<ApiServer>> Start(const ApiOptions& options,
                                                  ApiComponents components);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  int port() const { return port_; }
  const std::string& admin_token() const;
  IngestCounters ingest_counters() const;
  // Ends watches, cancels streams still open after a short grace period, and stops serving.
  // Idempotent.
  void Shutdown();

 private:
  struct Services;
  ApiServer(std::unique_ptr<Services> services, std::unique_ptr<grpc::Server> server, int port);
  std::unique_ptr<Services> services_;
  std::unique_ptr<grpc::Server> server_;
  int port_;
  bool shut_down_ = false;
};

}  // namespace ulna::server
