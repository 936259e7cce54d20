#include "agent/ingest_client.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "agent/proc_fs.h"
#include "common/batch_codec.h"
#include "ulna/v1/ingest.grpc.pb.h"

namespace ulna::agent {
namespace {

using Stream = grpc::ClientReaderWriter<v1::IngestRequest, v1::IngestResponse>;

std::string DescribeFailure(const grpc::Status& status, const std::string& server) {
  std::string text = "stream to " + server + " ended: " + std::to_string(status.error_code()) +
                     " " + status.error_message();
  switch (status.error_code()) {
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::PERMISSION_DENIED:
      text +=
          " (the server rejected this agent's certificate: enroll it again with "
          "`ulna-server enroll-agent` and point --credentials at the output)";
      break;
    case grpc::StatusCode::UNAVAILABLE:
      text +=
          " (server down or unreachable, or the TLS handshake failed: check that "
          "--credentials holds ca.pem/agent.pem/agent.key issued by this server)";
      break;
    default:
      break;
  }
  return text;
}

}  // namespace

Result<IngestCredentials> LoadIngestCredentials(const std::string& dir) {
  IngestCredentials c;
  struct File {
    const char* name;
    std::string* out;
  };
  for (const File& f :
       {File{"ca.pem", &c.ca_pem}, File{"agent.pem", &c.cert_pem}, File{"agent.key", &c.key_pem}}) {
    Result<std::string> data = ReadSmallFile(dir + "/" + f.name);
    if (!data.ok()) {
      return Status::InvalidArgument("--credentials: cannot read " + dir + "/" + f.name + ": " +
                                     data.status().message() +
                                     " (write it with `ulna-server enroll-agent --out DIR`)");
    }
    if (data->empty()) return Status::InvalidArgument(dir + "/" + f.name + " is empty");
    *f.out = std::move(data.value());
  }
  return c;
}

IngestClient::IngestClient(IngestClientOptions options, Spool* spool)
    : options_(std::move(options)), spool_(spool) {}

IngestClient::~IngestClient() { Stop(0); }

void IngestClient::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void IngestClient::Stop(int64_t drain_ms) {
  if (!thread_.joinable()) return;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(drain_ms);
  while (std::chrono::steady_clock::now() < deadline && spool_->stats().depth > 0) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stats_.state != ConnectionState::kConnected) break;  // nothing will drain it now
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_.store(true);
    if (context_ != nullptr) context_->TryCancel();
  }
  cv_.notify_all();
  thread_.join();
}

IngestStats IngestClient::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void IngestClient::SleepBackoff(int64_t ms) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stopping_.load(); });
}

void IngestClient::Loop() {
  int64_t backoff = options_.backoff_initial_ms;
  while (!stopping_.load()) {
    uint64_t connects_before = stats().connects;
    Status ended = RunStream();
    if (stopping_.load()) break;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stats_.state = ConnectionState::kDisconnected;
      ++stats_.connect_failures;
      stats_.last_error = ended.message();
      // A stream that got as far as Ready was a working connection: start the backoff over.
      if (stats_.connects != connects_before) backoff = options_.backoff_initial_ms;
    }
    std::fprintf(stderr, "ulna-agent: %s; retrying in %lld ms\n", ended.message().c_str(),
                 static_cast<long long>(backoff));
    SleepBackoff(backoff);
    backoff = std::min(backoff * 2, options_.backoff_max_ms);
  }
  std::lock_guard<std::mutex> lock(mu_);
  stats_.state = ConnectionState::kDisconnected;
}

std::shared_ptr<grpc::Channel> IngestClient::MakeChannel() const {
  if (options_.channel_factory) return options_.channel_factory();
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = options_.credentials.ca_pem;
  ssl.pem_cert_chain = options_.credentials.cert_pem;
  ssl.pem_private_key = options_.credentials.key_pem;
  grpc::ChannelArguments args;
  if (!options_.server_name.empty()) args.SetSslTargetNameOverride(options_.server_name);
  // A server that vanished without closing (host down) is noticed within ~30 s.
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 20'000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10'000);
  // A fresh channel per attempt: our backoff, not the channel's, paces reconnects.
  return grpc::CreateCustomChannel(options_.server, grpc::SslCredentials(ssl), args);
}

