// AlertOutput on a full disk: a clear ResourceExhausted, and the file keeps only whole lines.
#include "server/alert/alert_output.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

namespace ulna::server {
namespace {

Alert MakeAlert(int i, size_t padding) {
  Alert alert;
  alert.id = "alert-" + std::to_string(i);
  alert.rule_name = "Unusual Linux Network Activity";
  alert.severity = "low";
  alert.record.host = HostInfo{"h", "h"};
  alert.record.process_name = "curl";
  alert.record.reasons.push_back(std::string(padding, 'x'));
  return alert;
}

TEST(AlertOutputTest, WritesOneLinePerAlertWhateverTheSync) {
  const std::string path = "/tmp/ulna-alert-output-test.ndjson";
  for (AlertSync sync : {AlertSync::kEveryWrite, AlertSync::kOnSync}) {
    std::filesystem::remove(path);
    {
      auto output = AlertOutput::Open(path, sync);
      ASSERT_TRUE(output.ok());
      ASSERT_TRUE((*output)->Write({MakeAlert(1, 10), MakeAlert(2, 10)}).ok());
      ASSERT_TRUE((*output)->Write({MakeAlert(3, 10)}).ok());
      ASSERT_TRUE((*output)->Sync().ok());
    }
    std::ifstream in(path);
    int lines = 0;
    for (std::string line; std::getline(in, line);) {
      EXPECT_EQ(line.front(), '{');
      EXPECT_EQ(line.back(), '}');
      EXPECT_NE(line.find("alert-" + std::to_string(++lines)), std::string::npos);
    }
    EXPECT_EQ(lines, 3);
  }
  std::filesystem::remove(path);
}

TEST(AlertOutputTest, FullDiskIsResourceExhaustedAndLeavesOnlyWholeLines) {
  if (::geteuid() != 0) {
    GTEST_SKIP() << "#### NOT ROOT: the full-disk test needs a tmpfs mount; SKIPPED ####";
  }
  char pattern[] = "/tmp/ulna-full-disk-XXXXXX";
  ASSERT_NE(::mkdtemp(pattern), nullptr);
  const std::string dir = pattern;
  ASSERT_EQ(::mount("tmpfs", dir.c_str(), "tmpfs", 0, "size=64k"), 0) << std::strerror(errno);
  const std::string path = dir + "/alerts.ndjson";
  {
    auto output = AlertOutput::Open(path);
    ASSERT_TRUE(output.ok());
    ASSERT_TRUE((*output)->Write({MakeAlert(1, 1000)}).ok());
    const auto size_before = std::filesystem::file_size(path);
    Status full = (*output)->Write({MakeAlert(2, 200'000)});  // larger than the whole disk
    EXPECT_EQ(full.code(), Status::Code::kResourceExhausted) << full.ToString();
    EXPECT_EQ(std::filesystem::file_size(path), size_before);
    ASSERT_TRUE((*output)->Write({MakeAlert(3, 1000)}).ok());  // space is still usable
  }
  std::ifstream in(path);
  std::string first, second, extra;
  ASSERT_TRUE(std::getline(in, first));
  ASSERT_TRUE(std::getline(in, second));
  EXPECT_FALSE(std::getline(in, extra));
  EXPECT_NE(first.find("alert-1"), std::string::npos);
  EXPECT_NE(second.find("alert-3"), std::string::npos);
  in.close();
  ASSERT_EQ(::umount(dir.c_str()), 0);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ulna::server
