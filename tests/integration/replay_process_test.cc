// `ulna-server replay` as a process on a small archive written here: good events, every kind of
// bad line, and one rare process after a long quiet history. Checks the summary counts and line
// numbers, and that the one alert is in the ECS schema with the rule's fields.
#include <gtest/gtest.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <zlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

#include "common/duration.h"
#include "common/json_writer.h"

namespace ulna {
namespace {

constexpr int64_t kStart = 1790812800LL * kNanosPerSecond;  // 2026-10-01T00:00:00Z
constexpr int kQuietMinutes = 600;

std::string EventLine(int64_t time_ns, const std::string& host, const std::string& process,
                      const std::string& action, const std::string& destination, int port) {
  std::ostringstream line;
  line
      << R"({"@timestamp":")" << FormatTimestamp(time_ns)
      << R"(","event":{"kind":"event","category":["network"],"type":["start"],"action":")" << action
      << R"("},"host":{"name":")" << host << R"(","id":")" << host
      << R"(-id"},"process":{"pid":42,"name":")" << process << R"(","executable":"/usr/bin/)"
      << process << R"(","args":[")" << process
      << R"(","-x"],"working_directory":"/srv","parent":{"name":"sh"}},"user":{"name":"www-data"},)"
      << R"("source":{"ip":"10.0.0.5","port":40000},"destination":{"ip":")" << destination
      << R"(","port":)" << port << R"(},"network":{"transport":"tcp"}})";
  return line.str();
}

class ReplayProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/ulna-replay-test-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    const char* bin = std::getenv("ULNA_BIN_DIR");
    ASSERT_NE(bin, nullptr) << "ULNA_BIN_DIR must point at build/bin";
    server_ = std::string(bin) + "/ulna-server";
    ASSERT_TRUE(std::filesystem::exists(server_)) << server_;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Runs a command, returning its exit code and stdout.
  int Run(const std::string& command, std::string* output) {
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) return -1;
    char buffer[4096];
    size_t n;
    while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) output->append(buffer, n);
    const int status = ::pclose(pipe);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  std::string dir_;
  std::string server_;
};

TEST_F(ReplayProcessTest, CountsBadLinesAndAlertsOnTheRareProcessInEcs) {
  const std::string archive = dir_ + "/events.ndjson.gz";
  gzFile out = gzopen(archive.c_str(), "wb");
  ASSERT_NE(out, nullptr);
  auto write = [&](const std::string& line) { gzputs(out, (line + "\n").c_str()); };
  for (int minute = 0; minute < kQuietMinutes; ++minute) {
    const int64_t t = kStart + minute * kNanosPerMinute + 5 * kNanosPerSecond;
    write(EventLine(t, "web-1", "nginx", "connection_accepted", "10.0.0.5", 443));
    write(EventLine(t, "db-1", "postgres", "connection_accepted", "10.0.0.9", 5432));
    if (minute == 10) {
      write("{not json");  // line 23
      write(R"({"@timestamp":"2026-10-01T00:10:00Z","event":{"category":["process"]}})");  // 24
      write(EventLine(t, "web-1", std::string(300, 'a'), "connection_attempted", "1.2.3.4", 1));
      write(EventLine(t, "web-1", "curl", "connection_attempted", "not-an-ip", 443));  // 26
      write(EventLine(kStart + 100 * kNanosPerDay * 365, "web-1", "curl", "connection_attempted",
                      "1.2.3.4", 443));  // 27: far in the future
      write(EventLine(t, "web-1", "nginx", "connection_accepted", "2001:db8::1", 443));  // ok
    }
  }
  const int64_t rare_time = kStart + kQuietMinutes * kNanosPerMinute + 7 * kNanosPerSecond;
  write(EventLine(rare_time, "web-1", "evilcat", "connection_attempted", "203.0.113.9", 4444));
  gzclose(out);

  const std::string alerts = dir_ + "/alerts.ndjson";
  std::string output;
  const int code = Run(server_ + " replay --input " + archive + " --alerts " + alerts +
                           " --mode elastic --bucket-span 1m --query-delay 0s"
                           " --rule-interval 1m --lookback 3m --alert-threshold 10 2>&1",
                       &output);
  ASSERT_EQ(code, 0) << output;
  EXPECT_NE(output.find("rejected: 5 lines"), std::string::npos) << output;
  EXPECT_NE(output.find("malformed_json 1"), std::string::npos) << output;
  EXPECT_NE(output.find("not_network_event 1"), std::string::npos) << output;
  EXPECT_NE(output.find("oversize_field 1"), std::string::npos) << output;
  EXPECT_NE(output.find("invalid_value 1"), std::string::npos) << output;
  EXPECT_NE(output.find("out-of-range time 1"), std::string::npos) << output;
  EXPECT_NE(output.find("line 23: malformed_json"), std::string::npos) << output;
  EXPECT_NE(output.find("line 26: invalid_value"), std::string::npos) << output;

  std::ifstream in(alerts);
  std::string line, extra;
  ASSERT_TRUE(std::getline(in, line)) << "no alert written; replay said:\n" << output;
  EXPECT_FALSE(std::getline(in, extra)) << "more than one alert: " << extra;
  for (
      const char* expected : {
          R"("@timestamp":"2026-10-01T10:00:00.000Z")",
          R"("event":{"kind":"alert")",
          R"("host":{"name":"web-1","id":"web-1-id"})",
          R"("process":{"name":"evilcat","executable":"/usr/bin/evilcat","args":["evilcat","-x"],"working_directory":"/srv","parent":{"name":"sh")",
          R"("user":{"name":["www-data"]})",
          R"("destination":{"ip":["203.0.113.9"],"port":[4444]})",
          R"("rule":{"name":"Unusual Linux Network Activity"})",
          R"("severity":"low","risk_score":21)",
          R"("mode":"elastic")",
          R"("other_hosts":0)",
      }) {
    EXPECT_NE(line.find(expected), std::string::npos) << expected << "\nin: " << line;
  }
}

