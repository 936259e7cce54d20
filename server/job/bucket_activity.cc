#include "server/job/bucket_activity.h"

#include <algorithm>
#include <numeric>
#include <string_view>
#include <tuple>
#include <utility>

#include "common/hash_index.h"

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
    : start_ns_(start_ns), end_ns_(end_ns) {
  runs_.push_back(WholeRun(std::move(events)));
  events_.reserve(runs_.front().size());
  for (const NetworkEvent& event : runs_.front().events()) events_.push_back(&event);
  Group();
}

BucketActivity::BucketActivity(int64_t start_ns, int64_t end_ns, std::vector<EventRun> runs,
                               std::vector<const NetworkEvent*> events)
    : start_ns_(start_ns), end_ns_(end_ns), runs_(std::move(runs)), events_(std::move(events)) {
  Group();
}

void BucketActivity::Group() {
  // Events are grouped by (name, host) through a hash table first, so that the names and host
  // ids (long, and mostly equal between neighbours) are compared once per group rather than at
  // every step of a sort of all events. Within a group, pointers are sorted, not the events
  // (hundreds of bytes each); ties on time are broken by the connection, so that the order (and
  // the context lists built from it) does not depend on the order the events came in (from
  // memory or from the event log).
  thread_local HashIndex group_of;  // one per thread, its memory kept from bucket to bucket
  group_of.Clear();
  std::vector<std::vector<const NetworkEvent*>> members;
  for (const NetworkEvent* event : events_) {
    const std::string_view name = event->process.name;
    const std::string_view host = event->host.id;
    bool added = false;
    const uint32_t index = group_of.FindOrInsert(
        HashCombine(HashBytes(name), HashBytes(host)), static_cast<uint32_t>(members.size()),
        [&](uint32_t candidate) {
          const NetworkEvent& member = *members[candidate].front();
          return member.process.name == name && member.host.id == host;
        },
        &added);
    if (added) members.emplace_back();
    members[index].push_back(event);
  }
  std::vector<uint32_t> order(members.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&members](uint32_t a, uint32_t b) {
    const NetworkEvent& x = *members[a].front();
    const NetworkEvent& y = *members[b].front();
    return std::tie(x.process.name, x.host.id) < std::tie(y.process.name, y.host.id);
  });
  groups_.reserve(order.size());
  for (uint32_t index : order) {
    std::vector<const NetworkEvent*>& group = members[index];
    auto earlier = [](const NetworkEvent* a, const NetworkEvent* b) {
      return std::tie(a->time_ns, a->destination_ip, a->destination_port, a->source_ip,
                      a->source_port, a->direction, a->transport, a->process.pid) <
             std::tie(b->time_ns, b->destination_ip, b->destination_port, b->source_ip,
                      b->source_port, b->direction, b->transport, b->process.pid);
    };
    // Events arrive in time order almost always (archives, and agents' batches are sorted by
    // ingest): one pass that mostly compares times is cheaper than the sort.
    if (!std::is_sorted(group.begin(), group.end(), earlier)) {
      std::sort(group.begin(), group.end(), earlier);
    }
    const NetworkEvent& first = *group.front();
    groups_.push_back(ProcessActivity{first.host, first.process.name, std::move(group)});
    ++hosts_per_name_[first.process.name];
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
