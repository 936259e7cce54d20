// ApiServer end to end in one process: real TLS on loopback, real Alert/Exception stores on a
// temporary RocksDB, and a small recording EventSink. Checks who may call what (client
// certificates for Ingest, the admin token for the rest) and what each service answers.
#include "server/api/api_server.h"

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "common/batch_codec.h"
#include "server/api/private_file.h"
#include "server/api/tls_material.h"
#include "server/store/store.h"
#include "ulna/v1/admin.grpc.pb.h"
#include "ulna/v1/alerts.grpc.pb.h"
#include "ulna/v1/fleet.grpc.pb.h"
#include "ulna/v1/ingest.grpc.pb.h"

namespace ulna::server {
namespace {

constexpr int64_t kBaseTime = 1'700'000'000'000'000'000;

// Records batches per host; a sequence at or below the host's last is a duplicate.
class RecordingSink : public EventSink {
 public:
  struct Stored {
    HostInfo host;
    uint64_t sequence;
    std::vector<NetworkEvent> events;
  };

  Result<StoreOutcome> StoreAgentBatch(const HostInfo& host, uint64_t sequence,
                                       std::vector<NetworkEvent> events,
                                       const CaptureLoss&) override {
    std::lock_guard<std::mutex> lock(mu_);
    StoreOutcome outcome;
    if (sequence <= last_[host.id]) {
      outcome.duplicate = true;
      return outcome;
    }
    last_[host.id] = sequence;
    outcome.accepted = static_cast<uint32_t>(events.size());
    stored_.push_back({host, sequence, std::move(events)});
    return outcome;
  }
  Result<uint64_t> LastSequence(const std::string& host_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    return last_[host_id];
  }
  std::vector<Stored> stored() {
    std::lock_guard<std::mutex> lock(mu_);
    return stored_;
  }

 private:
  std::mutex mu_;
  std::map<std::string, uint64_t> last_;
  std::vector<Stored> stored_;
};

NetworkEvent MakeEvent(const std::string& claimed_host, int64_t time_ns) {
  NetworkEvent event;
  event.time_ns = time_ns;
  event.source_ip = IpAddress::FromV4(0x0a000001);
  event.source_port = 40000;
  event.destination_ip = IpAddress::FromV4(0x08080808);
  event.destination_port = 443;
  event.host = {claimed_host + "-id", claimed_host};
  event.process.pid = 42;
  event.process.name = "curl";
  event.process.executable = "/usr/bin/curl";
  return event;
}

Alert MakeAlert(const std::string& host, const std::string& process, int64_t bucket, double score) {
  Alert alert;
  alert.rule_name = "Unusual Linux Network Activity";
  alert.severity = "low";
  alert.risk_score = 21;
  alert.record.bucket_start_ns = bucket;
  alert.record.mode = "ulna";
  alert.record.host = {host + "-id", host};
  alert.record.process_name = process;
  alert.record.process_executable = "/usr/bin/" + process;
  alert.record.score = score;
  alert.record.reasons = {"first seen on this host"};
  alert.id = AlertId(alert.rule_name, alert.record.host.id, process, bucket);
  return alert;
}

class ApiServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/ulna-api-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    auto store = Store::Open({dir_ + "/db", true});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store.value());
    alerts_ = std::make_unique<AlertStore>(store_.get());
    exceptions_ = std::make_unique<ExceptionStore>(store_.get());
    StartServer();
    auto ca = ReadSmallFile(dir_ + "/data/tls/ca.pem");
    ASSERT_TRUE(ca.ok());
    ca_pem_ = ca.value();
  }
  void TearDown() override {
    server_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  void StartServer() {
    auto server = ApiServer::Start({"127.0.0.1:0", dir_ + "/data", {}},
                                   {&sink_, alerts_.get(), exceptions_.get(), &bus_});
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server.value());
    ASSERT_GT(server_->port(), 0);
  }

  // A TLS channel trusting the server CA, with an optional client certificate.
  std::shared_ptr<grpc::Channel> Channel(const KeyAndCertificate* client = nullptr,
                                         const std::string& ca_pem = "") {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = ca_pem.empty() ? ca_pem_ : ca_pem;
    if (client) {
      ssl.pem_private_key = client->key_pem;
      ssl.pem_cert_chain = client->cert_pem;
    }
    return grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                               grpc::SslCredentials(ssl));
  }

  KeyAndCertificate AgentCert(const std::string& host_id, const std::string& host_name) {
    auto ca = LoadOrCreateCertificateAuthority(dir_ + "/data");
    EXPECT_TRUE(ca.ok());
    auto cert = IssueAgentCertificate(ca.value(), host_id, host_name);
    EXPECT_TRUE(cert.ok()) << cert.status().ToString();
    return cert.value();
  }

  void Authorize(grpc::ClientContext* context, const std::string& token) {
    context->AddMetadata("authorization", "Bearer " + token);
  }

  void StoreAlerts(const std::vector<Alert>& alerts) {
    WriteGroup group;
    for (const Alert& alert : alerts) alerts_->Add(alert, &group);
    ASSERT_TRUE(store_->Write(std::move(group), true).ok());
  }

  std::string dir_;
  std::string ca_pem_;
  RecordingSink sink_;
  AlertBus bus_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<AlertStore> alerts_;
  std::unique_ptr<ExceptionStore> exceptions_;
  std::unique_ptr<ApiServer> server_;
};