TEST_F(ReplayProcessTest, NumbersLinesAcrossBlocksAndInputsAndKeepsInputOrder) {
  // Two plain inputs of several MB each: the replay cuts them into blocks parsed in parallel,
  // so bad lines deep inside must still be reported with their line number over all inputs,
  // and the one rare process must still be found once.
  constexpr int kLinesPerFile = 6000;
  const std::string first = dir_ + "/a.ndjson";
  const std::string second = dir_ + "/b.ndjson";
  int64_t t = kStart;
  for (const std::string& path : {first, second}) {
    std::ofstream out(path);
    for (int i = 1; i <= kLinesPerFile; ++i) {
      t += 2 * kNanosPerSecond;
      if (path == first && i == 4321) {
        out << "{broken\n";  // line 4321
      } else if (path == second && i == 5000) {
        out << std::string(1100000, 'x') << "\n";  // line 11000: over the 1 MiB line bound
      } else if (path == second && i == 5500) {
        out << EventLine(t, "web-1", "evilcat", "connection_attempted", "203.0.113.9", 4444)
            << "\n";
      } else {
        out << EventLine(t, "web-" + std::to_string(i % 4), "nginx", "connection_accepted",
                         "10.0.0.5", 443)
            << std::string(400, ' ') << "\n";  // ~900-byte lines, as in real archives
      }
    }
  }
  const std::string alerts = dir_ + "/alerts.ndjson";
  std::string output;
  const int code =
      Run(server_ + " replay --input " + first + " --input " + second + " --alerts " + alerts +
              " --mode elastic --bucket-span 10m --query-delay 0s"
              " --rule-interval 10m --lookback 30m --alert-threshold 10 2>&1",
          &output);
  ASSERT_EQ(code, 0) << output;
  EXPECT_NE(output.find("12000 lines, 11998 events"), std::string::npos) << output;
  EXPECT_NE(output.find("line 4321: malformed_json"), std::string::npos) << output;
  EXPECT_NE(output.find("line 11000: oversize_field"), std::string::npos) << output;
  std::ifstream in(alerts);
  std::string line;
  size_t evilcat = 0;
  while (std::getline(in, line)) evilcat += line.find(R"("name":"evilcat")") != std::string::npos;
  EXPECT_EQ(evilcat, 1u) << output;
}

TEST_F(ReplayProcessTest, UnreadableInputIsAClearError) {
  std::string output;
  const int code = Run(
      server_ + " replay --input " + dir_ + "/missing.ndjson --alerts " + dir_ + "/a.ndjson 2>&1",
      &output);
  EXPECT_EQ(code, 1);
  EXPECT_NE(output.find("missing.ndjson"), std::string::npos) << output;
}

// The store opens while the input is already being read and parsed: a store that cannot be
// opened stops those threads too, with a clear error (and no hang).
TEST_F(ReplayProcessTest, AStoreThatCannotOpenIsAClearErrorWhileInputIsRead) {
  const std::string input = dir_ + "/events.ndjson";
  {
    std::ofstream out(input);
    for (int i = 0; i < 20000; ++i) {
      out << EventLine(kStart + i * kNanosPerSecond, "web-1", "nginx", "connection_accepted",
                       "10.0.0.9", 443)
          << "\n";
    }
  }
  std::ofstream(dir_ + "/a-file") << "not a folder\n";
  std::string output;
  const int code = Run(server_ + " replay --input " + input + " --alerts " + dir_ +
                           "/a.ndjson --state-dir " + dir_ + "/a-file/store 2>&1",
                       &output);
  EXPECT_EQ(code, 1) << output;
  EXPECT_NE(output.find(dir_ + "/a-file/store"), std::string::npos) << output;
  EXPECT_EQ(output.find("replay:"), std::string::npos) << output;  // no summary of a failed run
}

// The process ends without static destructors once the summary is out: the summary must then
// have been written, and a summary that cannot be written is an error, not a silent success.
TEST_F(ReplayProcessTest, TheSummaryIsWrittenBeforeTheProcessEndsAndAFailedWriteIsAnError) {
  const std::string input = dir_ + "/events.ndjson";
  std::ofstream(input) << EventLine(kStart, "web-1", "nginx", "connection_accepted", "10.0.0.9",
                                    443)
                       << "\n";
  std::string output;
  const std::string replay =
      server_ + " replay --input " + input + " --alerts " + dir_ + "/a.ndjson";
  EXPECT_EQ(Run(replay + " > " + dir_ + "/summary.txt", &output), 0) << output;
  std::ifstream summary(dir_ + "/summary.txt");
  const std::string written((std::istreambuf_iterator<char>(summary)),
                            std::istreambuf_iterator<char>());
  EXPECT_NE(written.find("replay: 1 lines, 1 events"), std::string::npos) << written;
  EXPECT_NE(written.find("\njob: "), std::string::npos) << written;  // the last lines too

  output.clear();
  EXPECT_EQ(Run(replay + " 2>&1 > /dev/full", &output), 1) << output;
  EXPECT_NE(output.find("cannot write the summary"), std::string::npos) << output;
}

}  // namespace
}  // namespace ulna
