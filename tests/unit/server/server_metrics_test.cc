#include "server/metrics/server_metrics.h"

#include <gtest/gtest.h>

namespace ulna::server {
namespace {

TEST(ServerMetricsTest, EveryRejectReasonAndLossCauseIsExposed) {
  IngestCounters api;
  api.streams = 2;
  api.batches = 9;
  api.decode_rejects[static_cast<size_t>(RejectReason::kInvalidValue)] = 3;
  api.ring_buffer_drops = 11;
  IngestStats pipeline;
  pipeline.events_stored = 120;
  pipeline.rejected[static_cast<size_t>(RejectReason::kTimeOutOfRange)] = 4;
  pipeline.rejected[static_cast<size_t>(RejectReason::kInvalidValue)] = 1;
  JobStats job;
  job.buckets_closed = 5;
  job.events_excluded["loopback"] = 7;
  job.alerts = 1;
  const std::string text = RenderServerMetrics(api, pipeline, job, 1'790'812'800'000'000'000);
  for (const char* line : {
           "ulna_ingest_streams_total 2\n",
           "ulna_ingest_batches_total 9\n",
           "ulna_ingest_events_stored_total 120\n",
           "ulna_ingest_events_rejected_total{reason=\"invalid_value\"} 4\n",
           "ulna_ingest_events_rejected_total{reason=\"time_out_of_range\"} 4\n",
           "ulna_ingest_events_rejected_total{reason=\"malformed_json\"} 0\n",
           "ulna_agent_capture_lost_total{cause=\"ring_buffer\"} 11\n",
           "ulna_job_buckets_closed_total 5\n",
           "ulna_job_events_excluded_total{reason=\"loopback\"} 7\n",
           "ulna_alerts_total 1\n",
           "ulna_job_scored_until_seconds 1790812800\n",
           "# TYPE ulna_process_resident_bytes gauge\n",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << "missing: " << line << "\nin:\n" << text;
  }
}

}  // namespace
}  // namespace ulna::server
