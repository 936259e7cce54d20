#include "server/api/api_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include <chrono>

#include "server/api/admin_auth.h"
#include "server/api/admin_service.h"
#include "server/api/alerts_service.h"
#include "server/api/fleet_service.h"
#include "server/api/ingest_service.h"
#include "server/api/tls_material.h"

namespace ulna::server {
namespace {

// Long enough for in-flight unary calls and acks to finish; streams still open then are
// cancelled (agents reconnect and resume after their last durable sequence).
constexpr std::chrono::seconds kShutdownGrace{2};

}  // namespace

struct ApiServer::Services {
  Services(std::string token, ApiComponents components)
      : auth(std::move(token)),
        ingest(components.sink),
        alerts(&auth, components.alerts, components.bus),
        admin(&auth, components.exceptions) {}
  AdminAuthenticator auth;
  IngestService ingest;
  AlertsService alerts;
  AdminService admin;
  FleetService fleet;
};

Result<std::unique_ptr<ApiServer>> ApiServer::Start(const ApiOptions& options,
                                                    ApiComponents components) {
  if (!components.sink || !components.alerts || !components.exceptions || !components.bus) {
    return Status::InvalidArgument("ApiServer needs a sink, alert store, exception store and bus");
  }
  if (options.data_dir.empty()) return Status::InvalidArgument("ApiServer needs a data dir");
  auto tls = LoadOrCreateTlsMaterial(options.data_dir, options.extra_server_names);
  if (!tls.ok()) return tls.status().WithContext("TLS material");
  auto token = LoadOrCreateAdminToken(options.data_dir);
  if (!token.ok()) return token.status().WithContext("admin token");

  grpc::SslServerCredentialsOptions ssl(GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY);
  ssl.pem_root_certs = tls->ca.cert_pem;
  ssl.pem_key_cert_pairs.push_back({tls->server.key_pem, tls->server.cert_pem});

  auto services = std::make_unique<Services>(std::move(token.value()), components);
  // The plugin registers itself with every ServerBuilder created after this call.
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(options.listen_address, grpc::SslServerCredentials(ssl), &port);
  builder.SetMaxReceiveMessageSize(kMaxApiMessageBytes);
  builder.SetMaxSendMessageSize(kMaxApiMessageBytes);
  builder.RegisterService(&services->ingest);
  builder.RegisterService(&services->alerts);
  builder.RegisterService(&services->admin);
  builder.RegisterService(&services->fleet);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || port == 0) {
    return Status::Unavailable("cannot listen on " + options.listen_address +
                               " (address in use or not local?)");
  }
  return std::unique_ptr<ApiServer>(new ApiServer(std::move(services), std::move(server), port));
}

ApiServer::ApiServer(std::unique_ptr<Services> services, std::unique_ptr<grpc::Server> server,
                     int port)
    : services_(std::move(services)), server_(std::move(server)), port_(port) {}

ApiServer::~ApiServer() { Shutdown(); }

const std::string& ApiServer::admin_token() const { return services_->auth.token(); }

IngestCounters ApiServer::ingest_counters() const { return services_->ingest.metrics().Snapshot(); }

void ApiServer::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  services_->alerts.Stop();
  server_->Shutdown(std::chrono::system_clock::now() + kShutdownGrace);
  server_->Wait();
}

}  // namespace ulna::server
