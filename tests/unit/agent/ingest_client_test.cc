// IngestClient against an in-process Ingest server (a scripted fake, insecure in-process
// channel): spooled batches are sent in order, removed on ack, resent with their ORIGINAL
// sequence and re-encoded for the new stream's dictionary after a stream dies before the ack,
// skipped when Ready says they are durable, and dropped (not retried) when acked with an error.
#include "agent/ingest_client.h"

#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "common/batch_codec.h"
#include "ulna/v1/ingest.grpc.pb.h"

namespace ulna::agent {
namespace {

using namespace std::chrono_literals;

// What the fake server does with each stream, in order of arrival (one script per stream).
struct StreamScript {
  uint64_t ready_last_durable = 0;
  int ack_count = 1000;         // ack this many batches, then end the stream unacked
  uint64_t error_sequence = 0;  // answer this sequence with an ack error
};

class FakeIngest final : public v1::Ingest::Service {
 public:
  explicit FakeIngest(std::vector<StreamScript> scripts) : scripts_(std::move(scripts)) {}

  grpc::Status Stream(
      grpc::ServerContext*,
      grpc::ServerReaderWriter<v1::IngestResponse, v1::IngestRequest>* stream) override {
    StreamScript script;
    {
      std::lock_guard<std::mutex> lock(mu_);
      size_t index = streams_++;
      script = index < scripts_.size() ? scripts_[index] : StreamScript{};
    }
    v1::IngestRequest request;
    if (!stream->Read(&request) || !request.has_hello()) {
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "no hello");
    }
    v1::IngestResponse ready;
    ready.mutable_ready()->set_host_id("host-1");
    ready.mutable_ready()->set_last_durable_sequence(script.ready_last_durable);
    stream->Write(ready);
    BatchDecoder decoder;  // one dictionary per stream, as the real server
    int acked = 0;
    while (stream->Read(&request)) {
      const v1::EventBatch& batch = request.batch();
      std::vector<NetworkEvent> events;
      RejectTally rejects;
      Status decoded = decoder.Decode(batch, nullptr, &events, &rejects);
      {
        std::lock_guard<std::mutex> lock(mu_);
        Received r{streams_, batch.sequence(), decoded.ok(), {}};
        for (const NetworkEvent& e : events) r.executables.emplace_back(e.process.executable);
        received_.push_back(std::move(r));
      }
      if (acked == script.ack_count) {
        return grpc::Status(grpc::StatusCode::UNAVAILABLE, "server crashed before the ack");
      }
      ++acked;
      v1::IngestResponse ack;
      ack.mutable_ack()->set_sequence(batch.sequence());
      if (batch.sequence() == script.error_sequence) {
        ack.mutable_ack()->set_error("INVALID_ARGUMENT: scripted rejection");
      } else {
        ack.mutable_ack()->set_accepted_events(static_cast<uint32_t>(events.size()));
      }
      stream->Write(ack);
    }
    return grpc::Status::OK;
  }

  struct Received {
    size_t stream;  // 1-based
    uint64_t sequence;
    bool decoded;
    std::vector<std::string> executables;
  };
  std::vector<Received> received() {
    std::lock_guard<std::mutex> lock(mu_);
    return received_;
  }

 private:
  std::mutex mu_;
  std::vector<StreamScript> scripts_;
  size_t streams_ = 0;
  std::vector<Received> received_;
};

class IngestClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/ulna-ingest-client-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    spool_ = std::move(Spool::Open({.dir = dir_, .sync = false}).value());
  }
  void TearDown() override {
    client_.reset();
    if (server_) server_->Shutdown(std::chrono::system_clock::now() + 1s);
    std::filesystem::remove_all(dir_);
  }

  void StartServer(std::vector<StreamScript> scripts) {
    fake_ = std::make_unique<FakeIngest>(std::move(scripts));
    grpc::ServerBuilder builder;
    builder.RegisterService(fake_.get());
    server_ = builder.BuildAndStart();
  }
  void StartClient() {
    IngestClientOptions options;
    options.server = "in-process";
    options.backoff_initial_ms = 10;
    options.backoff_max_ms = 40;
    grpc::Server* server = server_.get();
    options.channel_factory = [server] {
      return server->InProcessChannel(grpc::ChannelArguments());
    };
    client_ = std::make_unique<IngestClient>(options, spool_.get());
    client_->Start();
  }
  // Appends a batch of events whose executables are `exes`.
  uint64_t Append(const std::vector<std::string>& exes) {
    std::vector<NetworkEvent> events(exes.size());
    for (size_t i = 0; i < exes.size(); ++i) {
      events[i].time_ns = 1'700'000'000'000'000'000;
      events[i].destination_ip = IpAddress::FromV4(0x0a000001);
      events[i].process.name = "p";
      events[i].process.executable = exes[i];
    }
    return spool_->Append(BatchEncoder(true).Encode(0, events)).value();
  }
  bool WaitUntil(const std::function<bool()>& done) {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (done()) return true;
      std::this_thread::sleep_for(5ms);
    }
    return false;
  }

  std::string dir_;
  std::unique_ptr<Spool> spool_;
  std::unique_ptr<FakeIngest> fake_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<IngestClient> client_;
};

