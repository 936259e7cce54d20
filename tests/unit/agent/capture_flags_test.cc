#include <gtest/gtest.h>

#include "agent/capture.h"

namespace ulna::agent {
namespace {

TEST(CaptureFlagsTest, ParsesEveryFlag) {
  Result<CaptureOptions> o =
      ParseCaptureFlags({"--output", "ndjson", "--file", "/tmp/x", "--duration", "2.5",
                         "--include-loopback", "--metrics-port", "9464", "--stats",
                         "--dedup-window", "0", "--ringbuf-mb", "8", "--no-udp"});
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->file, "/tmp/x");
  EXPECT_DOUBLE_EQ(o->duration_seconds, 2.5);
  EXPECT_TRUE(o->include_loopback);
  EXPECT_EQ(o->metrics_port, 9464);
  EXPECT_TRUE(o->stats);
  EXPECT_DOUBLE_EQ(o->dedup_window_seconds, 0);
  EXPECT_EQ(o->ringbuf_mb, 8u);
  EXPECT_FALSE(o->udp);
}

TEST(CaptureFlagsTest, Defaults) {
  Result<CaptureOptions> o = ParseCaptureFlags({});
  ASSERT_TRUE(o.ok());
  EXPECT_FALSE(o->include_loopback);
  EXPECT_EQ(o->metrics_port, -1);
  EXPECT_DOUBLE_EQ(o->dedup_window_seconds, 60);
  EXPECT_TRUE(o->udp);
}

TEST(CaptureFlagsTest, RejectsBadInput) {
  EXPECT_FALSE(ParseCaptureFlags({"--output", "json"}).ok());
  EXPECT_FALSE(ParseCaptureFlags({"--duration", "-1"}).ok());
  EXPECT_FALSE(ParseCaptureFlags({"--duration"}).ok());
  EXPECT_FALSE(ParseCaptureFlags({"--metrics-port", "70000"}).ok());
  EXPECT_FALSE(ParseCaptureFlags({"--ringbuf-mb", "3"}).ok());
  EXPECT_FALSE(ParseCaptureFlags({"--frobnicate"}).ok());
}

}  // namespace
}  // namespace ulna::agent
