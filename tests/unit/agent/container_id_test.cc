#include "agent/container_id.h"

#include <gtest/gtest.h>

#include <string>

namespace ulna::agent {
namespace {

const std::string kId = "3f2a9c0d1e4b5a6978877665544332211ffeeddccbbaa0099887766554433221";

TEST(ContainerIdTest, RuntimePathShapes) {
  ASSERT_EQ(kId.size(), 64u);
  EXPECT_EQ(ContainerIdFromCgroupPath("/docker/" + kId), kId);
  EXPECT_EQ(ContainerIdFromCgroupPath("/system.slice/docker-" + kId + ".scope"), kId);
  EXPECT_EQ(ContainerIdFromCgroupPath("/kubepods.slice/kubepods-burstable.slice/"
                                      "kubepods-burstable-pod1234.slice/cri-containerd-" +
                                      kId + ".scope"),
            kId);
  EXPECT_EQ(ContainerIdFromCgroupPath("/machine.slice/libpod-" + kId + ".scope/container"), kId);
  EXPECT_EQ(ContainerIdFromCgroupPath("/kubepods/besteffort/pod99/" + kId), kId);
}

TEST(ContainerIdTest, HostPathsHaveNone) {
  EXPECT_EQ(ContainerIdFromCgroupPath("/"), "");
  EXPECT_EQ(ContainerIdFromCgroupPath("/user.slice/user-1000.slice/session-3.scope"), "");
  // 63 hex digits, uppercase hex, or a prefix not separated by '-' are not container ids.
  EXPECT_EQ(ContainerIdFromCgroupPath("/docker/" + kId.substr(1)), "");
  EXPECT_EQ(ContainerIdFromCgroupPath("/docker/" + std::string(64, 'A')), "");
  EXPECT_EQ(ContainerIdFromCgroupPath("/docker/x" + kId), "");
}

TEST(ContainerIdTest, DeepestComponentWins) {
  std::string outer(64, 'a');
  EXPECT_EQ(ContainerIdFromCgroupPath("/docker/" + outer + "/docker/" + kId), kId);
}

TEST(ContainerIdTest, CgroupFilePrefersV2Line) {
  std::string v1_id(64, 'b');
  std::string text = "12:pids:/docker/" + v1_id + "\n1:name=systemd:/docker/" + v1_id +
                     "\n0::/system.slice/docker-" + kId + ".scope\n";
  EXPECT_EQ(ContainerIdFromCgroupFile(text), kId);
  EXPECT_EQ(ContainerIdFromCgroupFile("12:pids:/docker/" + v1_id + "\n0::/\n"), v1_id);
  EXPECT_EQ(ContainerIdFromCgroupFile("0::/user.slice\n"), "");
  EXPECT_EQ(ContainerIdFromCgroupFile("garbage without colons\n"), "");
}

}  // namespace
}  // namespace ulna::agent
