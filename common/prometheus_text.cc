#include "common/prometheus_text.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <fstream>

namespace ulna {

void PrometheusText::Family(std::string_view name, std::string_view type, std::string_view help) {
  out_.append("# HELP ").append(name).append(" ").append(help).append("\n# TYPE ");
  out_.append(name).append(" ").append(type).append("\n");
}

void PrometheusText::Sample(std::string_view name, std::string_view labels, double value) {
  char number[32];
  std::snprintf(number, sizeof(number), "%.17g", value);
  out_.append(name).append(labels).append(" ").append(number).append("\n");
}

void PrometheusText::Counter(std::string_view name, std::string_view help, double value) {
  Family(name, "counter", help);
  Sample(name, "", value);
}

void PrometheusText::Gauge(std::string_view name, std::string_view help, double value) {
  Family(name, "gauge", help);
  Sample(name, "", value);
}

void ReadProcessUsage(uint64_t* rss_bytes, double* cpu_seconds) {
  *rss_bytes = 0;
  std::ifstream statm("/proc/self/statm");
  unsigned long size = 0, resident = 0;
  if (statm >> size >> resident) {
    *rss_bytes = static_cast<uint64_t>(resident) * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  *cpu_seconds = usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
                 (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

}  // namespace ulna
