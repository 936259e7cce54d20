// IngestClient streams the spool's batches to the server's Ingest service over mTLS and removes
// each one from the spool once the server acknowledged it as durable. On every (re)connect it
// learns the server's last durable sequence, forgets what is already stored, and (re)sends the
// rest in order under their original sequence numbers, re-encoded for the new stream's string
// dictionary. Failed connects are retried with capped exponential backoff. Runs one sender
// thread plus one reader thread per stream; Start/Stop/stats are thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "agent/spool.h"
#include "common/status.h"

namespace grpc {
class Channel;
class ClientContext;
}  // namespace grpc

namespace ulna::agent {

struct IngestCredentials {
  std::string ca_pem;    // the server's CA (ca.pem)
  std::string cert_pem;  // this agent's certificate (agent.pem), names its host identity
  std::string key_pem;   // agent.key
};

// Reads ca.pem, agent.pem and agent.key from the directory `ulna-server enroll-agent` wrote.
Result<IngestCredentials> LoadIngestCredentials(const std::string& dir);

struct IngestClientOptions {
  std::string server;       // host:port
  std::string server_name;  // TLS name to check instead of the host in `server`; "" = none
  IngestCredentials credentials;
  std::string agent_version;
  std::string capture_mode;   // the hook set, told to the server in Hello
  size_t max_in_flight = 32;  // batches sent but not yet acked
  int64_t backoff_initial_ms = 250;
  int64_t backoff_max_ms = 30'000;
  // Makes the channel for each connection attempt; empty: mTLS to `server` with `credentials`.
  // Unit tests supply an in-process channel here.
  std::function<std::shared_ptr<grpc::Channel>()> channel_factory = nullptr;
};

enum class ConnectionState { kDisconnected = 0, kConnecting = 1, kConnected = 2 };

struct IngestStats {
  ConnectionState state = ConnectionState::kDisconnected;
  uint64_t connects = 0;           // streams that reached Ready
  uint64_t connect_failures = 0;   // attempts or streams that ended in an error
  uint64_t batches_sent = 0;       // every send, resends included
  uint64_t batches_resent = 0;     // sends of a sequence already sent on an earlier stream
  uint64_t batches_acked = 0;      // acked without error, or found durable at Ready
  uint64_t batches_failed = 0;     // acked with an error: dropped, never resent
  uint64_t batches_duplicate = 0;  // acked as already durable
  uint64_t events_acked = 0;       // events in acked batches (agent's count)
  uint64_t events_failed = 0;      // events in batches acked with an error
  uint64_t events_accepted = 0;    // events the server says it stored
  uint64_t events_rejected = 0;    // events the server dropped as malformed
  std::string last_error;          // why the latest stream ended ("" if none yet)
};

class IngestClient {
 public:
  IngestClient(IngestClientOptions options, Spool* spool);
  ~IngestClient();  // Stop(0) if still running
  IngestClient(const IngestClient&) = delete;
  IngestClient& operator=(const IngestClient&) = delete;

  void Start();
  // Waits up to `drain_ms` for the spool to empty while connected, then ends the stream and
  // joins. Batches still spooled are sent by the next run.
  void Stop(int64_t drain_ms);
  IngestStats stats() const;

 private:
  std::shared_ptr<grpc::Channel> MakeChannel() const;
  Status RunStream();
  void SleepBackoff(int64_t ms);
  void Loop();

  const IngestClientOptions options_;
  Spool* const spool_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  grpc::ClientContext* context_ = nullptr;  // the live stream's, to cancel it on Stop
  uint64_t max_sent_ = 0;                   // highest sequence ever sent, to count resends
  IngestStats stats_;
};

}  // namespace ulna::agent
