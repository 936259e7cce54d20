#include "server/metrics/server_metrics.h"

#include "common/prometheus_text.h"

namespace ulna::server {

std::string RenderServerMetrics(const IngestCounters& api, const IngestStats& pipeline,
                                const JobStats& job, int64_t job_closed_before_ns) {
  PrometheusText text;
  text.Counter("ulna_ingest_streams_total", "Authenticated agent streams opened.", api.streams);
  text.Counter("ulna_ingest_unauthenticated_streams_total",
               "Streams refused for lack of a valid client certificate.",
               api.unauthenticated_streams);
  text.Counter("ulna_ingest_batches_total", "Batches received from agents.", api.batches);
  text.Counter("ulna_ingest_duplicate_batches_total", "Resent batches that were already durable.",
               api.duplicate_batches);
  text.Counter("ulna_ingest_failed_batches_total", "Batches rejected whole.", api.failed_batches);
  text.Counter("ulna_ingest_events_stored_total", "Events stored durably.",
               pipeline.events_stored.load());
  text.Counter("ulna_ingest_events_late_total",
               "Events stored after their bucket was scored (not scored).",
               pipeline.events_late.load());
  text.Family("ulna_ingest_events_rejected_total", "counter", "Events rejected, by reason.");
  for (size_t i = 0; i < api.decode_rejects.size(); ++i) {
    const uint64_t n = api.decode_rejects[i] + pipeline.rejected[i].load();
    text.Sample("ulna_ingest_events_rejected_total",
                std::string("{reason=\"") + RejectReasonName(static_cast<RejectReason>(i)) + "\"}",
                static_cast<double>(n));
  }
  text.Family("ulna_agent_capture_lost_total", "counter",
              "Events the agents reported losing before sending, by cause.");
  text.Sample("ulna_agent_capture_lost_total", "{cause=\"ring_buffer\"}", api.ring_buffer_drops);
  text.Sample("ulna_agent_capture_lost_total", "{cause=\"map_full\"}", api.map_full);
  text.Sample("ulna_agent_capture_lost_total", "{cause=\"spool\"}", api.spool_drops);

  text.Counter("ulna_job_buckets_closed_total", "Buckets scored.", job.buckets_closed);
  text.Counter("ulna_job_events_scored_total", "Events the detector saw.", job.events_scored);
  text.Family("ulna_job_events_excluded_total", "counter",
              "Events the datafeed filter left out, by reason.");
  for (const auto& [reason, count] : job.events_excluded) {
    text.Sample("ulna_job_events_excluded_total", "{reason=\"" + reason + "\"}", count);
  }
  text.Counter("ulna_job_records_total", "Anomaly records written.", job.records);
  text.Counter("ulna_job_rule_runs_total", "Rule runs.", job.rule_runs);
  text.Counter("ulna_alerts_total", "Alerts raised.", job.alerts);
  text.Counter("ulna_alerts_excepted_total", "Alerts suppressed by operator exceptions.",
               job.alerts_excepted);
  text.Counter("ulna_alerts_capped_total", "Alerts held back by the per-run cap.",
               job.alerts_capped);
  text.Gauge("ulna_job_scored_until_seconds", "Event time up to which buckets are scored.",
             job_closed_before_ns / 1e9);

  uint64_t rss = 0;
  double cpu = 0;
  ReadProcessUsage(&rss, &cpu);
  text.Gauge("ulna_process_resident_bytes", "Resident set size.", static_cast<double>(rss));
  text.Counter("ulna_process_cpu_seconds_total", "User + system CPU time.", cpu);
  return text.text();
}

}  // namespace ulna::server
