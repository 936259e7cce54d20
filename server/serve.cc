#include "server/serve.h"

#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <thread>

#include "common/metrics_server.h"
#include "server/alert/alert_bus.h"
#include "server/alert/alert_output.h"
#include "server/api/api_server.h"
#include "server/ingest/ingest_pipeline.h"
#include "server/job/anomaly_job.h"
#include "server/metrics/server_metrics.h"
#include "server/store/alert_store.h"
#include "server/store/exception_store.h"
#include "server/store/store.h"

namespace ulna::server {
namespace {

std::atomic<bool> g_stop{false};

void OnSignal(int) { g_stop.store(true); }

// How often the job looks at the clock; buckets still close exactly on their boundaries.
constexpr auto kJobTick = std::chrono::milliseconds(500);

}  // namespace

Status RunServer(const ServerConfig& config) {
  ULNA_RETURN_IF_ERROR(config.Validate());
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) return Status::IoError("cannot create data dir " + config.data_dir + ": " + ec.message());

  auto store = Store::Open(StoreOptions{config.data_dir + "/db", /*sync_writes=*/true});
  ULNA_RETURN_IF_ERROR(store.status());
  auto output = AlertOutput::Open(config.AlertsPath());
  ULNA_RETURN_IF_ERROR(output.status());
  AlertBus bus;
  AnomalyJob job(config.job, store->get(), MakeDetector(config.job.mode),
                 AlertSinks{output->get(), &bus});
  ULNA_RETURN_IF_ERROR(job.Open());

  IngestOptions ingest_options;
  ingest_options.max_future_skew_ns = config.job.max_future_skew_ns;
  IngestPipeline ingest(store->get(), ingest_options, WallClockNanos,
                        [&job] { return job.closed_before_ns(); });
  AlertStore alerts(store->get());
  ExceptionStore exceptions(store->get());

  ApiOptions api_options;
  api_options.listen_address = config.listen;
  api_options.data_dir = config.data_dir;
  api_options.extra_server_names = config.server_names;
  auto api = ApiServer::Start(api_options, ApiComponents{&ingest, &alerts, &exceptions, &bus});
  ULNA_RETURN_IF_ERROR(api.status());

  const std::string host = config.listen.substr(0, config.listen.rfind(':'));
  std::printf("ulna-server: listening on %s:%d\n", host.c_str(), (*api)->port());
  std::fflush(stdout);

  // The job's counters are written by this thread only; /metrics reads a copy under a lock.
  std::mutex job_stats_mu;
  JobStats job_stats;
  std::unique_ptr<MetricsServer> metrics;
  if (config.metrics_port >= 0) {
    auto started = MetricsServer::Start(static_cast<uint16_t>(config.metrics_port), [&]() {
      JobStats snapshot;
      {
        std::lock_guard<std::mutex> lock(job_stats_mu);
        snapshot = job_stats;
      }
      return RenderServerMetrics((*api)->ingest_counters(), ingest.stats(), snapshot,
                                 job.closed_before_ns());
    });
    ULNA_RETURN_IF_ERROR(started.status().WithContext("metrics endpoint"));
    metrics = std::move(started).value();
    std::printf("ulna-server: metrics on http://127.0.0.1:%d/metrics\n", metrics->port());
    std::fflush(stdout);
  }

  signal(SIGTERM, OnSignal);
  signal(SIGINT, OnSignal);
  while (!g_stop.load()) {
    const Status job_status = job.AdvanceTo(WallClockNanos());
    if (!job_status.ok()) {
      // Keep serving ingest (events are safe in the store); the job retries on the next tick.
      std::fprintf(stderr, "ulna-server: job: %s\n", job_status.ToString().c_str());
    }
    {
      std::lock_guard<std::mutex> lock(job_stats_mu);
      job_stats = job.stats();
    }
    std::this_thread::sleep_for(kJobTick);
  }
  metrics.reset();
  std::fprintf(stderr, "ulna-server: shutting down\n");
  (*api)->Shutdown();
  return (*store)->Flush();
}

}  // namespace ulna::server
