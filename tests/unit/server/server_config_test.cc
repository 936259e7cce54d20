#include "server/config/server_config.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace ulna::server {
namespace {

TEST(ServerConfigTest, DefaultsAreTheElasticRule) {
  const ServerConfig config;
  EXPECT_EQ(config.job.bucket_span_ns, 15 * kNanosPerMinute);
  EXPECT_EQ(config.job.query_delay_ns, 1 * kNanosPerMinute);
  EXPECT_EQ(config.job.rule_interval_ns, 15 * kNanosPerMinute);
  EXPECT_EQ(config.job.lookback_ns, 45 * kNanosPerMinute);
  EXPECT_EQ(config.job.alert_threshold, 50);
  EXPECT_EQ(config.job.max_alerts_per_run, 100u);
  EXPECT_EQ(config.job.retention_ns, 14 * kNanosPerDay);
  EXPECT_TRUE(config.Validate().ok());
}

TEST(ServerConfigTest, FlagsAndFileOverrideWithClearErrors) {
  const std::string path = "/tmp/ulna-config-test.conf";
  {
    std::ofstream out(path);
    out << "# demo settings\nbucket_span = 1m\nrule-interval = 1m\nlookback=3m\nmode = elastic\n";
  }
  ServerConfig config;
  std::vector<std::string> positional;
  ASSERT_TRUE(ParseFlags({"--config", path, "--alert-threshold", "40", "--data-dir=/x", "extra"},
                         &config, &positional)
                  .ok());
  EXPECT_EQ(config.job.bucket_span_ns, kNanosPerMinute);
  EXPECT_EQ(config.job.lookback_ns, 3 * kNanosPerMinute);
  EXPECT_EQ(config.job.mode, DetectionMode::kElastic);
  EXPECT_EQ(config.job.alert_threshold, 40);
  EXPECT_EQ(config.data_dir, "/x");
  EXPECT_EQ(positional, std::vector<std::string>{"extra"});
  EXPECT_EQ(config.AlertsPath(), "/x/alerts.ndjson");

  Status unknown = config.Set("bucket_spam", "1m");
  EXPECT_EQ(unknown.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(unknown.message().find("bucket_spam"), std::string::npos);
  EXPECT_FALSE(config.Set("lookback", "45").ok());  // no unit
  EXPECT_FALSE(config.Set("max_alerts_per_run", "ten").ok());
  config.job.rule_interval_ns = 7 * kNanosPerMinute;  // not a multiple of a 2m span
  config.job.bucket_span_ns = 2 * kNanosPerMinute;
  EXPECT_FALSE(config.Validate().ok());
  JobConfig job;
  ASSERT_TRUE(job.Validate().ok());
  job.state_commit_buckets = 0;
  EXPECT_FALSE(job.Validate().ok());
  std::remove(path.c_str());
}

}  // namespace
}  // namespace ulna::server
