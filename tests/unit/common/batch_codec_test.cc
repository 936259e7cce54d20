#include "common/batch_codec.h"

#include <gtest/gtest.h>

namespace ulna {
namespace {

IpAddress Ip(const char* text) { return *IpAddress::Parse(text); }

NetworkEvent MakeEvent(int64_t time_ns, const std::string& host, const std::string& name,
                       uint32_t pid) {
  NetworkEvent e;
  e.time_ns = time_ns;
  e.direction = Direction::kEgress;
  e.transport = Transport::kTcp;
  e.source_ip = Ip("10.0.0.5");
  e.source_port = 40000;
  e.destination_ip = Ip("93.184.216.34");
  e.destination_port = 443;
  e.netns_inode = 4026531840;
  e.cgroup_id = 1234567890123;
  e.repeat_count = 2;
  e.host = {"id-" + host, host};
  ProcessInfo& p = e.process;
  p.pid = pid;
  p.ppid = 1;
  p.start_time_ns = 1790000000123456789;
  p.uid = 33;
  p.gid = 33;
  p.name = name;
  p.executable = "/usr/bin/" + name;
  p.args = {"/usr/bin/" + name, "-v", "--config", "/etc/" + name + ".conf"};
  p.working_directory = "/";
  p.user_name = "www-data";
  p.parent_name = "systemd";
  p.parent_executable = "/usr/lib/systemd/systemd";
  p.entity_id = "ent-" + std::to_string(pid);
  return e;
}

std::vector<NetworkEvent> WithoutHost(std::vector<NetworkEvent> events) {
  for (auto& e : events) e.host = {};
  return events;
}

TEST(BatchCodecTest, StreamModeReusesDictionaryAcrossBatches) {
  BatchEncoder encoder(/*self_contained=*/false);
  BatchDecoder decoder;
  const std::vector<NetworkEvent> first = {MakeEvent(1000, "web-1", "curl", 10),
                                           MakeEvent(1500, "web-1", "curl", 10),
                                           MakeEvent(1400, "web-1", "wget", 11)};
  const v1::EventBatch b1 = encoder.Encode(1, first);
  EXPECT_EQ(b1.sequence(), 1u);
  EXPECT_FALSE(b1.self_contained());
  EXPECT_EQ(b1.string_base(), 1u);
  EXPECT_EQ(b1.processes_size(), 2);  // the two curl events share one process entry
  EXPECT_EQ(b1.events(0).process(), b1.events(1).process());
  // Time deltas: base is the first event, then each from the previous one (may be negative).
  EXPECT_EQ(b1.base_time_ns(), 1000);
  EXPECT_EQ(b1.events(0).time_delta_ns(), 0);
  EXPECT_EQ(b1.events(1).time_delta_ns(), 500);
  EXPECT_EQ(b1.events(2).time_delta_ns(), -100);
  // Stream mode carries no host strings.
  EXPECT_EQ(b1.processes(0).host_id(), 0u);
  for (const auto& s : b1.strings()) EXPECT_NE(s, "web-1");

  // Second batch: curl again (all strings known) plus one new process name.
  const std::vector<NetworkEvent> second = {MakeEvent(2000, "web-1", "curl", 10),
                                            MakeEvent(2100, "web-1", "nc", 12)};
  const v1::EventBatch b2 = encoder.Encode(2, second);
  EXPECT_EQ(b2.string_base(), b1.string_base() + static_cast<uint32_t>(b1.strings_size()));
  // Only what nc brings is new: "nc", "/usr/bin/nc" (also argv[0]), "/etc/nc.conf", "ent-12".
  EXPECT_EQ(b2.strings_size(), 4);

  std::vector<NetworkEvent> decoded;
  RejectTally rejects;
  ASSERT_TRUE(decoder.Decode(b1, nullptr, &decoded, &rejects).ok());
  ASSERT_TRUE(decoder.Decode(b2, nullptr, &decoded, &rejects).ok());
  EXPECT_EQ(rejects.total(), 0u);
  std::vector<NetworkEvent> expected = first;
  expected.insert(expected.end(), second.begin(), second.end());
  EXPECT_EQ(decoded, WithoutHost(expected));

  // With the credential identity, events take that host.
  BatchDecoder decoder2;
  const HostInfo host{"id-web-1", "web-1"};
  decoded.clear();
  ASSERT_TRUE(decoder2.Decode(b1, &host, &decoded, &rejects).ok());
  ASSERT_TRUE(decoder2.Decode(b2, &host, &decoded, &rejects).ok());
  EXPECT_EQ(decoded, expected);
}

TEST(BatchCodecTest, StringBaseMismatchRejectsWholeBatch) {
  BatchEncoder encoder(false);
  const v1::EventBatch b1 = encoder.Encode(1, {MakeEvent(1, "h", "curl", 1)});
  const v1::EventBatch b2 = encoder.Encode(2, {MakeEvent(2, "h", "nc", 2)});
  BatchDecoder decoder;
  std::vector<NetworkEvent> decoded;
  RejectTally rejects;
  const Status s = decoder.Decode(b2, nullptr, &decoded, &rejects);  // b1 never seen
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("string_base"), std::string::npos) << s.ToString();
  EXPECT_TRUE(decoded.empty());
  EXPECT_EQ(rejects.total(), 0u);
  // The dictionary was not advanced by the rejected batch: the stream still continues in order.
  ASSERT_TRUE(decoder.Decode(b1, nullptr, &decoded, &rejects).ok());
  ASSERT_TRUE(decoder.Decode(b2, nullptr, &decoded, &rejects).ok());
  EXPECT_EQ(decoded.size(), 2u);
}

TEST(BatchCodecTest, SelfContainedBatchesCarryEverything) {
  BatchEncoder encoder(/*self_contained=*/true);
  const std::vector<NetworkEvent> first = {MakeEvent(10, "db-1", "postgres", 100),
                                           MakeEvent(20, "db-2", "postgres", 100)};
  const std::vector<NetworkEvent> second = {MakeEvent(30, "db-1", "postgres", 100)};
  const v1::EventBatch b1 = encoder.Encode(7, first);
  const v1::EventBatch b2 = encoder.Encode(8, second);
  EXPECT_TRUE(b1.self_contained());
  EXPECT_EQ(b1.string_base(), 1u);
  EXPECT_EQ(b2.string_base(), 1u);
  EXPECT_EQ(b1.processes_size(), 2);  // same ProcessInfo on two hosts: two entries
  EXPECT_GT(b2.strings_size(), 0);    // repeats the strings the first batch had

  // Any decoder, in any order.
  std::vector<NetworkEvent> decoded;
  RejectTally rejects;
  BatchDecoder decoder;
  ASSERT_TRUE(decoder.Decode(b2, nullptr, &decoded, &rejects).ok());
  ASSERT_TRUE(decoder.Decode(b1, nullptr, &decoded, &rejects).ok());
  EXPECT_EQ(rejects.total(), 0u);
  std::vector<NetworkEvent> expected = second;
  expected.insert(expected.end(), first.begin(), first.end());
  EXPECT_EQ(decoded, expected);
}

TEST(BatchCodecTest, Ipv6AndV4MappedAddresses) {
  NetworkEvent e = MakeEvent(5, "web-2", "nginx", 7);
  e.direction = Direction::kIngress;
  e.source_ip = Ip("2001:db8::1");
  e.destination_ip = Ip("2001:db8::2");
  BatchEncoder encoder(true);
  v1::EventBatch batch = encoder.Encode(1, {e});
  EXPECT_EQ(batch.events(0).source_ip().size(), 16u);
  EXPECT_EQ(batch.events(0).destination_ip().size(), 16u);
  // A peer that sends an IPv4 address as ::ffff:a.b.c.d gets it folded to IPv4.
  const char mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, '\xff', '\xff', 10, 1, 2, 3};
  batch.mutable_events(0)->set_destination_ip(std::string(mapped, 16));

