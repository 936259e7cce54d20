#include "server/job/bucket_activity.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <numeric>
#include <string_view>
#include <tuple>
#include <utility>

#include "common/hash_index.h"

namespace ulna::server {
namespace {

// Bounds on context lists keep alerts readable and small; the counts say what was seen.
constexpr size_t kMaxContextValues = 16;

template <typename T, typename Value>
void AddDistinct(std::vector<T>* values, const Value& value) {
  if (values->size() >= kMaxContextValues) return;
  if (std::find(values->begin(), values->end(), value) == values->end())
    values->emplace_back(value);
}

// The first 8 bytes of `bytes` (zero-padded) as a big-endian number: numbers that differ order
// as the strings do, so a sort compares whole strings only when they are equal.
uint64_t OrderPrefix(std::string_view bytes) {
  if (bytes.size() >= 8) {
    uint64_t prefix;
    std::memcpy(&prefix, bytes.data(), 8);
    return std::endian::native == std::endian::little ? __builtin_bswap64(prefix) : prefix;
  }
  uint64_t prefix = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    prefix |= uint64_t{static_cast<uint8_t>(bytes[i])} << (56 - 8 * i);
  }
  return prefix;
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
  struct Member {
    uint64_t name_hash;  // kept to find the group's name among the bucket's names
    const NetworkEvent* first;
    uint32_t size;
  };
  thread_local HashIndex group_of;  // one per thread, its memory kept from bucket to bucket
  group_of.Clear();
  std::vector<Member> members;
  std::vector<uint32_t> member_of_event(events_.size());
  for (size_t i = 0; i < events_.size(); ++i) {
    const NetworkEvent* event = events_[i];
    const std::string_view name = event->process.name;
    const std::string_view host = event->host.id;
    const uint64_t name_hash = HashBytes(name);
    bool added = false;
    const uint32_t index = group_of.FindOrInsert(
        HashCombine(name_hash, HashBytes(host)), static_cast<uint32_t>(members.size()),
        [&](uint32_t candidate) {
          const NetworkEvent& member = *members[candidate].first;
          return member.process.name == name && member.host.id == host;
        },
        &added);
    if (added) members.push_back(Member{name_hash, event, 0});
    ++members[index].size;
    member_of_event[i] = index;
  }
  // Each group's list is allocated once at its final size, not grown event by event.
  std::vector<std::vector<const NetworkEvent*>> member_events(members.size());
  for (size_t i = 0; i < members.size(); ++i) member_events[i].reserve(members[i].size);
  for (size_t i = 0; i < events_.size(); ++i)
    member_events[member_of_event[i]].push_back(events_[i]);

  // The distinct names, each found once per group, are sorted on their own: groups are then
  // ordered by their name's rank, and compare host ids only with groups of the same name.
  thread_local HashIndex name_of;
  name_of.Clear();
  std::vector<const EventString*> distinct;
  std::vector<uint32_t> name_of_member(members.size());
  for (size_t i = 0; i < members.size(); ++i) {
    const EventString& name = members[i].first->process.name;
    bool added = false;
    name_of_member[i] = name_of.FindOrInsert(
        members[i].name_hash, static_cast<uint32_t>(distinct.size()),
        [&](uint32_t candidate) { return *distinct[candidate] == name; }, &added);
    if (added) distinct.push_back(&name);
  }
  std::vector<uint64_t> name_prefix(distinct.size());
  for (size_t i = 0; i < distinct.size(); ++i) name_prefix[i] = OrderPrefix(*distinct[i]);
  std::vector<uint32_t> name_order(distinct.size());
  std::iota(name_order.begin(), name_order.end(), 0);
  std::sort(name_order.begin(), name_order.end(), [&](uint32_t a, uint32_t b) {
    if (name_prefix[a] != name_prefix[b]) return name_prefix[a] < name_prefix[b];
    return *distinct[a] < *distinct[b];
  });
  std::vector<uint32_t> rank_of_name(distinct.size());
  names_.reserve(distinct.size());
  for (uint32_t rank = 0; rank < name_order.size(); ++rank) {
    rank_of_name[name_order[rank]] = rank;
    names_.emplace_back(*distinct[name_order[rank]]);
  }
  hosts_per_name_.assign(names_.size(), 0);

  // The sort keys side by side, not reached through the members: (name rank, host id) is unique
  // per group, and host ids (32 bytes, random) almost always differ in their first 8.
  struct GroupKey {
    uint32_t rank;
    uint32_t member;
    uint64_t host_prefix;
    std::string_view host;
  };
  std::vector<GroupKey> order;
  order.reserve(members.size());
  for (uint32_t i = 0; i < members.size(); ++i) {
    const std::string_view host = members[i].first->host.id;
    order.push_back(GroupKey{rank_of_name[name_of_member[i]], i, OrderPrefix(host), host});
  }
  std::sort(order.begin(), order.end(), [](const GroupKey& a, const GroupKey& b) {
    if (a.rank != b.rank) return a.rank < b.rank;
    if (a.host_prefix != b.host_prefix) return a.host_prefix < b.host_prefix;
    return a.host < b.host;
  });
  groups_.reserve(order.size());
  group_names_.reserve(order.size());
  for (const GroupKey& key : order) {
    std::vector<const NetworkEvent*>& group = member_events[key.member];
    auto earlier = [](const NetworkEvent* a, const NetworkEvent* b) {
      if (a->time_ns != b->time_ns) return a->time_ns < b->time_ns;  // almost always decides
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
    groups_.emplace_back(first.host, std::string(first.process.name), std::move(group));
    group_names_.push_back(key.rank);
    ++hosts_per_name_[key.rank];
  }
}

size_t BucketActivity::HostCount(const std::string& process_name) const {
  auto it = std::lower_bound(names_.begin(), names_.end(), process_name);
  return it == names_.end() || *it != process_name ? 0 : hosts_per_name_[it - names_.begin()];
}

AlertContext BuildContext(const ProcessActivity& activity) {
  AlertContext context;
  const ProcessInfo& process = activity.first().process;
  context.args.assign(process.args.begin(), process.args.end());
  context.working_directory = process.working_directory;
  context.parent_name = process.parent_name;
  context.parent_executable = process.parent_executable;
  // Addresses already met: a group's events mostly repeat a few, and formatting one costs more
  // than comparing it. An address met is listed already, or the list was full when it was met
  // (and stays full), so it needs no formatting again.
  std::vector<IpAddress> met_ips;
  for (const NetworkEvent* event : activity.events) {
    const IpAddress& remote = event->remote_ip();
    AddDistinct(&context.user_names, std::string_view(event->process.user_name));
    if (context.destination_ips.size() < kMaxContextValues &&
        std::find(met_ips.begin(), met_ips.end(), remote) == met_ips.end()) {
      met_ips.push_back(remote);
      AddDistinct(&context.destination_ips, remote.ToString());
    }
    AddDistinct(&context.destination_ports, event->service_port());
    AddDistinct(&context.destination_classes, std::string_view(DestinationClass(remote)));
    AddDistinct(&context.directions, std::string_view(DirectionName(event->direction)));
    AddDistinct(&context.transports, std::string_view(TransportName(event->transport)));
    context.event_count += 1 + event->repeat_count;
  }
  return context;
}

}  // namespace ulna::server
