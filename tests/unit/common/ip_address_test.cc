#include "common/ip_address.h"

#include <gtest/gtest.h>

namespace ulna {
namespace {

TEST(IpAddressTest, ParsesAndFoldsV4MappedV6) {
  auto v4 = IpAddress::Parse("10.20.1.5");
  ASSERT_TRUE(v4);
  EXPECT_TRUE(v4->is_v4());
  EXPECT_EQ(v4->v4_host_order(), 0x0a140105u);
  auto mapped = IpAddress::Parse("::ffff:10.20.1.5");
  ASSERT_TRUE(mapped);
  EXPECT_EQ(*mapped, *v4);
  EXPECT_EQ(mapped->ToString(), "10.20.1.5");
  auto v6 = IpAddress::Parse("2001:db8::1");
  ASSERT_TRUE(v6);
  EXPECT_FALSE(v6->is_v4());
  EXPECT_EQ(v6->ToString(), "2001:db8::1");
  EXPECT_FALSE(IpAddress::Parse("10.20.1"));
  EXPECT_FALSE(IpAddress::Parse("2001:db8::g"));
  EXPECT_FALSE(IpAddress::Parse(""));
}

TEST(IpAddressTest, Classes) {
  EXPECT_TRUE(IpAddress::Parse("127.0.0.53")->IsLoopback());
  EXPECT_TRUE(IpAddress::Parse("::1")->IsLoopback());
  EXPECT_TRUE(IpAddress::Parse("0.0.0.0")->IsUnspecified());
  EXPECT_TRUE(IpAddress::Parse("::")->IsUnspecified());
  EXPECT_TRUE(IpAddress::Parse("172.31.255.1")->IsPrivate());
  EXPECT_FALSE(IpAddress::Parse("172.32.0.1")->IsPrivate());
  EXPECT_TRUE(IpAddress::Parse("100.64.0.1")->IsPrivate());
  EXPECT_TRUE(IpAddress::Parse("fd00::1")->IsPrivate());
  EXPECT_TRUE(IpAddress::Parse("169.254.169.254")->IsLinkLocal());
  EXPECT_TRUE(IpAddress::Parse("fe80::1")->IsLinkLocal());
  EXPECT_FALSE(IpAddress::Parse("8.8.8.8")->IsPrivate());
}

TEST(IpPrefixTest, ContainsRespectsPrefixBitsAndFamily) {
  auto prefix = IpPrefix::Parse("10.20.0.0/14");
  ASSERT_TRUE(prefix);
  EXPECT_TRUE(prefix->Contains(*IpAddress::Parse("10.23.255.255")));
  EXPECT_FALSE(prefix->Contains(*IpAddress::Parse("10.24.0.0")));
  EXPECT_FALSE(prefix->Contains(*IpAddress::Parse("2001:db8::1")));
  auto v6 = IpPrefix::Parse("2001:db8::/33");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->Contains(*IpAddress::Parse("2001:db8:7fff::1")));
  EXPECT_FALSE(v6->Contains(*IpAddress::Parse("2001:db8:8000::1")));
  EXPECT_EQ(IpPrefix::Parse("8.8.8.8")->length, 32);
  EXPECT_FALSE(IpPrefix::Parse("10.0.0.0/33"));
  EXPECT_FALSE(IpPrefix::Parse("10.0.0.0/x"));
  EXPECT_EQ(prefix->ToString(), "10.20.0.0/14");
}

}  // namespace
}  // namespace ulna
