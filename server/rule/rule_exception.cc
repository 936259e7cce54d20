#include "server/rule/rule_exception.h"

#include <algorithm>

#include "common/ip_address.h"

namespace ulna::server {

Status RuleException::Validate() const {
  if (process_name.empty() && process_executable.empty() && user_name.empty() &&
      destination_cidr.empty() && host_name.empty()) {
    return Status::InvalidArgument(
        "an exception needs at least one condition (process name, executable, user, "
        "destination CIDR or host)");
  }
  if (reason.empty()) return Status::InvalidArgument("an exception needs a reason");
  if (!destination_cidr.empty() && !IpPrefix::Parse(destination_cidr)) {
    return Status::InvalidArgument("malformed destination CIDR '" + destination_cidr + "'");
  }
  return Status::Ok();
}

bool RuleException::Matches(const AnomalyRecord& record) const {
  if (!process_name.empty() && process_name != record.process_name) return false;
  if (!process_executable.empty() && process_executable != record.process_executable) {
    return false;
  }
  if (!host_name.empty() && host_name != record.host.name) return false;
  const AlertContext& context = record.context;
  if (!user_name.empty() && std::find(context.user_names.begin(), context.user_names.end(),
                                      user_name) == context.user_names.end()) {
    return false;
  }
  if (!destination_cidr.empty()) {
    auto prefix = IpPrefix::Parse(destination_cidr);
    if (!prefix) return false;
    const bool any_inside = std::any_of(context.destination_ips.begin(),
                                        context.destination_ips.end(), [&](const std::string& ip) {
                                          auto address = IpAddress::Parse(ip);
                                          return address && prefix->Contains(*address);
                                        });
    if (!any_inside) return false;
  }
  return true;
}

}  // namespace ulna::server