using IngestStream = grpc::ClientReaderWriter<v1::IngestRequest, v1::IngestResponse>;

v1::IngestRequest Hello() {
  v1::IngestRequest request;
  request.mutable_hello()->set_agent_version("test");
  return request;
}

v1::IngestRequest BatchRequest(v1::EventBatch batch) {
  v1::IngestRequest request;
  *request.mutable_batch() = std::move(batch);
  return request;
}

TEST_F(ApiServerTest, IngestWithoutClientCertificateIsUnauthenticated) {
  auto stub = v1::Ingest::NewStub(Channel());
  grpc::ClientContext context;
  auto stream = stub->Stream(&context);
  stream->Write(Hello());
  stream->WritesDone();
  v1::IngestResponse response;
  EXPECT_FALSE(stream->Read(&response));
  grpc::Status status = stream->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << status.error_message();
  EXPECT_EQ(server_->ingest_counters().unauthenticated_streams, 1u);
}

TEST_F(ApiServerTest, IngestTakesHostFromCertificateAndDedupes) {
  KeyAndCertificate agent = AgentCert("host-a", "web-1");
  auto stub = v1::Ingest::NewStub(Channel(&agent));
  grpc::ClientContext context;
  auto stream = stub->Stream(&context);
  ASSERT_TRUE(stream->Write(Hello()));
  v1::IngestResponse response;
  ASSERT_TRUE(stream->Read(&response));
  ASSERT_TRUE(response.has_ready());
  EXPECT_EQ(response.ready().host_id(), "host-a");
  EXPECT_EQ(response.ready().last_durable_sequence(), 0u);

  // The payload claims to be "evil"; the server must store it under the certificate's host.
  BatchEncoder encoder(/*self_contained=*/true);
  std::vector<NetworkEvent> events = {MakeEvent("evil", kBaseTime),
                                      MakeEvent("evil", kBaseTime + 5)};
  ASSERT_TRUE(stream->Write(BatchRequest(encoder.Encode(1, events))));
  ASSERT_TRUE(stream->Read(&response));
  ASSERT_TRUE(response.has_ack());
  EXPECT_EQ(response.ack().sequence(), 1u);
  EXPECT_EQ(response.ack().accepted_events(), 2u);
  EXPECT_EQ(response.ack().rejected_events(), 0u);
  EXPECT_FALSE(response.ack().duplicate());
  EXPECT_EQ(response.ack().error(), "");

  ASSERT_TRUE(stream->Write(BatchRequest(encoder.Encode(1, events))));  // resent
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_EQ(response.ack().sequence(), 1u);
  EXPECT_TRUE(response.ack().duplicate());
  EXPECT_EQ(response.ack().accepted_events(), 0u);

  // A stream-mode batch that does not continue this stream's dictionary is rejected whole,
  // and the stream goes on.
  v1::EventBatch broken = BatchEncoder(false).Encode(2, events);
  broken.set_string_base(broken.string_base() + 7);
  ASSERT_TRUE(stream->Write(BatchRequest(broken)));
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_EQ(response.ack().sequence(), 2u);
  EXPECT_NE(response.ack().error().find("string_base"), std::string::npos)
      << response.ack().error();

  ASSERT_TRUE(stream->Write(BatchRequest(encoder.Encode(3, {MakeEvent("evil", kBaseTime + 9)}))));
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_EQ(response.ack().sequence(), 3u);
  EXPECT_EQ(response.ack().accepted_events(), 1u);
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());

  auto stored = sink_.stored();
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[0].host, (HostInfo{"host-a", "web-1"}));
  EXPECT_EQ(stored[0].sequence, 1u);
  ASSERT_EQ(stored[0].events.size(), 2u);
  for (const NetworkEvent& event : stored[0].events) {
    EXPECT_EQ(event.host, (HostInfo{"host-a", "web-1"}));
  }
  EXPECT_EQ(stored[0].events[1].time_ns, kBaseTime + 5);
  EXPECT_EQ(stored[1].sequence, 3u);

  IngestCounters counters = server_->ingest_counters();
  EXPECT_EQ(counters.batches, 4u);
  EXPECT_EQ(counters.duplicate_batches, 1u);
  EXPECT_EQ(counters.failed_batches, 1u);
  EXPECT_EQ(counters.accepted_events, 3u);

  // A reconnecting agent learns where to resume.
  grpc::ClientContext again;
  auto second = stub->Stream(&again);
  ASSERT_TRUE(second->Write(Hello()));
  ASSERT_TRUE(second->Read(&response));
  EXPECT_EQ(response.ready().last_durable_sequence(), 3u);
  second->WritesDone();
  EXPECT_TRUE(second->Finish().ok());
}

