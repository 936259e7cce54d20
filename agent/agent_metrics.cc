#include "agent/agent_metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>

#include "common/prometheus_text.h"

namespace ulna::agent {
namespace {}  // namespace

std::string RenderPrometheus(const AgentMetrics& m) {
  const KernelCounters& k = m.kernel;
  PrometheusText text;
  text.Family("ulna_agent_events_total", "counter",
              "Network events the kernel submitted to the ring buffer.");
  text.Sample("ulna_agent_events_total", "", k[NETMON_CNT_NET_EVENTS]);
  text.Family("ulna_agent_events_written_total", "counter", "Events written as NDJSON.");
  text.Sample("ulna_agent_events_written_total", "", m.events_written);
  text.Family("ulna_agent_suppressed_total", "counter",
              "Repeats folded by the in-kernel dedup window.");
  text.Sample("ulna_agent_suppressed_total", "", k[NETMON_CNT_SUPPRESSED]);
  text.Family("ulna_agent_dropped_total", "counter", "Events or records lost, by cause.");
  text.Sample("ulna_agent_dropped_total", "{cause=\"ringbuf_full\"}", k[NETMON_CNT_NET_RB_DROPS]);
  text.Sample("ulna_agent_dropped_total", "{cause=\"ringbuf_full_process\"}",
              k[NETMON_CNT_PROC_RB_DROPS]);
  text.Sample("ulna_agent_dropped_total", "{cause=\"socket_unreadable\"}",
              k[NETMON_CNT_SOCKET_READ_ERRORS]);
  text.Sample("ulna_agent_dropped_total", "{cause=\"malformed_record\"}", m.records_malformed);
  text.Sample("ulna_agent_dropped_total", "{cause=\"write_error\"}", m.write_errors);
  text.Family("ulna_agent_enrich_failures_total", "counter",
              "Events sent without an executable: the process was gone and unknown.");
  text.Sample("ulna_agent_enrich_failures_total", "", m.enrich_failures);
  text.Family("ulna_agent_dedup_map_full_total", "counter",
              "Dedup entries that could not be stored (the event was still sent).");
  text.Sample("ulna_agent_dedup_map_full_total", "", k[NETMON_CNT_DEDUP_MAP_FULL]);
  text.Family("ulna_agent_filtered_total", "counter", "Observations skipped by policy.");
  text.Sample("ulna_agent_filtered_total", "{cause=\"loopback\"}", k[NETMON_CNT_FILTERED_LOOPBACK]);
  text.Sample("ulna_agent_filtered_total", "{cause=\"udp_port_zero\"}",
              k[NETMON_CNT_FILTERED_PORT_ZERO]);
  text.Family("ulna_agent_process_records_total", "counter",
              "Process lifecycle records handled, by kind.");
  text.Sample("ulna_agent_process_records_total", "{kind=\"exec\"}", m.exec_records);
  text.Sample("ulna_agent_process_records_total", "{kind=\"fork\"}", m.fork_records);
  text.Sample("ulna_agent_process_records_total", "{kind=\"exit\"}", m.exit_records);
  text.Family("ulna_agent_ringbuf_fill_ratio", "gauge",
              "Unconsumed share of the ring buffer at the latest submit (max over CPUs).");
  text.Sample("ulna_agent_ringbuf_fill_ratio", "",
              m.ringbuf_bytes == 0
                  ? 0.0
                  : static_cast<double>(k[NETMON_CNT_RB_FILL_BYTES]) / m.ringbuf_bytes);
  text.Family("ulna_agent_process_cache_size", "gauge", "Processes in the agent's cache.");
  text.Sample("ulna_agent_process_cache_size", "", m.process_cache_size);
  text.Family("ulna_agent_proc_reads_total", "counter",
              "/proc reads for processes the cache did not know.");
  text.Sample("ulna_agent_proc_reads_total", "", m.proc_reads);
  text.Family("ulna_agent_proc_reads_gone_total", "counter",
              "/proc reads that found the process already gone (enriched from kernel data only).");
  text.Sample("ulna_agent_proc_reads_gone_total", "", m.proc_misses);
  text.Family("ulna_agent_resident_memory_bytes", "gauge", "Agent resident set size.");
  text.Sample("ulna_agent_resident_memory_bytes", "", m.rss_bytes);
  text.Family("ulna_agent_cpu_seconds_total", "counter", "Agent user+system CPU time.");
  text.Sample("ulna_agent_cpu_seconds_total", "", m.cpu_seconds);
  return text.text();
}

std::string RenderStreamPrometheus(const IngestStats& i, const SpoolStats& s) {
  PrometheusText text;
  text.Family("ulna_agent_connection_state", "gauge",
              "0 disconnected (backing off), 1 connecting, 2 connected to the server.");
  text.Sample("ulna_agent_connection_state", "", static_cast<int>(i.state));
  text.Family("ulna_agent_connects_total", "counter", "Ingest streams that reached Ready.");
  text.Sample("ulna_agent_connects_total", "", i.connects);
  text.Family("ulna_agent_connect_failures_total", "counter",
              "Connection attempts or streams that ended in an error.");
  text.Sample("ulna_agent_connect_failures_total", "", i.connect_failures);
  text.Family("ulna_agent_batches_total", "counter", "Batches by stage.");
  text.Sample("ulna_agent_batches_total", "{stage=\"spooled\"}", s.appended);
  text.Sample("ulna_agent_batches_total", "{stage=\"sent\"}", i.batches_sent);
  text.Sample("ulna_agent_batches_total", "{stage=\"resent\"}", i.batches_resent);
  text.Sample("ulna_agent_batches_total", "{stage=\"acked\"}", i.batches_acked);
  text.Sample("ulna_agent_batches_total", "{stage=\"duplicate\"}", i.batches_duplicate);
  text.Sample("ulna_agent_batches_total", "{stage=\"failed\"}", i.batches_failed);
  text.Sample("ulna_agent_batches_total", "{stage=\"spool_dropped\"}", s.dropped);
  text.Family("ulna_agent_batch_events_total", "counter", "Events in batches, by stage.");
  text.Sample("ulna_agent_batch_events_total", "{stage=\"spooled\"}", s.appended_events);
  text.Sample("ulna_agent_batch_events_total", "{stage=\"acked\"}", i.events_acked);
  text.Sample("ulna_agent_batch_events_total", "{stage=\"failed\"}", i.events_failed);
  text.Sample("ulna_agent_batch_events_total", "{stage=\"spool_dropped\"}", s.dropped_events);
  text.Sample("ulna_agent_batch_events_total", "{stage=\"server_accepted\"}", i.events_accepted);
  text.Sample("ulna_agent_batch_events_total", "{stage=\"server_rejected\"}", i.events_rejected);
  text.Family("ulna_agent_spool_batches", "gauge", "Batches in the spool waiting for an ack.");
  text.Sample("ulna_agent_spool_batches", "", s.depth);
  text.Family("ulna_agent_spool_bytes", "gauge", "Bytes of those batches on disk.");
  text.Sample("ulna_agent_spool_bytes", "", s.bytes);
  text.Family("ulna_agent_spool_corrupt_total", "counter",
              "Spool files found unreadable (dropped, counted in spool_dropped).");
  text.Sample("ulna_agent_spool_corrupt_total", "", s.corrupt);
  return text.text();
}

std::string RenderStreamSummary(const IngestStats& i, const SpoolStats& s) {
  char buf[1024];
  std::snprintf(
      buf, sizeof(buf),
      "  stream: connects %llu, failures %llu; batches spooled %llu sent %llu resent %llu "
      "acked %llu failed %llu spool_dropped %llu\n"
      "  events: spooled %llu acked %llu (server accepted %llu rejected %llu); "
      "spool depth %llu (%llu bytes)\n",
      (unsigned long long)i.connects, (unsigned long long)i.connect_failures,
      (unsigned long long)s.appended, (unsigned long long)i.batches_sent,
      (unsigned long long)i.batches_resent, (unsigned long long)i.batches_acked,
      (unsigned long long)i.batches_failed, (unsigned long long)s.dropped,
      (unsigned long long)s.appended_events, (unsigned long long)i.events_acked,
      (unsigned long long)i.events_accepted, (unsigned long long)i.events_rejected,
      (unsigned long long)s.depth, (unsigned long long)s.bytes);
  return buf;
}

std::string RenderSummary(const AgentMetrics& m, double elapsed_seconds) {
  const KernelCounters& k = m.kernel;
  char buf[1024];
  std::snprintf(
      buf, sizeof(buf),
      "ulna-agent stats: %.1f s\n"
      "  events: kernel %llu, written %llu, suppressed repeats %llu\n"
      "  dropped: ringbuf_full %llu (process records %llu), socket_unreadable %llu, "
      "malformed %llu, write_error %llu\n"
      "  dedup_map_full %llu, filtered loopback %llu, udp port 0 %llu\n"
      "  process records: exec %llu fork %llu exit %llu; cache %llu; /proc reads %llu (gone %llu)\n"
      "  rss %.1f MiB, cpu %.2f s\n",
      elapsed_seconds, (unsigned long long)k[NETMON_CNT_NET_EVENTS],
      (unsigned long long)m.events_written, (unsigned long long)k[NETMON_CNT_SUPPRESSED],
      (unsigned long long)k[NETMON_CNT_NET_RB_DROPS],
      (unsigned long long)k[NETMON_CNT_PROC_RB_DROPS],
      (unsigned long long)k[NETMON_CNT_SOCKET_READ_ERRORS], (unsigned long long)m.records_malformed,
      (unsigned long long)m.write_errors, (unsigned long long)k[NETMON_CNT_DEDUP_MAP_FULL],
      (unsigned long long)k[NETMON_CNT_FILTERED_LOOPBACK],
      (unsigned long long)k[NETMON_CNT_FILTERED_PORT_ZERO], (unsigned long long)m.exec_records,
      (unsigned long long)m.fork_records, (unsigned long long)m.exit_records,
      (unsigned long long)m.process_cache_size, (unsigned long long)m.proc_reads,
      (unsigned long long)m.proc_misses, m.rss_bytes / 1048576.0, m.cpu_seconds);
  return buf;
}

}  // namespace ulna::agent
