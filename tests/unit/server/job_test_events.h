// Network events for the job's tests: one process of one host reaching 203.0.113.9, with the
// fields the job, the detectors and the alerts read filled in.
#pragma once

#include <cstdint>
#include <string>

#include "common/event.h"

namespace ulna::server {

inline NetworkEvent MakeJobTestEvent(int64_t time_ns, const std::string& host,
                                     const std::string& process, uint16_t port = 4444) {
  NetworkEvent e;
  e.time_ns = time_ns;
  e.host = HostInfo{host + "-id", host};
  e.process.name = process;
  e.process.executable = "/usr/bin/" + process;
  e.process.user_name = "www-data";
  e.source_ip = *IpAddress::Parse("10.0.0.5");
  e.source_port = 40000;
  e.destination_ip = *IpAddress::Parse("203.0.113.9");
  e.destination_port = port;
  return e;
}

}  // namespace ulna::server
