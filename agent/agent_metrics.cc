#include "agent/agent_metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>

#include "agent/proc_fs.h"

namespace ulna::agent {
namespace {

void Line(std::string* out, const char* name, const char* labels, double value) {
  char buf[256];
  std::snprintf(buf, sizeof(buf), "%s%s %.17g\n", name, labels, value);
  *out += buf;
}

void Header(std::string* out, const char* name, const char* type, const char* help) {
  *out += "# HELP ";
  *out += name;
  *out += ' ';
  *out += help;
  *out += "\n# TYPE ";
  *out += name;
  *out += ' ';
  *out += type;
  *out += '\n';
}

}  // namespace

void ReadSelfUsage(uint64_t* rss_bytes, double* cpu_seconds) {
  *rss_bytes = 0;
  if (Result<std::string> statm = ReadSmallFile("/proc/self/statm", 256); statm.ok()) {
    unsigned long size = 0, resident = 0;
    if (std::sscanf(statm->c_str(), "%lu %lu", &size, &resident) == 2) {
      *rss_bytes = static_cast<uint64_t>(resident) * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
    }
  }
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  *cpu_seconds =
      ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

std::string RenderPrometheus(const AgentMetrics& m) {
  const KernelCounters& k = m.kernel;
  std::string out;
  Header(&out, "ulna_agent_events_total", "counter",
         "Network events the kernel submitted to the ring buffer.");
  Line(&out, "ulna_agent_events_total", "", k[NETMON_CNT_NET_EVENTS]);
  Header(&out, "ulna_agent_events_written_total", "counter", "Events written as NDJSON.");
  Line(&out, "ulna_agent_events_written_total", "", m.events_written);
  Header(&out, "ulna_agent_suppressed_total", "counter",
         "Repeats folded by the in-kernel dedup window.");
  Line(&out, "ulna_agent_suppressed_total", "", k[NETMON_CNT_SUPPRESSED]);
  Header(&out, "ulna_agent_dropped_total", "counter", "Events or records lost, by cause.");
  Line(&out, "ulna_agent_dropped_total", "{cause=\"ringbuf_full\"}", k[NETMON_CNT_NET_RB_DROPS]);
  Line(&out, "ulna_agent_dropped_total", "{cause=\"ringbuf_full_process\"}",
       k[NETMON_CNT_PROC_RB_DROPS]);
  Line(&out, "ulna_agent_dropped_total", "{cause=\"socket_unreadable\"}",
       k[NETMON_CNT_SOCKET_READ_ERRORS]);
  Line(&out, "ulna_agent_dropped_total", "{cause=\"malformed_record\"}", m.records_malformed);
  Line(&out, "ulna_agent_dropped_total", "{cause=\"write_error\"}", m.write_errors);
  Header(&out, "ulna_agent_enrich_failures_total", "counter",
         "Events sent without an executable: the process was gone and unknown.");
  Line(&out, "ulna_agent_enrich_failures_total", "", m.enrich_failures);
  Header(&out, "ulna_agent_dedup_map_full_total", "counter",
         "Dedup entries that could not be stored (the event was still sent).");
  Line(&out, "ulna_agent_dedup_map_full_total", "", k[NETMON_CNT_DEDUP_MAP_FULL]);
  Header(&out, "ulna_agent_filtered_total", "counter", "Observations skipped by policy.");
  Line(&out, "ulna_agent_filtered_total", "{cause=\"loopback\"}", k[NETMON_CNT_FILTERED_LOOPBACK]);
  Line(&out, "ulna_agent_filtered_total", "{cause=\"udp_port_zero\"}",
       k[NETMON_CNT_FILTERED_PORT_ZERO]);
  Header(&out, "ulna_agent_process_records_total", "counter",
         "Process lifecycle records handled, by kind.");
  Line(&out, "ulna_agent_process_records_total", "{kind=\"exec\"}", m.exec_records);
  Line(&out, "ulna_agent_process_records_total", "{kind=\"fork\"}", m.fork_records);
  Line(&out, "ulna_agent_process_records_total", "{kind=\"exit\"}", m.exit_records);
  Header(&out, "ulna_agent_ringbuf_fill_ratio", "gauge",
         "Unconsumed share of the ring buffer at the latest submit (max over CPUs).");
  Line(&out, "ulna_agent_ringbuf_fill_ratio", "",
       m.ringbuf_bytes == 0 ? 0.0
                            : static_cast<double>(k[NETMON_CNT_RB_FILL_BYTES]) / m.ringbuf_bytes);
  Header(&out, "ulna_agent_process_cache_size", "gauge", "Processes in the agent's cache.");
  Line(&out, "ulna_agent_process_cache_size", "", m.process_cache_size);
  Header(&out, "ulna_agent_proc_reads_total", "counter",
         "/proc reads for processes the cache did not know.");
  Line(&out, "ulna_agent_proc_reads_total", "", m.proc_reads);
  Header(&out, "ulna_agent_proc_reads_gone_total", "counter",
         "/proc reads that found the process already gone (enriched from kernel data only).");
  Line(&out, "ulna_agent_proc_reads_gone_total", "", m.proc_misses);
  Header(&out, "ulna_agent_resident_memory_bytes", "gauge", "Agent resident set size.");
  Line(&out, "ulna_agent_resident_memory_bytes", "", m.rss_bytes);
  Header(&out, "ulna_agent_cpu_seconds_total", "counter", "Agent user+system CPU time.");
  Line(&out, "ulna_agent_cpu_seconds_total", "", m.cpu_seconds);
  return out;
}

std::string RenderStreamPrometheus(const IngestStats& i, const SpoolStats& s) {
  std::string out;
  Header(&out, "ulna_agent_connection_state", "gauge",
         "0 disconnected (backing off), 1 connecting, 2 connected to the server.");
  Line(&out, "ulna_agent_connection_state", "", static_cast<int>(i.state));
  Header(&out, "ulna_agent_connects_total", "counter", "Ingest streams that reached Ready.");
  Line(&out, "ulna_agent_connects_total", "", i.connects);
  Header(&out, "ulna_agent_connect_failures_total", "counter",
         "Connection attempts or streams that ended in an error.");
  Line(&out, "ulna_agent_connect_failures_total", "", i.connect_failures);
  Header(&out, "ulna_agent_batches_total", "counter", "Batches by stage.");
  Line(&out, "ulna_agent_batches_total", "{stage=\"spooled\"}", s.appended);
  Line(&out, "ulna_agent_batches_total", "{stage=\"sent\"}", i.batches_sent);
  Line(&out, "ulna_agent_batches_total", "{stage=\"resent\"}", i.batches_resent);
  Line(&out, "ulna_agent_batches_total", "{stage=\"acked\"}", i.batches_acked);
  Line(&out, "ulna_agent_batches_total", "{stage=\"duplicate\"}", i.batches_duplicate);
  Line(&out, "ulna_agent_batches_total", "{stage=\"failed\"}", i.batches_failed);
  Line(&out, "ulna_agent_batches_total", "{stage=\"spool_dropped\"}", s.dropped);
  Header(&out, "ulna_agent_batch_events_total", "counter", "Events in batches, by stage.");
  Line(&out, "ulna_agent_batch_events_total", "{stage=\"spooled\"}", s.appended_events);
  Line(&out, "ulna_agent_batch_events_total", "{stage=\"acked\"}", i.events_acked);
  Line(&out, "ulna_agent_batch_events_total", "{stage=\"failed\"}", i.events_failed);
  Line(&out, "ulna_agent_batch_events_total", "{stage=\"spool_dropped\"}", s.dropped_events);
  Line(&out, "ulna_agent_batch_events_total", "{stage=\"server_accepted\"}", i.events_accepted);
  Line(&out, "ulna_agent_batch_events_total", "{stage=\"server_rejected\"}", i.events_rejected);
  Header(&out, "ulna_agent_spool_batches", "gauge", "Batches in the spool waiting for an ack.");
  Line(&out, "ulna_agent_spool_batches", "", s.depth);
  Header(&out, "ulna_agent_spool_bytes", "gauge", "Bytes of those batches on disk.");
  Line(&out, "ulna_agent_spool_bytes", "", s.bytes);
  Header(&out, "ulna_agent_spool_corrupt_total", "counter",
         "Spool files found unreadable (dropped, counted in spool_dropped).");
  Line(&out, "ulna_agent_spool_corrupt_total", "", s.corrupt);
  return out;
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
