#include "agent/run_mode.h"

#include <cstdio>
#include <memory>

#include "agent/batcher.h"
#include "agent/capture_counters.h"
#include "agent/capture_runtime.h"
#include "agent/ingest_client.h"
#include "agent/spool.h"
#include "common/batch_codec.h"
#include "common/metrics_server.h"

namespace ulna::agent {
namespace {

constexpr char kAgentVersion[] = "ulna-agent/1";

// Closes batches from the capture thread: encodes them self-contained (the spool must not
// depend on any stream's dictionary), stamps the loss deltas and spools them.
class BatchPipeline {
 public:
  BatchPipeline(Batcher::Options options, Spool* spool) : batcher_(options), spool_(spool) {}

  void Add(NetworkEvent&& event, int64_t now_ns) { batcher_.Add(std::move(event), now_ns); }

  // Closes the open batch if due (or `force`, at stop).
  void MaybeFlush(int64_t now_ns, bool force, const CaptureRuntime& rt) {
    if (!batcher_.Due(now_ns) && !(force && batcher_.size() > 0)) return;
    std::vector<NetworkEvent> events = batcher_.Take();
    v1::EventBatch batch = BatchEncoder(/*self_contained=*/true).Encode(0, events);
    AgentMetrics m = rt.Snapshot();
    *batch.mutable_counters() = losses_.Delta(m.kernel, m.enrich_failures);
    Result<uint64_t> seq = spool_->Append(std::move(batch));
    if (!seq.ok()) {
      std::fprintf(stderr, "ulna-agent: cannot spool a batch of %zu events: %s\n", events.size(),
                   seq.status().ToString().c_str());
    }
  }

 private:
  Batcher batcher_;
  Spool* spool_;
  LossCounters losses_;
};

}  // namespace

int RunStreaming(const RunOptions& options) {
  Result<IngestCredentials> credentials = LoadIngestCredentials(options.credentials_dir);
  if (!credentials.ok()) {
    std::fprintf(stderr, "ulna-agent: %s\n", credentials.status().message().c_str());
    return 1;
  }
  Result<std::unique_ptr<Spool>> spool =
      Spool::Open({.dir = options.spool_dir, .max_bytes = options.spool_max_bytes});
  if (!spool.ok()) {
    std::fprintf(stderr, "ulna-agent: %s\n", spool.status().ToString().c_str());
    return 1;
  }
  {
    SpoolStats s = (*spool)->stats();
    std::fprintf(stderr,
                 "ulna-agent: spool %s: %llu batches (%llu events) pending, next sequence %llu\n",
                 options.spool_dir.c_str(), (unsigned long long)s.depth,
                 (unsigned long long)s.events, (unsigned long long)(*spool)->next_sequence());
  }
  Result<HookPlan> plan = ProbeAndReport(options.capture);
  if (!plan.ok()) {
    std::fprintf(stderr, "ulna-agent: %s\n", plan.status().message().c_str());
    return 1;
  }

  BatchPipeline pipeline(
      {.max_events = options.batch_max_events, .max_delay_ns = options.batch_max_delay_ns},
      spool->get());
  Result<std::unique_ptr<CaptureRuntime>> runtime =
      CaptureRuntime::Start(options.capture, *plan, [&pipeline](NetworkEvent&& event) {
        pipeline.Add(std::move(event), MonotonicNs());
        return true;
      });
  if (!runtime.ok()) {
    std::fprintf(stderr, "ulna-agent: %s\n", runtime.status().ToString().c_str());
    return 1;
  }
  CaptureRuntime* rt = runtime->get();

  IngestClient client({.server = options.server,
                       .server_name = options.server_name,
                       .credentials = std::move(credentials.value()),
                       .agent_version = kAgentVersion,
                       .capture_mode = plan->name},
                      spool->get());
  client.Start();

  std::unique_ptr<MetricsServer> metrics;
  if (options.capture.metrics_port >= 0) {
    Spool* s = spool->get();
    Result<std::unique_ptr<MetricsServer>> server =
        MetricsServer::Start(static_cast<uint16_t>(options.capture.metrics_port), [rt, s, &client] {
          return RenderPrometheus(rt->Snapshot()) +
                 RenderStreamPrometheus(client.stats(), s->stats());
        });
    if (!server.ok()) {
      std::fprintf(stderr, "ulna-agent: %s\n", server.status().ToString().c_str());
      client.Stop(0);
      return 1;
    }
    metrics = std::move(server.value());
    std::fprintf(stderr, "ulna-agent: metrics on http://127.0.0.1:%u/metrics\n", metrics->port());
  }
  std::fprintf(stderr, "ulna-agent: capturing, streaming to %s\n", options.server.c_str());

  Status ran = rt->Run([&](int64_t now) { pipeline.MaybeFlush(now, false, *rt); });
  pipeline.MaybeFlush(MonotonicNs(), /*force=*/true, *rt);
  int rc = 0;
  if (!ran.ok()) {
    std::fprintf(stderr, "ulna-agent: %s\n", ran.ToString().c_str());
    rc = 1;
  }
  client.Stop(options.drain_ms);
  metrics.reset();
  if (options.capture.stats) {
    std::fprintf(stderr, "%s%s", RenderSummary(rt->Snapshot(), rt->elapsed_seconds()).c_str(),
                 RenderStreamSummary(client.stats(), (*spool)->stats()).c_str());
  }
  runtime->reset();
  std::fprintf(stderr, "ulna-agent: detached\n");
  return rc;
}

}  // namespace ulna::agent
