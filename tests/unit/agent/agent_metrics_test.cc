#include "agent/agent_metrics.h"

#include <gtest/gtest.h>

#include "common/prometheus_text.h"

namespace ulna::agent {
namespace {

TEST(AgentMetricsTest, PrometheusTextCarriesEveryCounter) {
  AgentMetrics m;
  m.kernel[NETMON_CNT_NET_EVENTS] = 12;
  m.kernel[NETMON_CNT_SUPPRESSED] = 30;
  m.kernel[NETMON_CNT_NET_RB_DROPS] = 2;
  m.kernel[NETMON_CNT_RB_FILL_BYTES] = 1024;
  m.ringbuf_bytes = 4096;
  m.events_written = 10;
  m.process_cache_size = 321;
  m.rss_bytes = 5000;
  std::string text = RenderPrometheus(m);
  EXPECT_NE(text.find("ulna_agent_events_total 12\n"), std::string::npos) << text;
  EXPECT_NE(text.find("ulna_agent_suppressed_total 30\n"), std::string::npos);
  EXPECT_NE(text.find("ulna_agent_dropped_total{cause=\"ringbuf_full\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("ulna_agent_ringbuf_fill_ratio 0.25\n"), std::string::npos);
  EXPECT_NE(text.find("ulna_agent_process_cache_size 321\n"), std::string::npos);
  EXPECT_NE(text.find("ulna_agent_resident_memory_bytes 5000\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE ulna_agent_events_total counter\n"), std::string::npos);
}

TEST(AgentMetricsTest, SelfUsageIsPlausible) {
  uint64_t rss = 0;
  double cpu = -1;
  ReadProcessUsage(&rss, &cpu);
  EXPECT_GT(rss, 100u * 1024);
  EXPECT_GE(cpu, 0.0);
}

}  // namespace
}  // namespace ulna::agent