TEST_F(IngestClientTest, UnackedBatchIsResentWithItsSequenceOnANewStream) {
  // Stream 1 acks batch 1, then dies without acking batch 2. Stream 2 says 1 is durable.
  StartServer({{.ready_last_durable = 0, .ack_count = 1}, {.ready_last_durable = 1}});
  ASSERT_EQ(Append({"/usr/bin/curl", "/usr/bin/wget"}), 1u);
  ASSERT_EQ(Append({"/usr/bin/wget", "/usr/bin/ssh"}), 2u);
  StartClient();
  ASSERT_TRUE(WaitUntil([&] { return spool_->stats().depth == 0; }));
  IngestStats s = client_->stats();
  EXPECT_EQ(s.connects, 2u);
  EXPECT_EQ(s.batches_sent, 3u);    // 1, 2, then 2 again
  EXPECT_EQ(s.batches_resent, 1u);  // 2
  EXPECT_EQ(s.batches_acked, 2u);
  EXPECT_EQ(s.events_acked, 4u);
  EXPECT_EQ(s.events_accepted, 4u);

  std::vector<FakeIngest::Received> got = fake_->received();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].sequence, 1u);
  EXPECT_EQ(got[1].sequence, 2u);
  EXPECT_EQ(got[1].stream, 1u);
  EXPECT_EQ(got[2].sequence, 2u);  // the original number: the server can dedupe it
  EXPECT_EQ(got[2].stream, 2u);
  // Re-encoded for the new stream: its fresh dictionary decodes it, "/usr/bin/wget" included
  // although stream 1 had already sent that string.
  EXPECT_TRUE(got[2].decoded);
  EXPECT_EQ(got[2].executables, (std::vector<std::string>{"/usr/bin/wget", "/usr/bin/ssh"}));
}

TEST_F(IngestClientTest, ReadySkipsDurableBatchesAndErrorAcksAreNotRetried) {
  StartServer({{.ready_last_durable = 2, .error_sequence = 3}});
  for (int i = 0; i < 4; ++i) Append({"/bin/true"});
  StartClient();
  ASSERT_TRUE(WaitUntil([&] { return spool_->stats().depth == 0; }));
  IngestStats s = client_->stats();
  EXPECT_EQ(s.batches_sent, 2u);    // 3 and 4: 1 and 2 were already durable
  EXPECT_EQ(s.batches_acked, 3u);   // 1, 2 (by Ready) and 4
  EXPECT_EQ(s.batches_failed, 1u);  // 3, dropped from the spool, not resent
  EXPECT_EQ(s.events_failed, 1u);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(client_->stats().batches_sent, 2u);
  EXPECT_EQ(fake_->received().size(), 2u);
}

TEST_F(IngestClientTest, ServerAheadOfTheSpoolRenumbersInsteadOfLosing) {
  // The server stored up to 50 from this host; this spool (state lost) starts at 1.
  StartServer({{.ready_last_durable = 50}});
  Append({"/bin/a"});
  Append({"/bin/b"});
  StartClient();
  ASSERT_TRUE(WaitUntil([&] { return spool_->stats().depth == 0; }));
  std::vector<FakeIngest::Received> got = fake_->received();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].sequence, 51u);
  EXPECT_EQ(got[1].sequence, 52u);
  EXPECT_EQ(client_->stats().events_accepted, 2u);
  EXPECT_EQ(spool_->next_sequence(), 53u);
}

}  // namespace
}  // namespace ulna::agent
