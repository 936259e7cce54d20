#include "common/ecs_codec.h"

#include <gtest/gtest.h>

#include "common/json_writer.h"
#include "tests/unit/common/ecs_sample_lines.h"

namespace ulna {
namespace {

using testing_lines::kNested;

// The same document with flattened keys.
constexpr std::string_view kDotted =
    R"({"@timestamp":"2026-10-01T00:06:32.926Z","event.kind":"event",)"
    R"("event.category":"network","event.type":["start"],"event.action":"connection_attempted",)"
    R"("host.name":"web-10","host.id":"60a2527681855335c322f475edb600ed","host.os.type":"linux",)"
    R"("process.pid":1952459,"process.name":"php-fpm8.1","process.executable":"/usr/sbin/php-fpm8.1",)"
    R"("process.args":["/usr/sbin/php-fpm8.1","--nodaemonize","--fpm-config","/etc/php/8.1/fpm/php-fpm.conf"],)"
    R"("process.working_directory":"/","process.entity_id":"OWZkYzMwNGYtODFl",)"
    R"("process.parent.pid":2314,"process.parent.name":"php-fpm8.1",)"
    R"("process.parent.executable":"/usr/sbin/php-fpm8.1","user.name":"www-data","user.id":33,)"
    R"("source.ip":"10.20.1.20","source.port":42169,"destination.ip":"54.187.216.72",)"
    R"("destination.port":443,"network.transport":"tcp","network.direction":"egress"})";

NetworkEvent ExpectedSample() {
  NetworkEvent e;
  e.time_ns = 1790813192926'000'000;  // 2026-10-01T00:06:32.926Z
  e.direction = Direction::kEgress;
  e.transport = Transport::kTcp;
  e.source_ip = IpAddress::FromV4(0x0a140114);  // 10.20.1.20
  e.source_port = 42169;
  e.destination_ip = IpAddress::FromV4((54u << 24) | (187u << 16) | (216u << 8) | 72u);
  e.destination_port = 443;
  e.host = {"60a2527681855335c322f475edb600ed", "web-10"};
  ProcessInfo& p = e.process;
  p.pid = 1952459;
  p.ppid = 2314;
  p.uid = 33;
  p.name = "php-fpm8.1";
  p.executable = "/usr/sbin/php-fpm8.1";
  p.args = {"/usr/sbin/php-fpm8.1", "--nodaemonize", "--fpm-config",
            "/etc/php/8.1/fpm/php-fpm.conf"};
  p.working_directory = "/";
  p.user_name = "www-data";
  p.parent_name = "php-fpm8.1";
  p.parent_executable = "/usr/sbin/php-fpm8.1";
  p.entity_id = "OWZkYzMwNGYtODFl";
  return e;
}

class EcsParseTest : public ::testing::Test {
 protected:
  bool Parse(std::string_view line) { return parser_.Parse(line, &event_, &error_); }
  // Parses `line` expecting a rejection for `reason` whose detail mentions `needle`.
  void ExpectReject(std::string_view line, RejectReason reason, std::string_view needle) {
    ASSERT_FALSE(Parse(line)) << line;
    EXPECT_EQ(RejectReasonName(error_.reason), std::string(RejectReasonName(reason)))
        << error_.detail;
    EXPECT_NE(error_.detail.find(needle), std::string::npos)
        << "detail: " << error_.detail << " want: " << needle;
  }
  // kNested with one substring replaced.
  static std::string Nested(std::string_view from, std::string_view to) {
    std::string s(kNested);
    const size_t at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) s.replace(at, from.size(), to);
    return s;
  }

