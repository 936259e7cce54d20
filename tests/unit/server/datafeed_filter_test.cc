#include "server/job/datafeed_filter.h"

#include <gtest/gtest.h>

#include <string>

namespace ulna::server {
namespace {

NetworkEvent Egress(const char* destination, const char* user = "www-data",
                    const char* process = "curl") {
  NetworkEvent e;
  e.direction = Direction::kEgress;
  e.source_ip = *IpAddress::Parse("10.0.0.1");
  e.destination_ip = *IpAddress::Parse(destination);
  e.process.name = process;
  e.process.user_name = user;
  return e;
}

TEST(DatafeedFilterTest, ElasticExcludesExactlyTheDatafeedAddresses) {
  const DatafeedFilter filter = DatafeedFilter::ForMode(DetectionMode::kElastic);
  EXPECT_STREQ(filter.ExclusionReason(Egress("127.0.0.1")), "loopback");
  EXPECT_STREQ(filter.ExclusionReason(Egress("127.0.0.53")), "loopback");
  EXPECT_STREQ(filter.ExclusionReason(Egress("::1")), "loopback");
  EXPECT_STREQ(filter.ExclusionReason(Egress("::")), "loopback");
  // The datafeed lists addresses, not 127/8: other loopback addresses pass, as in Elastic.
  EXPECT_EQ(filter.ExclusionReason(Egress("127.0.0.2")), nullptr);
  EXPECT_STREQ(filter.ExclusionReason(Egress("8.8.8.8", "jenkins")), "user");
  EXPECT_STREQ(filter.ExclusionReason(Egress("8.8.8.8", "root", "filebeat")), "agent");
  EXPECT_STREQ(filter.ExclusionReason(Egress("8.8.8.8", "root", "ulna-agent")), "agent");
  EXPECT_EQ(filter.ExclusionReason(Egress("8.8.8.8")), nullptr);
}

TEST(DatafeedFilterTest, ElasticKeepsNearMisses) {
  const DatafeedFilter filter = DatafeedFilter::ForMode(DetectionMode::kElastic);
  // Addresses that share the excluded ones' first byte, names and users of an excluded one's
  // length, prefixes and extensions of excluded names.
  EXPECT_EQ(filter.ExclusionReason(Egress("::2")), nullptr);
  EXPECT_EQ(filter.ExclusionReason(Egress("0.0.0.0")), nullptr);
  EXPECT_EQ(filter.ExclusionReason(Egress("::ffff:127.0.0.2")), nullptr);
  EXPECT_EQ(filter.ExclusionReason(Egress("8.8.8.8", "jenkinz")), nullptr);
  EXPECT_EQ(filter.ExclusionReason(Egress("8.8.8.8", "root", "filebeaT")), nullptr);
  EXPECT_EQ(filter.ExclusionReason(Egress("8.8.8.8", "root", "filebeat2")), nullptr);
  EXPECT_EQ(filter.ExclusionReason(Egress("8.8.8.8", "root", "file")), nullptr);
  EXPECT_EQ(filter.ExclusionReason(Egress("8.8.8.8", "root", std::string(200, 'f').c_str())),
            nullptr);
  EXPECT_STREQ(filter.ExclusionReason(Egress("::ffff:127.0.0.1")), "loopback");
  EXPECT_STREQ(filter.ExclusionReason(Egress("8.8.8.8", "root", "winlogbeat.exe")), "agent");
  EXPECT_STREQ(filter.ExclusionReason(Egress("8.8.8.8", "root", "elastic-agent")), "agent");
}

TEST(DatafeedFilterTest, UlnaExcludesAllLoopbackButNotUsers) {
  const DatafeedFilter filter = DatafeedFilter::ForMode(DetectionMode::kUlna);
  EXPECT_STREQ(filter.ExclusionReason(Egress("127.0.0.2")), "loopback");
  EXPECT_STREQ(filter.ExclusionReason(Egress("::ffff:127.0.0.1")), "loopback");
  EXPECT_EQ(filter.ExclusionReason(Egress("8.8.8.8", "jenkins")), nullptr);
  EXPECT_STREQ(filter.ExclusionReason(Egress("8.8.8.8", "root", "ulna-agent")), "agent");
  NetworkEvent accept_from_loopback = Egress("10.0.0.1");
  accept_from_loopback.direction = Direction::kIngress;
  accept_from_loopback.source_ip = *IpAddress::Parse("127.0.0.1");
  EXPECT_STREQ(filter.ExclusionReason(accept_from_loopback), "loopback");
}

}  // namespace
}  // namespace ulna::server
