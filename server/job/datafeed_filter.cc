#include "server/job/datafeed_filter.h"

#include <algorithm>
#include <cstring>

namespace ulna::server {
namespace {

// The exact addresses of the Elastic datafeed: not all of 127/8, only these.
bool IsElasticExcludedDestination(const IpAddress& ip) {
  // Each excluded address starts with 127 (IPv4) or 0 (IPv6): most addresses fail this first
  // byte and are never compared whole.
  if (ip.bytes()[0] != (ip.is_v4() ? 127 : 0)) return false;
  static const IpAddress kExcluded[] = {*IpAddress::Parse("127.0.0.1"),
                                        *IpAddress::Parse("127.0.0.53"), *IpAddress::Parse("::"),
                                        *IpAddress::Parse("::1")};
  return std::find(std::begin(kExcluded), std::end(kExcluded), ip) != std::end(kExcluded);
}

}  // namespace

DatafeedFilter::NameList::NameList(std::initializer_list<const char*> names) {
  for (const char* name : names) {
    entries_.push_back(Entry{Head(name), name});
    lengths_ |= LengthBit(entries_.back().name.size());
  }
}

uint64_t DatafeedFilter::NameList::Head(std::string_view name) {
  uint64_t head = 0;
  if (name.size() >= sizeof(head)) {
    std::memcpy(&head, name.data(), sizeof(head));  // one load: most names checked are this long
  } else if (!name.empty()) {
    std::memcpy(&head, name.data(), name.size());
  }
  return head;
}

bool DatafeedFilter::NameList::Listed(std::string_view name) const {
  const uint64_t head = Head(name);
  return std::any_of(entries_.begin(), entries_.end(),
                     [&](const Entry& entry) { return entry.head == head && entry.name == name; });
}

DatafeedFilter DatafeedFilter::ForMode(DetectionMode mode) {
  DatafeedFilter filter;
  filter.mode_ = mode;
  if (mode == DetectionMode::kElastic) {
    filter.excluded_process_names_ = {"ulna-agent",        "elastic-agent",  "metricbeat",
                                      "filebeat",          "packetbeat",     "winlogbeat",
                                      "elastic-agent.exe", "metricbeat.exe", "filebeat.exe",
                                      "packetbeat.exe",    "winlogbeat.exe"};
    filter.excluded_users_ = {"jenkins"};
  } else {
    filter.excluded_process_names_ = {"ulna-agent"};
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
  if (excluded_users_.Contains(event.process.user_name)) return "user";
  if (excluded_process_names_.Contains(event.process.name)) return "agent";
  return nullptr;
}

}  // namespace ulna::server
