// The dedup and filter policy compiled into netmon.bpf.c, exercised from user space: the header
// is the same one the BPF object is built from.
#include <gtest/gtest.h>

#include <cstring>

extern "C" {
#include "netmon_policy.h"
}

namespace {

TEST(DedupPolicyTest, ServicePortIsRemoteForEgressLocalForIngress) {
  EXPECT_EQ(netmon_service_port(NETMON_EGRESS, 51000, 443), 443);
  EXPECT_EQ(netmon_service_port(NETMON_INGRESS, 22, 51000), 22);
}

TEST(DedupPolicyTest, WindowSuppressesOnlyInsideIt) {
  netmon_dedup_value last{};
  last.window_start_ns = 1'000;
  const __u64 window = 500;
  EXPECT_TRUE(netmon_dedup_suppresses(&last, 1'000, window));
  EXPECT_TRUE(netmon_dedup_suppresses(&last, 1'499, window));
  EXPECT_FALSE(netmon_dedup_suppresses(&last, 1'500, window));    // window is half-open
  EXPECT_FALSE(netmon_dedup_suppresses(&last, 999, window));      // clock went back: emit
  EXPECT_FALSE(netmon_dedup_suppresses(&last, 1'200, 0));         // zero window: dedup off
  EXPECT_FALSE(netmon_dedup_suppresses(nullptr, 1'200, window));  // first sighting
}

TEST(DedupPolicyTest, V4MappedFoldsToV4) {
  __u8 addr[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 199, 0, 2};
  __u8 family = NETMON_FAMILY_V6;
  netmon_canonicalize(&family, addr);
  EXPECT_EQ(family, NETMON_FAMILY_V4);
  const __u8 want[16] = {10, 199, 0, 2};
  EXPECT_EQ(std::memcmp(addr, want, 16), 0);

  __u8 v6[16] = {0xfd, 0, 0x01, 0x99};  // fd00:199:: stays IPv6
  family = NETMON_FAMILY_V6;
  netmon_canonicalize(&family, v6);
  EXPECT_EQ(family, NETMON_FAMILY_V6);
  EXPECT_EQ(v6[0], 0xfd);
}

TEST(DedupPolicyTest, Loopback) {
  __u8 v4[16] = {127, 8, 9, 10};
  EXPECT_TRUE(netmon_is_loopback(NETMON_FAMILY_V4, v4));
  __u8 v4_other[16] = {10, 199, 0, 2};
  EXPECT_FALSE(netmon_is_loopback(NETMON_FAMILY_V4, v4_other));
  __u8 v6_lo[16] = {};
  v6_lo[15] = 1;
  EXPECT_TRUE(netmon_is_loopback(NETMON_FAMILY_V6, v6_lo));
  __u8 v6_any[16] = {};
  EXPECT_FALSE(netmon_is_loopback(NETMON_FAMILY_V6, v6_any));
  // ::ffff:127.0.0.1 is loopback once canonicalised, which the kernel side does first.
  __u8 mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1};
  __u8 family = NETMON_FAMILY_V6;
  netmon_canonicalize(&family, mapped);
  EXPECT_TRUE(netmon_is_loopback(family, mapped));
}

}  // namespace
