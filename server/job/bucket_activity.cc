#include "server/job/bucket_activity.h"

#include <algorithm>
#include <tuple>

namespace ulna::server {
namespace {

// Bounds on context lists keep alerts readable and small; the counts say what was seen.
constexpr size_t kMaxContextValues = 16;

template <typename T>
void AddDistinct(std::vector<T>* values, const T& value) {
  if (values->size() >= kMaxContextValues) return;
  if (std::find(values->begin(), values->end(), value) == values->end()) values->push_back(value);
}

}  // namespace

const char* DestinationClass(const IpAddress& remote) {
  if (remote.IsLoopback() || remote.IsUnspecified()) return "loopback";
  if (remote.IsLinkLocal()) return "link_local";
  if (remote.IsPrivate()) return "internal";
  return "external";
}

BucketActivity::BucketActivity(int64_t start_ns, int64_t end_ns, std::vector<NetworkEvent> events)
    : start_ns_(start_ns), end_ns_(end_ns), events_(std::move(events)) {
  std::sort(events_.begin(), events_.end(), [](const NetworkEvent& a, const NetworkEvent& b) {
    return std::tie(a.process.name, a.host.id, a.time_ns) <
           std::tie(b.process.name, b.host.id, b.time_ns);
  });
  for (const NetworkEvent& event : events_) {
    if (groups_.empty() || groups_.back().process_name != event.process.name ||
        groups_.back().host.id != event.host.id) {
      groups_.push_back(ProcessActivity{event.host, event.process.name, {}});
      ++hosts_per_name_[event.process.name];
    }
    groups_.back().events.push_back(&event);
  }
}

std::vector<std::string> BucketActivity::ProcessNames() const {
  std::vector<std::string> names;
  names.reserve(hosts_per_name_.size());
  for (const auto& [name, hosts] : hosts_per_name_) names.push_back(name);
  return names;
}

size_t BucketActivity::HostCount(const std::string& process_name) const {
  auto it = hosts_per_name_.find(process_name);
  return it == hosts_per_name_.end() ? 0 : it->second;
}

AlertContext BuildContext(const ProcessActivity& activity) {
  AlertContext context;
  const ProcessInfo& process = activity.first().process;
  context.args = process.args;
  context.working_directory = process.working_directory;
  context.parent_name = process.parent_name;
  context.parent_executable = process.parent_executable;
  for (const NetworkEvent* event : activity.events) {
    const IpAddress& remote = event->remote_ip();
    AddDistinct(&context.user_names, event->process.user_name);
    AddDistinct(&context.destination_ips, remote.ToString());
    AddDistinct(&context.destination_ports, event->service_port());
    AddDistinct(&context.destination_classes, std::string(DestinationClass(remote)));
    AddDistinct(&context.directions, std::string(DirectionName(event->direction)));
    AddDistinct(&context.transports, std::string(TransportName(event->transport)));
    context.event_count += 1 + event->repeat_count;
  }
  return context;
}

}  // namespace ulna::server