  EcsEventParser parser_;
  NetworkEvent event_;
  ParseError error_;
};

TEST_F(EcsParseTest, NestedDocument) {
  ASSERT_TRUE(Parse(kNested)) << error_.detail;
  EXPECT_EQ(event_, ExpectedSample());
}

TEST_F(EcsParseTest, DottedKeysAndMixes) {
  ASSERT_TRUE(Parse(kDotted)) << error_.detail;
  EXPECT_EQ(event_, ExpectedSample());
  // Mixed: a dotted key inside a nested object, and a nested object under a dotted prefix.
  const std::string mixed = Nested(R"("parent":{"pid":2314,"name":"php-fpm8.1",)",
                                   R"("parent.pid":2314,"parent":{"name":"php-fpm8.1",)");
  ASSERT_TRUE(Parse(mixed)) << error_.detail;
  EXPECT_EQ(event_, ExpectedSample());
  const std::string mixed2 = Nested(R"("user":{"name":"www-data","id":"33"})",
                                    R"("user.name":"www-data","user":{"id":"33"})");
  ASSERT_TRUE(Parse(mixed2)) << error_.detail;
  EXPECT_EQ(event_, ExpectedSample());
}

TEST_F(EcsParseTest, EscapedKeyIsUnderstood) {
  ASSERT_TRUE(Parse(Nested(R"("working_directory")", R"("working\u005fdirectory")")));
  EXPECT_EQ(event_, ExpectedSample());
}

TEST_F(EcsParseTest, ReusedEventIsFullyOverwritten) {
  ASSERT_TRUE(Parse(kNested));
  const std::string fewer = Nested(
      R"("args":["/usr/sbin/php-fpm8.1","--nodaemonize","--fpm-config","/etc/php/8.1/fpm/php-fpm.conf"],)",
      R"("args":["x"],)");
  ASSERT_TRUE(Parse(Nested(R"("working_directory":"/",)", "")));
  EXPECT_EQ(event_.process.working_directory, "");
  ASSERT_TRUE(Parse(fewer));
  EXPECT_EQ(event_.process.args, EventStrings{"x"});
}

TEST_F(EcsParseTest, ViewIntoLargerBufferIsNotOverread) {
  // The parser must only see the view, even when the bytes after it are more JSON.
  const std::string buffer = std::string(kNested) + R"(,"process":{"name":"evil"}})";
  ASSERT_TRUE(Parse(std::string_view(buffer).substr(0, kNested.size())));
  EXPECT_EQ(event_.process.name, "php-fpm8.1");
}

TEST_F(EcsParseTest, AcceptedIsIngressWithRemoteSource) {
  const std::string line = Nested(R"("connection_attempted")", R"("connection_accepted")");
  ASSERT_TRUE(Parse(line)) << error_.detail;
  EXPECT_EQ(event_.direction, Direction::kIngress);
  // ECS semantics kept: source is the remote peer, destination the local listening end.
  EXPECT_EQ(event_.remote_ip().ToString(), "10.20.1.20");
  EXPECT_EQ(event_.service_port(), 443);
  // Ingress requires the remote (source) address, not the destination.
  ExpectReject(Nested(R"("connection_attempted")", R"("connection_accepted")")
                   .replace(line.find(R"("source":{"ip":"10.20.1.20",)"), 28, R"("source":{)"),
               RejectReason::kMissingField, "source.ip");
  ASSERT_TRUE(Parse(Nested(R"("connection_attempted")", R"("connection_accepted")")
                        .replace(line.find(R"("ip":"54.187.216.72",)"), 21, "")))
      << error_.detail;
}

TEST_F(EcsParseTest, DirectionFromActionOrNetworkDirection) {
  ASSERT_TRUE(Parse(Nested(R"("connection_attempted")", R"("connected-to")")));  // Auditbeat
  EXPECT_EQ(event_.direction, Direction::kEgress);
  const std::string no_action = Nested(R"("action":"connection_attempted",)", "");
  ASSERT_TRUE(Parse(no_action));
  EXPECT_EQ(event_.direction, Direction::kEgress);
  std::string inbound = no_action;
  inbound.replace(inbound.find(R"("egress")"), 8, R"("inbound")");
  ASSERT_TRUE(Parse(inbound));
  EXPECT_EQ(event_.direction, Direction::kIngress);
  std::string neither = no_action;
  neither.replace(neither.find(R"(,"direction":"egress")"), 21, "");
  ExpectReject(neither, RejectReason::kMissingField, "event.action");
}

TEST_F(EcsParseTest, NotNetworkEvents) {
  ExpectReject(Nested(R"(["network"])", R"(["process"])"), RejectReason::kNotNetworkEvent,
               "event.category");
  ExpectReject(Nested(R"(["start"])", R"(["end"])"), RejectReason::kNotNetworkEvent, "event.type");
  ExpectReject(Nested(R"("connection_attempted")", R"("disconnect_received")"),
               RejectReason::kNotNetworkEvent, "disconnect_received");
  // Not being a network event wins over other problems in the same document.
  std::string file_event = Nested(R"("pid":1952459)", R"("pid":"x")");
  file_event.replace(file_event.find(R"(["network"])"), 11, R"(["file"])");
  ExpectReject(file_event, RejectReason::kNotNetworkEvent, "event.category");
  ASSERT_TRUE(Parse(Nested(R"(["network"])", R"(["host","network"])")));
  ASSERT_TRUE(Parse(Nested(R"(["start"])", R"(["connection","start"])")));
}

TEST_F(EcsParseTest, MissingFields) {
  ExpectReject(Nested(R"("@timestamp":"2026-10-01T00:06:32.926Z",)", ""),
               RejectReason::kMissingField, "@timestamp");
  ExpectReject(Nested(R"("name":"php-fpm8.1","executable")", R"("executable")"),
               RejectReason::kMissingField, "process.name");
  ExpectReject(Nested(R"("category":["network"],)", ""), RejectReason::kMissingField,
               "event.category");
  ExpectReject(Nested(R"("transport":"tcp",)", ""), RejectReason::kMissingField,
               "network.transport");
  ExpectReject(Nested(R"("ip":"54.187.216.72",)", ""), RejectReason::kMissingField,
               "destination.ip");
  ExpectReject(Nested(R"("name":"web-10","id":"60a2527681855335c322f475edb600ed",)", ""),
               RejectReason::kMissingField, "host.name");
  // One host field is enough: the other takes its value.
  ASSERT_TRUE(Parse(Nested(R"("id":"60a2527681855335c322f475edb600ed",)", "")));
  EXPECT_EQ(event_.host.id, "web-10");
  EXPECT_EQ(event_.host.name, "web-10");
}

TEST_F(EcsParseTest, WrongTypes) {
  ExpectReject(Nested(R"("pid":1952459)", R"("pid":"1952459")"), RejectReason::kWrongType,
               "process.pid");
  ExpectReject(Nested(R"("name":"php-fpm8.1","executable")", R"("name":7,"executable")"),
               RejectReason::kWrongType, "process.name");
  ExpectReject(Nested(R"("args":[)", R"("args":[1,)"), RejectReason::kWrongType, "process.args[0]");
  ExpectReject(Nested(R"("port":443)", R"("port":"443")"), RejectReason::kWrongType,
               "destination.port");
  ExpectReject(Nested(R"("category":["network"])", R"("category":{"a":1})"),
               RejectReason::kWrongType, "event.category");
  ExpectReject(Nested(R"("user":{"name":"www-data","id":"33"})", R"("user":"www-data")"),
               RejectReason::kWrongType, "user is not an object");
  // null reads as absent.
  ASSERT_TRUE(Parse(Nested(R"("working_directory":"/")", R"("working_directory":null)")));
  EXPECT_EQ(event_.process.working_directory, "");
}

TEST_F(EcsParseTest, InvalidValues) {
  ExpectReject(Nested("54.187.216.72", "54.187.216.372"), RejectReason::kInvalidValue,
               "destination.ip");
  ExpectReject(Nested("54.187.216.72", "2a00:23c7:16f0:9650:1e89:e31e"),
               RejectReason::kInvalidValue, "destination.ip");
  ExpectReject(Nested(R"("port":443)", R"("port":70000)"), RejectReason::kInvalidValue,
               "destination.port");
  ExpectReject(Nested(R"("port":443)", R"("port":-1)"), RejectReason::kInvalidValue,
               "destination.port");
  ExpectReject(Nested("2026-10-01T00:06:32.926Z", "2026-02-30T00:06:32.926Z"),
               RejectReason::kInvalidValue, "@timestamp");
  ExpectReject(Nested(R"("id":"33")", R"("id":"S-1-5-18")"), RejectReason::kInvalidValue,
               "user.id");
  ExpectReject(Nested(R"("tcp")", R"("icmp")"), RejectReason::kInvalidValue, "network.transport");
}

TEST_F(EcsParseTest, OversizeFields) {
  const std::string long_arg(kMaxArgBytes + 1, 'a');
  ExpectReject(Nested(R"("--nodaemonize")", "\"" + long_arg + "\""), RejectReason::kOversizeField,
               "process.args[1]");
  std::string many = R"("args":[)";
  for (size_t i = 0; i <= kMaxArgs; ++i) many += (i ? ",\"x\"" : "\"x\"");
  many += "],";
  ExpectReject(
      Nested(
          R"("args":["/usr/sbin/php-fpm8.1","--nodaemonize","--fpm-config","/etc/php/8.1/fpm/php-fpm.conf"],)",
          many),
      RejectReason::kOversizeField, "process.args");
  const std::string long_name(kMaxNameBytes + 1, 'n');
  ExpectReject(Nested(R"("name":"www-data")", R"("name":")" + long_name + "\""),
               RejectReason::kOversizeField, "user.name");
  // Exactly at the bound is fine.
  ASSERT_TRUE(Parse(Nested(R"("--nodaemonize")", "\"" + std::string(kMaxArgBytes, 'a') + "\"")));
}

