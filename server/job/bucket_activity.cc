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
  // Pointers are sorted, not the events (hundreds of bytes each). Ties on (name, host, time)
  // are broken by the connection, so that the order (and the context lists built from it)
  // does not depend on the order the events came in (from memory or from the event log).
  std::vector<const NetworkEvent*> order;
  order.reserve(events_.size());
  for (const NetworkEvent& event : events_) order.push_back(&event);
  std::sort(order.begin(), order.end(), [](const NetworkEvent* a, const NetworkEvent* b) {
    return std::tie(a->process.name, a->host.id, a->time_ns, a->destination_ip, a->destination_port,
                    a->source_ip, a->source_port, a->direction, a->transport, a->process.pid) <
           std::tie(b->process.name, b->host.id, b->time_ns, b->destination_ip, b->destination_port,
                    b->source_ip, b->source_port, b->direction, b->transport, b->process.pid);
  });
  for (const NetworkEvent* event : order) {
    if (groups_.empty() || groups_.back().process_name != event->process.name ||
        groups_.back().host.id != event->host.id) {
      groups_.push_back(ProcessActivity{event->host, event->process.name, {}});
      ++hosts_per_name_[event->process.name];
    }
    groups_.back().events.push_back(event);
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
