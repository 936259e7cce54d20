// RuleException: an operator's statement that some activity is expected, suppressing alerts
// whose fields match every condition it sets. Value type with its matcher.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "server/alert/alert.h"

namespace ulna::server {

struct RuleException {
  std::string id;
  std::string process_name;
  std::string process_executable;
  std::string user_name;
  std::string destination_cidr;  // e.g. "10.0.0.0/8"
  std::string host_name;
  std::string reason;
  int64_t expires_ns = 0;  // 0: never
  int64_t created_ns = 0;

  // InvalidArgument when no condition is set, the reason is empty or the CIDR is malformed.
  Status Validate() const;
  bool ExpiredAt(int64_t now_ns) const { return expires_ns != 0 && now_ns >= expires_ns; }
  // True when every set condition matches the alert's record (destination: any of them).
  bool Matches(const AnomalyRecord& record) const;
};

}  // namespace ulna::server