Status IngestClient::RunStream() {
  auto stub = v1::Ingest::NewStub(MakeChannel());

  grpc::ClientContext context;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_.load()) return Status::Ok();
    context_ = &context;
    stats_.state = ConnectionState::kConnecting;
  }
  std::unique_ptr<Stream> stream = stub->Stream(&context);
  auto finish = [&](const std::string& what) -> Status {
    {
      std::lock_guard<std::mutex> lock(mu_);
      context_ = nullptr;
    }
    grpc::Status status = stream->Finish();
    if (!status.ok()) return Status::Unavailable(DescribeFailure(status, options_.server));
    return Status::Unavailable("stream to " + options_.server + " ended: " + what);
  };

  v1::IngestRequest hello;
  hello.mutable_hello()->set_agent_version(options_.agent_version);
  hello.mutable_hello()->set_capture_mode(options_.capture_mode);
  v1::IngestResponse response;
  if (!stream->Write(hello) || !stream->Read(&response)) return finish("no Ready from the server");
  if (!response.has_ready()) {
    context.TryCancel();
    return finish("the server's first message was not Ready");
  }
  const uint64_t last_durable = response.ready().last_durable_sequence();
  if (last_durable >= spool_->next_sequence()) {
    std::fprintf(stderr,
                 "ulna-agent: the server already stored sequence %llu but this agent's spool "
                 "is only at %llu (spool state lost?): renumbering pending batches after it\n",
                 static_cast<unsigned long long>(last_durable),
                 static_cast<unsigned long long>(spool_->next_sequence()));
    if (Status s = spool_->Rebase(last_durable); !s.ok()) {
      context.TryCancel();
      return finish("cannot renumber the spool: " + s.ToString());
    }
  }
  // Batches the server stored but whose ack this agent never saw (a crash, a cut stream).
  const uint64_t already_stored = spool_->PendingAfter(0).size();
  const uint64_t stored_events = spool_->RemoveThrough(last_durable);
  const uint64_t stored_batches = already_stored - spool_->PendingAfter(0).size();
  {
    std::lock_guard<std::mutex> lock(mu_);
    stats_.state = ConnectionState::kConnected;
    ++stats_.connects;
    stats_.batches_acked += stored_batches;
    stats_.events_acked += stored_events;
  }
  std::fprintf(stderr, "ulna-agent: connected to %s as host %s (server has up to sequence %llu)\n",
               options_.server.c_str(), response.ready().host_id().c_str(),
               static_cast<unsigned long long>(last_durable));

  // Acks arrive in order on their own thread; `in_flight` bounds what is sent ahead of them.
  std::atomic<bool> broken{false};       // no more sends on this stream
  std::atomic<bool> reader_done{false};  // the server ended the stream (or it broke)
  size_t in_flight = 0;
  std::thread reader([&] {
    v1::IngestResponse ack_message;
    while (stream->Read(&ack_message)) {
      if (!ack_message.has_ack()) continue;
      const v1::BatchAck& ack = ack_message.ack();
      const uint32_t events = spool_->Remove(ack.sequence());
      std::lock_guard<std::mutex> lock(mu_);
      if (in_flight > 0) --in_flight;
      if (!ack.error().empty()) {
        ++stats_.batches_failed;
        stats_.events_failed += events;
        std::fprintf(stderr, "ulna-agent: server rejected batch %llu (%u events), dropped: %s\n",
                     static_cast<unsigned long long>(ack.sequence()), events, ack.error().c_str());
      } else {
        ++stats_.batches_acked;
        stats_.events_acked += events;
        stats_.events_accepted += ack.accepted_events();
        stats_.events_rejected += ack.rejected_events();
        if (ack.duplicate()) ++stats_.batches_duplicate;
      }
      cv_.notify_all();
    }
    reader_done.store(true);
    broken.store(true);
    cv_.notify_all();
  });

  BatchEncoder encoder(/*self_contained=*/false);  // this stream's dictionary
  BatchDecoder decoder;  // spooled batches are self-contained: no dictionary kept across them
  uint64_t sent_through = last_durable;
  std::string why = "the server closed the stream";
  while (!stopping_.load() && !broken.load()) {
    std::vector<uint64_t> pending = spool_->PendingAfter(sent_through);
    if (pending.empty()) {
      spool_->WaitForPendingAfter(sent_through, std::chrono::milliseconds(100));
      continue;
    }
    for (uint64_t seq : pending) {
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait_for(lock, std::chrono::milliseconds(100), [&] {
          return in_flight < options_.max_in_flight || broken.load() || stopping_.load();
        });
        if (in_flight >= options_.max_in_flight || broken.load() || stopping_.load()) break;
      }
      sent_through = seq;
      Result<SpooledBatch> spooled = spool_->Read(seq);
      if (!spooled.ok()) continue;  // acked late from an earlier stream, or dropped when full
      std::vector<NetworkEvent> events;
      RejectTally rejects;
      if (Status s = decoder.Decode(spooled->batch, nullptr, &events, &rejects); !s.ok()) {
        std::fprintf(stderr, "ulna-agent: spooled batch %llu cannot be decoded, dropped: %s\n",
                     static_cast<unsigned long long>(seq), s.ToString().c_str());
        const uint32_t lost = spool_->Remove(seq);
        std::lock_guard<std::mutex> lock(mu_);
        ++stats_.batches_failed;
        stats_.events_failed += lost;
        continue;
      }
      v1::IngestRequest request;
      *request.mutable_batch() = encoder.Encode(seq, events);
      *request.mutable_batch()->mutable_counters() = spooled->batch.counters();
      {
        std::lock_guard<std::mutex> lock(mu_);
        ++in_flight;
        ++stats_.batches_sent;
        if (seq <= max_sent_) ++stats_.batches_resent;
        max_sent_ = std::max(max_sent_, seq);
      }
      if (!stream->Write(request)) {
        broken.store(true);
        break;
      }
    }
  }
  if (stopping_.load()) why = "agent stopping";
  // A stream the server ended is over (Finish tells why); otherwise cut the reader's wait.
  if (!reader_done.load()) context.TryCancel();
  reader.join();
  return finish(why);
}

}  // namespace ulna::agent