TEST_F(EcsParseTest, Ipv6AndMappedAddresses) {
  ASSERT_TRUE(Parse(Nested("54.187.216.72", "2001:db8:85a3::8a2e:370:7334")));
  EXPECT_FALSE(event_.destination_ip.is_v4());
  EXPECT_EQ(event_.destination_ip.ToString(), "2001:db8:85a3::8a2e:370:7334");
  ASSERT_TRUE(Parse(Nested("54.187.216.72", "::ffff:54.187.216.72")));
  EXPECT_EQ(event_.destination_ip, ExpectedSample().destination_ip);
}

TEST_F(EcsParseTest, MalformedJson) {
  for (std::string_view bad :
       {std::string_view(""), std::string_view("{"), std::string_view("[1,2]"),
        std::string_view("\"x\""), std::string_view("not json"),
        std::string_view(R"({"@timestamp":})"), std::string_view("{} {}")}) {
    ASSERT_FALSE(Parse(bad)) << bad;
    EXPECT_EQ(error_.reason, RejectReason::kMalformedJson) << bad << ": " << error_.detail;
    EXPECT_FALSE(error_.detail.empty());
  }
  ExpectReject(std::string(kNested) + " {}", RejectReason::kMalformedJson, "trailing");
}

TEST_F(EcsParseTest, EpochMillisecondsTimestampAndNumericIds) {
  ASSERT_TRUE(Parse(Nested(R"("2026-10-01T00:06:32.926Z")", "1790813192926")));
  EXPECT_EQ(event_.time_ns, 1790813192926'000'000);
  ASSERT_TRUE(Parse(Nested(R"("id":"33")", R"("id":4294967295)")));
  EXPECT_EQ(event_.process.uid, 4294967295u);
}