TEST_F(ApiServerTest, IngestWithoutHelloFirstIsRefused) {
  KeyAndCertificate agent = AgentCert("host-b", "db-1");
  auto stub = v1::Ingest::NewStub(Channel(&agent));
  grpc::ClientContext context;
  auto stream = stub->Stream(&context);
  stream->Write(BatchRequest(BatchEncoder(true).Encode(1, {MakeEvent("x", kBaseTime)})));
  stream->WritesDone();
  v1::IngestResponse response;
  EXPECT_FALSE(stream->Read(&response));
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(sink_.stored().empty());
}

TEST_F(ApiServerTest, CertificateFromAnotherCaIsRejected) {
  auto other_ca = LoadOrCreateCertificateAuthority(dir_ + "/other");
  ASSERT_TRUE(other_ca.ok());
  auto forged = IssueAgentCertificate(other_ca.value(), "host-a", "web-1");
  ASSERT_TRUE(forged.ok());
  auto stub = v1::Ingest::NewStub(Channel(&forged.value()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  auto stream = stub->Stream(&context);
  stream->Write(Hello());
  v1::IngestResponse response;
  EXPECT_FALSE(stream->Read(&response));
  grpc::Status status = stream->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_TRUE(sink_.stored().empty());
}

TEST_F(ApiServerTest, ServerCertificateMustMatchOurCa) {
  auto other_ca = LoadOrCreateCertificateAuthority(dir_ + "/other");
  ASSERT_TRUE(other_ca.ok());
  auto stub = v1::Admin::NewStub(Channel(nullptr, other_ca->cert_pem));
  grpc::ClientContext context;
  Authorize(&context, server_->admin_token());
  v1::ListExceptionsResponse response;
  grpc::Status status = stub->ListExceptions(&context, {}, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
}

TEST_F(ApiServerTest, AlertsNeedTheAdminToken) {
  auto stub = v1::Alerts::NewStub(Channel());
  v1::ListAlertsResponse response;
  {
    grpc::ClientContext context;
    EXPECT_EQ(stub->List(&context, {}, &response).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  }
  {
    grpc::ClientContext context;
    Authorize(&context, std::string(64, '0'));
    EXPECT_EQ(stub->List(&context, {}, &response).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
  {
    grpc::ClientContext context;
    context.AddMetadata("authorization", server_->admin_token());  // no "Bearer "
    EXPECT_EQ(stub->List(&context, {}, &response).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  }
  {
    grpc::ClientContext context;
    Authorize(&context, server_->admin_token());
    EXPECT_TRUE(stub->List(&context, {}, &response).ok());
    EXPECT_EQ(response.alerts_size(), 0);
  }
}

TEST_F(ApiServerTest, AlertsListFiltersAndPages) {
  const int64_t hour = 3'600'000'000'000;
  StoreAlerts({MakeAlert("web-1", "nc", kBaseTime, 80),
               MakeAlert("web-1", "curl", kBaseTime + hour, 40),
               MakeAlert("db-1", "nc", kBaseTime + 2 * hour, 90)});
  auto stub = v1::Alerts::NewStub(Channel());

  v1::ListAlertsRequest request;
  request.set_page_size(2);
  std::vector<std::string> seen;
  do {
    grpc::ClientContext context;
    Authorize(&context, server_->admin_token());
    v1::ListAlertsResponse response;
    grpc::Status status = stub->List(&context, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_LE(response.alerts_size(), 2);
    for (const v1::Alert& alert : response.alerts()) {
      seen.push_back(alert.host_name() + "/" + alert.process_name());
      EXPECT_NE(alert.ecs_json().find(alert.host_name()), std::string::npos) << alert.ecs_json();
      EXPECT_EQ(alert.rule_name(), "Unusual Linux Network Activity");
      EXPECT_EQ(alert.risk_score(), 21u);
    }
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  EXPECT_EQ(seen, (std::vector<std::string>{"web-1/nc", "web-1/curl", "db-1/nc"}));

  grpc::ClientContext context;
  Authorize(&context, server_->admin_token());
  v1::ListAlertsRequest filtered;
  filtered.mutable_filter()->set_process_name("nc");
  filtered.mutable_filter()->set_min_score(85);
  v1::ListAlertsResponse response;
  ASSERT_TRUE(stub->List(&context, filtered, &response).ok());
  ASSERT_EQ(response.alerts_size(), 1);
  EXPECT_EQ(response.alerts(0).host_name(), "db-1");
  EXPECT_EQ(response.alerts(0).timestamp_ns(), kBaseTime + 2 * hour);
  EXPECT_DOUBLE_EQ(response.alerts(0).score(), 90);

  grpc::ClientContext bad;
  Authorize(&bad, server_->admin_token());
  v1::ListAlertsRequest bad_token;
  bad_token.set_page_token("zz");
  EXPECT_EQ(stub->List(&bad, bad_token, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ApiServerTest, WatchReplaysThenFollowsTheBus) {
  StoreAlerts(
      {MakeAlert("web-1", "old", kBaseTime - 10, 70), MakeAlert("web-1", "nc", kBaseTime, 70)});
  auto stub = v1::Alerts::NewStub(Channel());
  grpc::ClientContext context;
  Authorize(&context, server_->admin_token());
  v1::WatchAlertsRequest request;
  request.set_since_ns(kBaseTime);
  request.mutable_filter()->set_host_name("web-1");
  auto reader = stub->Watch(&context, request);
  v1::Alert alert;
  ASSERT_TRUE(reader->Read(&alert));
  EXPECT_EQ(alert.process_name(), "nc");  // "old" is before since_ns

  // The replayed alert published again is not repeated; another host's is filtered out.
  std::thread publisher([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    bus_.Publish(MakeAlert("web-1", "nc", kBaseTime, 70));
    bus_.Publish(MakeAlert("db-1", "nc", kBaseTime + 1, 70));
    bus_.Publish(MakeAlert("web-1", "socat", kBaseTime + 2, 75));
  });
  ASSERT_TRUE(reader->Read(&alert));
  publisher.join();
  EXPECT_EQ(alert.process_name(), "socat");
  EXPECT_EQ(alert.host_name(), "web-1");
  context.TryCancel();
  while (reader->Read(&alert)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(ApiServerTest, ShutdownEndsAWatch) {
  auto stub = v1::Alerts::NewStub(Channel());
  grpc::ClientContext context;
  Authorize(&context, server_->admin_token());
  auto reader = stub->Watch(&context, {});
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    server_->Shutdown();
  });
  v1::Alert alert;
  EXPECT_FALSE(reader->Read(&alert));
  stopper.join();
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(ApiServerTest, ExceptionsAddListRemove) {
  auto stub = v1::Admin::NewStub(Channel());
  v1::AddExceptionRequest add;
  add.mutable_exception()->set_process_name("backup-agent");
  add.mutable_exception()->set_destination_cidr("10.0.0.0/8");
  add.mutable_exception()->set_reason("nightly backups");
  add.mutable_exception()->set_id("ignored");
  v1::RuleException added;
  {
    grpc::ClientContext context;
    Authorize(&context, server_->admin_token());
    grpc::Status status = stub->AddException(&context, add, &added);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  EXPECT_FALSE(added.id().empty());
  EXPECT_NE(added.id(), "ignored");
  EXPECT_GT(added.created_ns(), kBaseTime);
  EXPECT_EQ(added.process_name(), "backup-agent");

  v1::ListExceptionsResponse list;
  {
    grpc::ClientContext context;
    Authorize(&context, server_->admin_token());
    ASSERT_TRUE(stub->ListExceptions(&context, {}, &list).ok());
  }
  ASSERT_EQ(list.exceptions_size(), 1);
  EXPECT_EQ(list.exceptions(0).id(), added.id());
  EXPECT_EQ(list.exceptions(0).reason(), "nightly backups");
  EXPECT_EQ(list.exceptions(0).destination_cidr(), "10.0.0.0/8");

  v1::RemoveExceptionRequest remove;
  remove.set_id(added.id());
  v1::RemoveExceptionResponse removed;
  {
    grpc::ClientContext context;
    Authorize(&context, server_->admin_token());
    ASSERT_TRUE(stub->RemoveException(&context, remove, &removed).ok());
  }
  {
    grpc::ClientContext context;
    Authorize(&context, server_->admin_token());
    EXPECT_EQ(stub->RemoveException(&context, remove, &removed).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  {
    grpc::ClientContext context;
    Authorize(&context, server_->admin_token());
    list.Clear();
    ASSERT_TRUE(stub->ListExceptions(&context, {}, &list).ok());
    EXPECT_EQ(list.exceptions_size(), 0);
  }
}

TEST_F(ApiServerTest, InvalidExceptionsAreRejectedWithTheReason) {
  auto stub = v1::Admin::NewStub(Channel());
  auto add = [&](const v1::RuleException& exception) {
    grpc::ClientContext context;
    Authorize(&context, server_->admin_token());
    v1::AddExceptionRequest request;
    *request.mutable_exception() = exception;
    v1::RuleException response;
    return stub->AddException(&context, request, &response);
  };
  v1::RuleException no_reason;
  no_reason.set_process_name("nc");
  grpc::Status status = add(no_reason);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("reason"), std::string::npos) << status.error_message();

  v1::RuleException bad_cidr;
  bad_cidr.set_destination_cidr("10.0.0.0/99");
  bad_cidr.set_reason("r");
  status = add(bad_cidr);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("10.0.0.0/99"), std::string::npos);

  v1::RuleException expired;
  expired.set_process_name("nc");
  expired.set_reason("r");
  expired.set_expires_ns(kBaseTime);  // 2023: already past
  EXPECT_EQ(add(expired).error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  grpc::ClientContext context;  // no token
  v1::RuleException response;
  EXPECT_EQ(stub->AddException(&context, {}, &response).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(ApiServerTest, FleetIsUnimplemented) {
  auto stub = v1::Fleet::NewStub(Channel());
  grpc::ClientContext context;
  v1::EnrollResponse response;
  grpc::Status status = stub->Enroll(&context, {}, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_NE(status.error_message().find("enroll-agent"), std::string::npos);
}

TEST_F(ApiServerTest, ReflectionListsTheServices) {
  // No reflection stubs are installed, so the request is hand-encoded:
  // ServerReflectionRequest{list_services: ""} is field 7 (tag 0x3a) with an empty string. A
  // one-message exchange on the bidi method is enough for one answer.
  grpc::GenericStub stub(Channel());
  grpc::ClientContext context;
  grpc::CompletionQueue queue;
  const char request_bytes[] = {0x3a, 0x00};
  grpc::Slice slice(request_bytes, sizeof(request_bytes));
  grpc::ByteBuffer request(&slice, 1);
  auto call = stub.PrepareUnaryCall(
      &context, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", request, &queue);
  call->StartCall();
  grpc::ByteBuffer response;
  grpc::Status status;
  call->Finish(&response, &status, reinterpret_cast<void*>(1));
  void* tag = nullptr;
  bool ok = false;
  ASSERT_TRUE(queue.Next(&tag, &ok));
  ASSERT_TRUE(status.ok()) << status.error_message();
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(response.Dump(&slices).ok());
  std::string bytes;
  for (const grpc::Slice& s : slices) {
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  for (const char* service :
       {"ulna.v1.Ingest", "ulna.v1.Alerts", "ulna.v1.Admin", "ulna.v1.Fleet"}) {
    EXPECT_NE(bytes.find(service), std::string::npos) << service;
  }
  queue.Shutdown();
  while (queue.Next(&tag, &ok)) {
  }
}

TEST_F(ApiServerTest, RestartKeepsCaAndToken) {
  const std::string token = server_->admin_token();
  server_.reset();
  StartServer();
  EXPECT_EQ(server_->admin_token(), token);
  auto ca = ReadSmallFile(dir_ + "/data/tls/ca.pem");
  ASSERT_TRUE(ca.ok());
  EXPECT_EQ(ca.value(), ca_pem_);
  KeyAndCertificate agent = AgentCert("host-c", "app-1");  // issued by the same CA
  auto stub = v1::Ingest::NewStub(Channel(&agent));
  grpc::ClientContext context;
  auto stream = stub->Stream(&context);
  ASSERT_TRUE(stream->Write(Hello()));
  v1::IngestResponse response;
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_EQ(response.ready().host_id(), "host-c");
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());
}

}  // namespace
}  // namespace ulna::server
