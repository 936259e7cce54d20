// `ulna-agent run` flags: its own settings, the capture knobs it shares, and clear refusals.
#include <gtest/gtest.h>

#include "agent/run_mode.h"

namespace ulna::agent {
namespace {

TEST(RunFlagsTest, ParsesOwnAndCaptureFlags) {
  Result<RunOptions> o = ParseRunFlags({"--server",
                                        "10.0.0.5:7443",
                                        "--credentials",
                                        "/etc/ulna-agent",
                                        "--spool-dir",
                                        "/s",
                                        "--spool-max-mb",
                                        "64",
                                        "--batch-max-events",
                                        "200",
                                        "--batch-max-delay",
                                        "250ms",
                                        "--drain",
                                        "2s",
                                        "--server-name",
                                        "ulna.example",
                                        "--include-loopback",
                                        "--metrics-port",
                                        "0",
                                        "--dedup-window",
                                        "30",
                                        "--duration",
                                        "5"});
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->server, "10.0.0.5:7443");
  EXPECT_EQ(o->credentials_dir, "/etc/ulna-agent");
  EXPECT_EQ(o->server_name, "ulna.example");
  EXPECT_EQ(o->spool_dir, "/s");
  EXPECT_EQ(o->spool_max_bytes, 64ull << 20);
  EXPECT_EQ(o->batch_max_events, 200u);
  EXPECT_EQ(o->batch_max_delay_ns, 250'000'000);
  EXPECT_EQ(o->drain_ms, 2000);
  EXPECT_TRUE(o->capture.include_loopback);
  EXPECT_EQ(o->capture.metrics_port, 0);
  EXPECT_DOUBLE_EQ(o->capture.dedup_window_seconds, 30);
  EXPECT_DOUBLE_EQ(o->capture.duration_seconds, 5);
}

TEST(RunFlagsTest, Defaults) {
  Result<RunOptions> o = ParseRunFlags({"--server", "h:1", "--credentials", "c"});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->spool_dir, "/var/lib/ulna-agent/spool");
  EXPECT_EQ(o->spool_max_bytes, 256ull << 20);
  EXPECT_EQ(o->batch_max_events, 1000u);
  EXPECT_EQ(o->batch_max_delay_ns, 1'000'000'000);
  EXPECT_EQ(o->capture.metrics_port, -1);
}

TEST(RunFlagsTest, RejectsBadInput) {
  EXPECT_FALSE(ParseRunFlags({"--credentials", "c"}).ok());  // no --server
  EXPECT_FALSE(ParseRunFlags({"--server", "h:1"}).ok());     // no --credentials
  const std::vector<std::string> base = {"--server", "h:1", "--credentials", "c"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    return ParseRunFlags(args);
  };
  EXPECT_FALSE(with({"--batch-max-delay", "1"}).ok());    // no unit
  EXPECT_FALSE(with({"--batch-max-delay", "1ms"}).ok());  // below 10ms
  EXPECT_FALSE(with({"--batch-max-events", "0"}).ok());
  EXPECT_FALSE(with({"--spool-max-mb", "0"}).ok());
  EXPECT_FALSE(with({"--file", "/tmp/x"}).ok());   // `capture` only
  EXPECT_FALSE(with({"--ringbuf-mb", "3"}).ok());  // capture knob, still validated
  EXPECT_FALSE(with({"--frobnicate"}).ok());
}

}  // namespace
}  // namespace ulna::agent
