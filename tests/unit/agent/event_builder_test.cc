#include "agent/event_builder.h"

#include <gtest/gtest.h>

#include <cstring>

namespace ulna::agent {
namespace {

netmon_net_record Record(uint8_t direction, uint8_t family) {
  netmon_net_record r{};
  r.kind = NETMON_REC_NET;
  r.transport = NETMON_TCP;
  r.direction = direction;
  r.family = family;
  r.local_port = 22;
  r.remote_port = 51000;
  r.netns_inode = 4026531840u;
  r.repeat_count = 3;
  r.time_boot_ns = 5'000'000'123;
  r.task.cgroup_id = 77;
  r.task.tgid = 10;
  r.task.start_boottime_ns = 2'019'999'999;  // 201 ticks of 10 ms, rounded down
  std::strcpy(r.task.comm, "sshd");
  return r;
}

TEST(EventBuilderTest, IngressPutsPeerInSource) {
  BootClock clock(1'700'000'000'000'000'000, 100);
  netmon_net_record r = Record(NETMON_INGRESS, NETMON_FAMILY_V4);
  const uint8_t local[4] = {10, 199, 0, 1}, remote[4] = {10, 199, 0, 2};
  std::memcpy(r.local_addr, local, 4);
  std::memcpy(r.remote_addr, remote, 4);
  NetworkEvent e = NetworkEventFromRecord(r, clock, HostInfo{"id1", "h1"});
  EXPECT_EQ(e.direction, Direction::kIngress);
  EXPECT_EQ(e.source_ip.ToString(), "10.199.0.2");
  EXPECT_EQ(e.source_port, 51000);
  EXPECT_EQ(e.destination_ip.ToString(), "10.199.0.1");
  EXPECT_EQ(e.destination_port, 22);
  EXPECT_EQ(e.time_ns, 1'700'000'005'000'000'123);
  EXPECT_EQ(e.netns_inode, 4026531840u);
  EXPECT_EQ(e.cgroup_id, 77u);
  EXPECT_EQ(e.repeat_count, 3u);
  EXPECT_EQ(e.host.name, "h1");

  KernelTask t = KernelTaskFromRecord(r.task, clock);
  EXPECT_EQ(t.start_ticks, 201u);
  EXPECT_EQ(t.comm, "sshd");
}

TEST(EventBuilderTest, EgressV6) {
  BootClock clock(0, 100);
  netmon_net_record r = Record(NETMON_EGRESS, NETMON_FAMILY_V6);
  const uint8_t remote[16] = {0xfd, 0x00, 0x01, 0x99, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
  std::memcpy(r.remote_addr, remote, 16);
  NetworkEvent e = NetworkEventFromRecord(r, clock, HostInfo{});
  EXPECT_EQ(e.destination_ip.ToString(), "fd00:199::2");
  EXPECT_EQ(e.destination_port, 51000);
  EXPECT_EQ(e.source_port, 22);
  EXPECT_FALSE(e.destination_ip.is_v4());
}

TEST(EventBuilderTest, CwdComponentsAreReversed) {
  netmon_exec_record r{};
  EXPECT_EQ(CwdFromRecord(r), "");  // walk failed: unknown
  r.cwd_known = 1;
  EXPECT_EQ(CwdFromRecord(r), "/");
  const char leaf_first[] = "ulna-e2e\0tmp\0";
  std::memcpy(r.cwd, leaf_first, sizeof(leaf_first) - 1);
  r.cwd_len = sizeof(leaf_first) - 1;
  EXPECT_EQ(CwdFromRecord(r), "/tmp/ulna-e2e");
}

TEST(EventBuilderTest, ExecutableFromTheKernelWalk) {
  netmon_exec_record r{};
  EXPECT_EQ(ExecutableFromRecord(r), "");  // walk failed
  r.exe_known = 1;
  EXPECT_EQ(ExecutableFromRecord(r), "");  // no components: not a file, treated as unknown
  const char leaf_first[] = "python3.11\0bin\0usr\0";
  std::memcpy(r.exe, leaf_first, sizeof(leaf_first) - 1);
  r.exe_len = sizeof(leaf_first) - 1;
  EXPECT_EQ(ExecutableFromRecord(r), "/usr/bin/python3.11");
  r.exe_known = 0;  // cut short before the root: a partial path is not reported
  EXPECT_EQ(ExecutableFromRecord(r), "");
}

TEST(EventBuilderTest, FillProcessUsesTickStartTime) {
  BootClock clock(1'000'000'000'000, 100);
  CachedProcess p;
  p.pid = 10;
  p.ppid = 1;
  p.start_ticks = 250;
  p.name = "sshd";
  p.executable = "/usr/sbin/sshd";
  p.args = {"sshd", "-D"};
  CachedProcess parent;
  parent.name = "systemd";
  parent.executable = "/usr/lib/systemd/systemd";
  NetworkEvent e;
  FillProcess(p, &parent, "root", clock, &e);
  EXPECT_EQ(e.process.start_time_ns, int64_t{1'000'000'000'000} + 250 * int64_t{10'000'000});
  EXPECT_EQ(e.process.parent_name, "systemd");
  EXPECT_EQ(e.process.user_name, "root");
  EXPECT_EQ(e.process.entity_id, "10-250");
}

}  // namespace
}  // namespace ulna::agent