NetworkEvent FullEvent() {
  NetworkEvent e = ExpectedSample();
  e.time_ns = 1790813192123456789;
  e.transport = Transport::kUdp;
  e.direction = Direction::kIngress;
  e.source_ip = *IpAddress::Parse("2001:db8::7");
  e.destination_ip = *IpAddress::Parse("2001:db8::1");
  e.netns_inode = 4026531840;
  e.cgroup_id = 18446744073709551615u;
  e.repeat_count = 12;
  e.process.start_time_ns = 1789000000000001000;
  e.process.gid = 1001;
  e.process.container_id = "3f4e5d6c7b8a";
  e.process.args.push_back("quote \" backslash \\ newline \n tab \t");
  e.process.args.push_back("");
  e.process.executable = "/usr/bin/caf\xC3\xA9 (deleted)";
  return e;
}

TEST(EcsWriteTest, RoundTripsEveryModelField) {
  EcsEventParser parser;
  ParseError error;
  for (const NetworkEvent& in : {ExpectedSample(), FullEvent()}) {
    std::string line;
    AppendEcsEvent(in, &line);
    NetworkEvent out;
    ASSERT_TRUE(parser.Parse(line, &out, &error)) << error.detail << "\n" << line;
    EXPECT_EQ(out, in) << line;
  }
}

