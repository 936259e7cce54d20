// Alerts service (gRPC ulna.v1.Alerts): operators query stored alerts (List, paged) and follow new
// ones (Watch: optional replay from the store, then the live AlertBus). Admin token required.
// Thread-safety: one instance serves all calls concurrently; Stop() may be called from any thread.
#pragma once

#include <atomic>

#include "server/alert/alert_bus.h"
#include "server/api/admin_auth.h"
#include "server/store/alert_store.h"
#include "ulna/v1/alerts.grpc.pb.h"

namespace ulna::server {

// The proto form of an alert, including its ECS document.
v1::Alert AlertToProto(const Alert& alert);

class AlertsService final : public v1::Alerts::Service {
 public:
  AlertsService(const AdminAuthenticator* auth, AlertStore* store, AlertBus* bus)
      : auth_(auth), store_(store), bus_(bus) {}

  grpc::Status List(grpc::ServerContext* context, const v1::ListAlertsRequest* request,
                    v1::ListAlertsResponse* response) override;
  grpc::Status Watch(grpc::ServerContext* context, const v1::WatchAlertsRequest* request,
                     grpc::ServerWriter<v1::Alert>* writer) override;

  // Makes running and future Watch calls end (UNAVAILABLE) within one poll interval.
  void Stop() { stopping_.store(true); }

 private:
  const AdminAuthenticator* auth_;
  AlertStore* store_;
  AlertBus* bus_;
  std::atomic<bool> stopping_{false};
};

}  // namespace ulna::server
