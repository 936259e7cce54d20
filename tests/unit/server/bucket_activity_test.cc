// BucketActivity: groups by (process name, host id) in that order, events of a group in time
// order with ties broken by the connection, whatever order the events arrived in.
#include "server/job/bucket_activity.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "common/duration.h"
#include "tests/unit/server/job_test_events.h"

namespace ulna::server {
namespace {

constexpr int64_t kT0 = 1790812800LL * kNanosPerSecond;  // 2026-10-01T00:00:00Z
constexpr int64_t kBucket = 15 * kNanosPerMinute;

std::vector<NetworkEvent> Events() {
  std::vector<NetworkEvent> events;
  for (const char* host : {"web-2", "web-1", "db-1"}) {
    for (const char* name : {"sshd", "curl", "curl2", "apt"}) {
      for (int i = 0; i < 4; ++i) {
        // Two events of each group share a time and differ only by their ports.
        events.push_back(MakeJobTestEvent(kT0 + (i / 2) * kNanosPerSecond, host, name,
                                          static_cast<uint16_t>(4000 + i)));
      }
    }
  }
  events.push_back(MakeJobTestEvent(kT0 + 5 * kNanosPerSecond, "web-1", "nc"));
  return events;
}

// (name, host id, time, port) of every event, group by group.
std::vector<std::string> Layout(const BucketActivity& bucket) {
  std::vector<std::string> layout;
  for (const ProcessActivity& group : bucket.groups()) {
    for (const NetworkEvent* e : group.events) {
      EXPECT_EQ(std::string_view(e->process.name), group.process_name);
      EXPECT_EQ(e->host.id, group.host.id);
      layout.push_back(group.process_name + "/" + group.host.id + "/" +
                       std::to_string(e->time_ns - kT0) + "/" +
                       std::to_string(e->destination_port));
    }
  }
  return layout;
}

TEST(BucketActivityTest, GroupsByNameThenHostInOrderWhateverTheArrivalOrder) {
  BucketActivity bucket(kT0, kT0 + kBucket, Events());
  ASSERT_EQ(bucket.groups().size(), 13u);
  std::vector<std::pair<std::string, std::string>> keys;
  for (const ProcessActivity& group : bucket.groups()) {
    keys.emplace_back(group.process_name, group.host.id);
  }
  EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));
  EXPECT_EQ(keys.front(), (std::pair<std::string, std::string>{"apt", "db-1-id"}));
  EXPECT_EQ(keys.back(), (std::pair<std::string, std::string>{"sshd", "web-2-id"}));
  const ProcessActivity& first = bucket.groups().front();
  ASSERT_EQ(first.events.size(), 4u);
  EXPECT_EQ(first.events[0]->destination_port, 4000);  // time 0, the lower port first
  EXPECT_EQ(first.events[1]->destination_port, 4001);
  EXPECT_EQ(first.events[3]->destination_port, 4003);
  EXPECT_EQ(bucket.ProcessNames(),
            (std::vector<std::string>{"apt", "curl", "curl2", "nc", "sshd"}));
  EXPECT_EQ(bucket.HostCount("curl"), 3u);
  EXPECT_EQ(bucket.HostCount("nc"), 1u);
  EXPECT_EQ(bucket.HostCount("nmap"), 0u);
  // Each group knows its name's place in ProcessNames(), and the host count through it.
  for (size_t g = 0; g < bucket.groups().size(); ++g) {
    const size_t name = bucket.NameIndex(g);
    ASSERT_LT(name, bucket.ProcessNames().size());
    EXPECT_EQ(bucket.ProcessNames()[name], bucket.groups()[g].process_name);
    EXPECT_EQ(bucket.HostCountAt(name), bucket.HostCount(bucket.groups()[g].process_name));
  }
  EXPECT_EQ(bucket.HostCountAt(0), 3u);  // apt

  const std::vector<std::string> expected = Layout(bucket);
  std::mt19937 random(7);
  for (int round = 0; round < 5; ++round) {
    std::vector<NetworkEvent> shuffled = Events();
    std::shuffle(shuffled.begin(), shuffled.end(), random);
    BucketActivity again(kT0, kT0 + kBucket, std::move(shuffled));
    EXPECT_EQ(Layout(again), expected);
  }
}

TEST(BucketActivityTest, OrdersNamesAndHostsThatShareTheirFirstEightBytesAsStrings) {
  // Sorting compares the first 8 bytes as one number before the strings: names and host ids
  // equal there, shorter than 8 bytes, prefixes of each other or with bytes above 0x7f must
  // still come in string order.
  std::vector<NetworkEvent> events;
  const std::vector<std::string> hosts = {"abcdefgh-2", "abcdefgh-10", "abcdefgh", "abcdefg",
                                          "abc",        "abd",         "\xff-host"};
  const std::vector<std::string> names = {"systemd-resolve", "systemd", "systemd-timesyn", "sys",
                                          "s\xe9rvice",      "zz",      "systemc"};
  for (const std::string& host : hosts) {
    for (const std::string& name : names) {
      events.push_back(MakeJobTestEvent(kT0, host, name));
    }
  }
  std::shuffle(events.begin(), events.end(), std::mt19937(7));
  BucketActivity bucket(kT0, kT0 + kBucket, std::move(events));
  std::vector<std::pair<std::string, std::string>> keys;
  for (const ProcessActivity& group : bucket.groups()) {
    keys.emplace_back(group.process_name, group.host.id);
  }
  ASSERT_EQ(keys.size(), hosts.size() * names.size());
  EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));
  std::vector<std::string> sorted_names = names;
  std::sort(sorted_names.begin(), sorted_names.end());
  EXPECT_EQ(bucket.ProcessNames(), sorted_names);
}

TEST(BucketActivityTest, AnEmptyBucketHasNoGroups) {
  BucketActivity bucket(kT0, kT0 + kBucket, {});
  EXPECT_TRUE(bucket.groups().empty());
  EXPECT_TRUE(bucket.ProcessNames().empty());
}

}  // namespace
}  // namespace ulna::server