  std::vector<NetworkEvent> decoded;
  RejectTally rejects;
  BatchDecoder decoder;
  ASSERT_TRUE(decoder.Decode(batch, nullptr, &decoded, &rejects).ok());
  ASSERT_EQ(decoded.size(), 1u);
  EXPECT_EQ(decoded[0].source_ip, Ip("2001:db8::1"));
  EXPECT_FALSE(decoded[0].source_ip.is_v4());
  EXPECT_EQ(decoded[0].destination_ip, IpAddress::FromV4(0x0a010203));
  EXPECT_TRUE(decoded[0].destination_ip.is_v4());
  EXPECT_EQ(decoded[0].direction, Direction::kIngress);
}

TEST(BatchCodecTest, BadEventsAreSkippedAndCounted) {
  BatchEncoder encoder(true);
  std::vector<NetworkEvent> events;
  for (int i = 0; i < 8; ++i) events.push_back(MakeEvent(100 + i, "h", "p" + std::to_string(i), i));
  v1::EventBatch batch = encoder.Encode(1, events);
  ASSERT_EQ(batch.processes_size(), 8);
  const uint32_t dict_size = static_cast<uint32_t>(batch.strings_size()) + 1;
  // 1: string id past the dictionary (two strings are added below).
  batch.mutable_processes(0)->set_executable(dict_size + 2);
  // 2: a 5-byte address.
  batch.mutable_events(1)->set_source_ip("12345");
  // 3: a port over 65535.
  batch.mutable_events(2)->set_destination_port(70000);
  // 4: a process index past the table.
  batch.mutable_events(3)->set_process(99);
  // 5: a process name over kMaxNameBytes.
  batch.add_strings(std::string(kMaxNameBytes + 1, 'n'));
  batch.mutable_processes(4)->set_name(dict_size);
  // 6: too many arguments.
  for (size_t i = 0; i < kMaxArgs; ++i) batch.mutable_processes(5)->add_args(0);
  // 7: argv over the total bound (5 args of 4000 bytes, each under kMaxArgBytes).
  batch.add_strings(std::string(4000, 'a'));
  batch.mutable_processes(6)->clear_args();
  for (int i = 0; i < 5; ++i) batch.mutable_processes(6)->add_args(dict_size + 1);

  std::vector<NetworkEvent> decoded;
  RejectTally rejects;
  BatchDecoder decoder;
  ASSERT_TRUE(decoder.Decode(batch, nullptr, &decoded, &rejects).ok());
  ASSERT_EQ(decoded.size(), 1u);
  EXPECT_EQ(decoded[0], events[7]);
  EXPECT_EQ(rejects.total(), 7u);
  EXPECT_EQ(rejects.counts[static_cast<size_t>(RejectReason::kInvalidValue)], 4u);
  EXPECT_EQ(rejects.counts[static_cast<size_t>(RejectReason::kOversizeField)], 3u);
  ASSERT_EQ(rejects.samples.size(), RejectTally::kMaxSamples);
  EXPECT_EQ(rejects.samples[0].line_number, 1u);
  EXPECT_NE(rejects.samples[0].error.detail.find("process.executable"), std::string::npos);
  EXPECT_EQ(rejects.samples[1].line_number, 2u);
  EXPECT_NE(rejects.samples[1].error.detail.find("source.ip"), std::string::npos);
  EXPECT_NE(rejects.samples[2].error.detail.find("destination.port"), std::string::npos);
  EXPECT_NE(rejects.samples[3].error.detail.find("process index"), std::string::npos);
  EXPECT_NE(rejects.samples[4].error.detail.find("process.name"), std::string::npos);
}

TEST(BatchCodecTest, EmptyBatch) {
  BatchEncoder encoder(false);
  const v1::EventBatch batch = encoder.Encode(3, std::vector<NetworkEvent>{});
  EXPECT_EQ(batch.events_size(), 0);
  BatchDecoder decoder;
  std::vector<NetworkEvent> decoded;
  RejectTally rejects;
  EXPECT_TRUE(decoder.Decode(batch, nullptr, &decoded, &rejects).ok());
  EXPECT_TRUE(decoded.empty());
}

}  // namespace
}  // namespace ulna
