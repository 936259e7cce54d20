#include "server/job/datafeed_filter.h"

#include <algorithm>

namespace ulna::server {
namespace {

bool Contains(const std::vector<std::string>& values, const std::string& value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

// The exact addresses of the Elastic datafeed: not all of 127/8, only these.
bool IsElasticExcludedDestination(const IpAddress& ip) {
  static const IpAddress kExcluded[] = {*IpAddress::Parse("127.0.0.1"),
                                        *IpAddress::Parse("127.0.0.53"), *IpAddress::Parse("::"),
                                        *IpAddress::Parse("::1")};
  return std::find(std::begin(kExcluded), std::end(kExcluded), ip) != std::end(kExcluded);
}

}  // namespace

DatafeedFilter DatafeedFilter::ForMode(DetectionMode mode) {
  DatafeedFilter filter;
  filter.mode_ = mode;
  filter.excluded_process_names_ = {"ulna-agent"};
  if (mode == DetectionMode::kElastic) {
    for (const char* name : {"elastic-agent", "metricbeat", "filebeat", "packetbeat", "winlogbeat",
                             "elastic-agent.exe", "metricbeat.exe", "filebeat.exe",
                             "packetbeat.exe", "winlogbeat.exe"}) {
      filter.excluded_process_names_.push_back(name);
    }
    filter.excluded_users_ = {"jenkins"};
  }
  return filter;
}

const char* DatafeedFilter::ExclusionReason(const NetworkEvent& event) const {
  if (mode_ == DetectionMode::kElastic) {
    if (IsElasticExcludedDestination(event.destination_ip)) return "loopback";
  } else {
    const IpAddress& remote = event.remote_ip();
    if (event.destination_ip.IsLoopback() || remote.IsLoopback() || remote.IsUnspecified()) {
      return "loopback";
    }
  }
  if (Contains(excluded_users_, event.process.user_name)) return "user";
  if (Contains(excluded_process_names_, event.process.name)) return "agent";
  return nullptr;
}

}  // namespace ulna::server
