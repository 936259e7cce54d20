// PrometheusText: builds the Prometheus text exposition format (HELP/TYPE headers, samples with
// labels) for the agent's and the server's /metrics endpoints. Not thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace ulna {

class PrometheusText {
 public:
  // Starts a metric family: "# HELP name help" and "# TYPE name type" (counter, gauge).
  void Family(std::string_view name, std::string_view type, std::string_view help);
  // One sample; `labels` is empty or a ready label set such as {cause="ringbuf_full"}.
  void Sample(std::string_view name, std::string_view labels, double value);
  // Family + one unlabelled sample.
  void Counter(std::string_view name, std::string_view help, double value);
  void Gauge(std::string_view name, std::string_view help, double value);
  const std::string& text() const { return out_; }

 private:
  std::string out_;
};

// The process's resident set size (bytes) and CPU time (user + system seconds), for both sides'
// self-metrics. Zero when /proc is not readable.
void ReadProcessUsage(uint64_t* rss_bytes, double* cpu_seconds);

}  // namespace ulna