TEST(EcsWriteTest, WritesTheScenarioSchema) {
  std::string line;
  AppendEcsEvent(ExpectedSample(), &line);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  for (std::string_view part : {
           R"({"@timestamp":"2026-10-01T00:06:32.926Z",)",
           R"("event":{"kind":"event","category":["network"],"type":["start"],)"
           R"("action":"connection_attempted","dataset":"ulna.network","module":"ulna"})",
           R"("host":{"name":"web-10","id":"60a2527681855335c322f475edb600ed"})",
           R"("parent":{"pid":2314,"name":"php-fpm8.1","executable":"/usr/sbin/php-fpm8.1"})",
           R"("user":{"name":"www-data","id":"33"},"group":{"id":"0"})",
           R"("source":{"ip":"10.20.1.20","port":42169})",
           R"("network":{"transport":"tcp","type":"ipv4","direction":"egress"}})",
       }) {
    EXPECT_NE(line.find(part), std::string::npos) << part << "\nin: " << line;
  }
  EXPECT_EQ(line.find("container"), std::string::npos);
  EXPECT_EQ(line.find("ulna\":"), std::string::npos);

  std::string full;
  AppendEcsEvent(FullEvent(), &full);
  for (std::string_view part : {
           R"("container":{"id":"3f4e5d6c7b8a"})",
           R"("ulna":{"netns":4026531840,"cgroup_id":18446744073709551615,"repeat_count":12})",
           R"("type":"ipv6","direction":"ingress")",
           R"("action":"connection_accepted")",
           R"("start":"2026-09-10T00:26:40.000001Z")",
       }) {
    EXPECT_NE(full.find(part), std::string::npos) << part << "\nin: " << full;
  }
}

TEST(RejectTallyTest, CountsMergesAndKeepsFirstSamples) {
  RejectTally a;
  for (uint64_t i = 1; i <= 7; ++i) {
    a.Add(i, {i % 2 ? RejectReason::kWrongType : RejectReason::kMissingField, "d"});
  }
  EXPECT_EQ(a.total(), 7u);
  EXPECT_EQ(a.counts[static_cast<size_t>(RejectReason::kWrongType)], 4u);
  EXPECT_EQ(a.counts[static_cast<size_t>(RejectReason::kMissingField)], 3u);
  ASSERT_EQ(a.samples.size(), RejectTally::kMaxSamples);
  EXPECT_EQ(a.samples.front().line_number, 1u);
  EXPECT_EQ(a.samples.back().line_number, 5u);

  RejectTally b;
  b.Add(100, {RejectReason::kExcluded, "x"});
  RejectTally c;
  c.Merge(b);
  c.Merge(a);
  EXPECT_EQ(c.total(), 8u);
  EXPECT_EQ(c.counts[static_cast<size_t>(RejectReason::kExcluded)], 1u);
  ASSERT_EQ(c.samples.size(), RejectTally::kMaxSamples);
  EXPECT_EQ(c.samples.front().line_number, 100u);
}

TEST(RejectTallyTest, ReasonNames) {
  EXPECT_STREQ(RejectReasonName(RejectReason::kMalformedJson), "malformed_json");
  EXPECT_STREQ(RejectReasonName(RejectReason::kWrongType), "wrong_type");
  EXPECT_STREQ(RejectReasonName(RejectReason::kMissingField), "missing_field");
  EXPECT_STREQ(RejectReasonName(RejectReason::kOversizeField), "oversize_field");
  EXPECT_STREQ(RejectReasonName(RejectReason::kInvalidValue), "invalid_value");
  EXPECT_STREQ(RejectReasonName(RejectReason::kNotNetworkEvent), "not_network_event");
  EXPECT_STREQ(RejectReasonName(RejectReason::kTimeOutOfRange), "time_out_of_range");
  EXPECT_STREQ(RejectReasonName(RejectReason::kExcluded), "excluded");
}

}  // namespace
}  // namespace ulna
