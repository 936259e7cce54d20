#include "common/batch_codec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <limits>
#include <unordered_map>

#include "common/line_reader.h"

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
  p.args = {EventString("/usr/bin/" + name), "-v", "--config",
            EventString("/etc/" + name + ".conf")};
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

std::string IpBytes(const IpAddress& ip) {
  return std::string(reinterpret_cast<const char*>(ip.bytes().data()), ip.is_v4() ? 4 : 16);
}

// The encoder as it was before it wrote the wire format itself: it builds the EventBatch message
// with protobuf (one dictionary per stream, reset per batch when self-contained), so that
// protobuf's serializer is the oracle the writer's bytes are compared with. (Its process key is
// the entry's serialised form, equal exactly when the old key of its fields was.)
class ReferenceEncoder {
 public:
  explicit ReferenceEncoder(bool self_contained) : self_contained_(self_contained) {}

  std::string EncodeToString(uint64_t sequence, const std::vector<NetworkEvent>& events) {
    v1::EventBatch batch;
    batch.set_sequence(sequence);
    batch.set_self_contained(self_contained_);
    if (self_contained_) {
      ids_.clear();
      next_id_ = 1;
    }
    batch.set_string_base(next_id_);
    auto intern = [&](std::string_view view) -> uint32_t {
      if (view.empty()) return 0;
      const std::string s(view);
      const auto [it, inserted] = ids_.try_emplace(s, next_id_);
      if (inserted) {
        batch.add_strings(s);
        ++next_id_;
      }
      return it->second;
    };
    std::unordered_map<std::string, uint32_t> process_index;
    const int64_t base_time = events.empty() ? 0 : events.front().time_ns;
    batch.set_base_time_ns(base_time);
    int64_t prev_time = base_time;
    for (const NetworkEvent& e : events) {
      const ProcessInfo& p = e.process;
      v1::CompactProcess proc;
      proc.set_pid(p.pid);
      proc.set_ppid(p.ppid);
      proc.set_start_time_ns(p.start_time_ns);
      proc.set_uid(p.uid);
      proc.set_gid(p.gid);
      proc.set_name(intern(p.name));
      proc.set_executable(intern(p.executable));
      for (const auto& arg : p.args) proc.add_args(intern(arg));
      proc.set_working_directory(intern(p.working_directory));
      proc.set_user_name(intern(p.user_name));
      proc.set_parent_name(intern(p.parent_name));
      proc.set_parent_executable(intern(p.parent_executable));
      proc.set_container_id(intern(p.container_id));
      proc.set_entity_id(intern(p.entity_id));
      if (self_contained_) {
        proc.set_host_id(intern(e.host.id));
        proc.set_host_name(intern(e.host.name));
      }
      const auto [it, inserted] = process_index.try_emplace(
          proc.SerializeAsString(), static_cast<uint32_t>(batch.processes_size()));
      if (inserted) *batch.add_processes() = proc;
      v1::CompactEvent* ce = batch.add_events();
      ce->set_time_delta_ns(static_cast<int64_t>(static_cast<uint64_t>(e.time_ns) -
                                                 static_cast<uint64_t>(prev_time)));
      prev_time = e.time_ns;
      ce->set_process(it->second);
      ce->set_ingress(e.direction == Direction::kIngress);
      ce->set_udp(e.transport == Transport::kUdp);
      ce->set_source_ip(IpBytes(e.source_ip));
      ce->set_source_port(e.source_port);
      ce->set_destination_ip(IpBytes(e.destination_ip));
      ce->set_destination_port(e.destination_port);
      ce->set_netns_inode(e.netns_inode);
      ce->set_cgroup_id(e.cgroup_id);
      ce->set_repeat_count(e.repeat_count);
    }
    return batch.SerializeAsString();
  }

 private:
  bool self_contained_;
  std::unordered_map<std::string, uint32_t> ids_;
  uint32_t next_id_ = 1;
};

// Events that reach every branch of the writer: zero and extreme values (skipped fields,
// ten-byte varints, negative deltas), IPv6, strings and process bodies of 128 bytes or more
// (two-byte lengths), repeated and distinct processes, hosts and strings shared across fields.
std::vector<NetworkEvent> AwkwardEvents() {
  std::vector<NetworkEvent> events;
  events.push_back(MakeEvent(1000, "web-1", "curl", 10));
  events.push_back(MakeEvent(1000, "web-1", "curl", 10));  // same process, zero delta
  events.push_back(MakeEvent(900, "web-2", "curl", 10));   // other host, negative delta
  NetworkEvent zero;                                       // every field at its default
  events.push_back(zero);
  NetworkEvent extreme = MakeEvent(std::numeric_limits<int64_t>::max(), "h", "x", ~0u);
  extreme.process.start_time_ns = -1;
  extreme.process.ppid = ~0u;
  extreme.process.uid = ~0u;
  extreme.cgroup_id = ~uint64_t{0};
  extreme.netns_inode = ~0u;
  extreme.repeat_count = ~0u;
  extreme.source_port = 65535;
  extreme.direction = Direction::kIngress;
  extreme.transport = Transport::kUdp;
  extreme.source_ip = Ip("2001:db8::1");
  extreme.destination_ip = Ip("::");
  events.push_back(extreme);
  events.push_back(MakeEvent(std::numeric_limits<int64_t>::min(), "h", "y", 3));
  for (int i = 0; i < 300; ++i) {  // enough distinct strings to grow the dictionary's index
    events.push_back(MakeEvent(6000 + i, "host-" + std::to_string(i % 7),
                               "proc-" + std::to_string(i % 40), static_cast<uint32_t>(i % 90)));
  }
  // Last, so that its strings get ids of two bytes: a packed argv and a body over 127 bytes.
  NetworkEvent long_strings = MakeEvent(5000, "web-1", "java", 20);
  long_strings.process.executable = std::string(300, 'e');
  long_strings.process.args.clear();
  for (size_t i = 0; i < kMaxArgs; ++i)
    long_strings.process.args.emplace_back("a" + std::to_string(i));
  long_strings.process.container_id = "web-1";  // a string also used as a host name
  events.push_back(long_strings);
  events.push_back(long_strings);
  // Other processes of its program, whose entries repeat the program's bytes from that long
  // entry (moved up for its two-byte length), then a long one of another program.
  long_strings.process.pid = 21;
  events.push_back(long_strings);
  long_strings.host = {"id-web-2", "web-2"};
  events.push_back(long_strings);
  long_strings.process.executable = "e";
  events.push_back(long_strings);
  return events;
}

std::string SharedDir() {
  const char* env = std::getenv("ULNA_SHARED");
  return env != nullptr ? env : ULNA_SHARED_DIR;
}

TEST(BatchCodecTest, WritesTheBytesProtobufWould) {
  const std::vector<NetworkEvent> events = AwkwardEvents();
  for (const bool self_contained : {true, false}) {
    SCOPED_TRACE(self_contained ? "self-contained" : "stream");
    BatchEncoder encoder(self_contained);
    BatchEncoder message_encoder(self_contained);  // the same batches, as messages
    BatchEncoder parts_encoder(self_contained);    // the same batches, as pieces
    ReferenceEncoder reference(self_contained);
    BatchDecoder decoder;
    // Batches of several sizes in turn, so that the stream dictionary carries over and the
    // reused tables see both small and large batches, and small ones after a large one (the
    // tables are sized to each batch); the last takes the rest.
    size_t begin = 0;
    uint64_t sequence = 0;
    for (const size_t size : {0, 1, 3, 7, 2, 250, 1, 5, 400}) {
      const size_t end = std::min(events.size(), begin + size);
      const std::vector<NetworkEvent> batch(events.begin() + begin, events.begin() + end);
      begin = end;
      ++sequence;
      const std::string bytes = encoder.EncodeToString(sequence, batch);
      ASSERT_EQ(bytes, reference.EncodeToString(sequence, batch)) << "batch " << sequence;
      std::string joined;  // the pieces, from an encoder that has seen the same batches
      for (std::string_view part : parts_encoder.EncodeParts(sequence, batch)) joined += part;
      ASSERT_EQ(joined, bytes) << "batch " << sequence;
      ASSERT_EQ(message_encoder.Encode(sequence, batch).SerializeAsString(), bytes);
      // And it decodes to the events (host fields travel only in self-contained batches).
      v1::EventBatch message;
      ASSERT_TRUE(message.ParseFromString(bytes));
      std::vector<NetworkEvent> decoded;
      RejectTally rejects;
      ASSERT_TRUE(decoder.Decode(message, nullptr, &decoded, &rejects).ok());
      EXPECT_EQ(rejects.total(), 0u);
      EXPECT_EQ(decoded, self_contained ? batch : WithoutHost(batch));
      if (end == events.size()) {  // the last batch holds the long process entries
        EXPECT_EQ(std::count_if(message.processes().begin(), message.processes().end(),
                                [](const auto& p) { return p.ByteSizeLong() >= 128; }),
                  self_contained ? 4 : 3);  // a stream's processes have no host
      }
    }
  }
}

// Events built by a producer that did not bound process.args (the encoder must not assume
// kMaxArgs): the bytes are still protobuf's, whatever the count.
TEST(BatchCodecTest, WritesUnboundedArgsAsProtobufWould) {
  NetworkEvent event;
  event.host = {"h", "h"};
  event.process.name = "many";
  for (int i = 0; i < 3000; ++i) event.process.args.emplace_back("arg" + std::to_string(i));
  const std::vector<NetworkEvent> batch = {event};
  BatchEncoder encoder(/*self_contained=*/true);
  ReferenceEncoder reference(/*self_contained=*/true);
  EXPECT_EQ(encoder.EncodeToString(1, batch), reference.EncodeToString(1, batch));
}

// The same comparison on the first events of a real archive, in the event log's batch size.
TEST(BatchCodecTest, WritesTheBytesProtobufWouldForScenarioEvents) {
  auto reader = LineReader::Open(SharedDir() + "/scenarios/dev1/events.ndjson.gz");
  if (!reader.ok()) GTEST_SKIP() << "scenario archive not found";
  EcsEventParser parser;
  std::vector<NetworkEvent> batch;
  NetworkEvent event;
  ParseError error;
  BatchEncoder encoder(/*self_contained=*/true);
  ReferenceEncoder reference(/*self_contained=*/true);
  std::string_view line;
  size_t compared = 0;
  while (compared < 20000 && (*reader)->Next(&line)) {
    if (!parser.Parse(line, &event, &error)) continue;
    batch.push_back(event);
    if (batch.size() == 4096) {
      ASSERT_EQ(encoder.EncodeToString(1, batch), reference.EncodeToString(1, batch));
      compared += batch.size();
      batch.clear();
    }
  }
  EXPECT_GT(compared, 0u);
}

// The event log's batches as a replay cuts them (dev1: ~76 events from ~30 hosts, over half of
// the processes new to a batch running a program an earlier one ran): blocks of the scenarios'
// events sorted by time, cut into 5-minute batches, each compared with protobuf's bytes.
TEST(BatchCodecTest, WritesTheBytesProtobufWouldForScenarioBatchesAsReplayCutsThem) {
  constexpr size_t kEventsPerBlock = 290;            // ~256 KB of lines
  constexpr int64_t kBatchSpanNs = 300'000'000'000;  // the event log's kMaxBatchSpanNs
  for (const char* scenario : {"dev1", "dev2"}) {
    SCOPED_TRACE(scenario);
    auto reader = LineReader::Open(SharedDir() + "/scenarios/" + scenario + "/events.ndjson.gz");
    if (!reader.ok()) GTEST_SKIP() << "scenario archive not found";
    EcsEventParser parser;
    NetworkEvent event;
    ParseError error;
    BatchEncoder encoder(/*self_contained=*/true);
    ReferenceEncoder reference(/*self_contained=*/true);
    std::vector<NetworkEvent> block;
    size_t compared = 0;
    auto encode_block = [&] {
      std::stable_sort(block.begin(), block.end(),
                       [](const auto& a, const auto& b) { return a.time_ns < b.time_ns; });
      for (size_t begin = 0; begin < block.size();) {
        size_t end = begin + 1;
        while (end < block.size() && block[end].time_ns - block[begin].time_ns < kBatchSpanNs) {
          ++end;
        }
        const std::vector<NetworkEvent> batch(block.begin() + begin, block.begin() + end);
        ASSERT_EQ(encoder.EncodeToString(compared, batch),
                  reference.EncodeToString(compared, batch));
        compared += batch.size();
        begin = end;
      }
      block.clear();
    };
    std::string_view line;
    while (compared < 60000 && (*reader)->Next(&line)) {
      if (!parser.Parse(line, &event, &error)) continue;
      block.push_back(event);
      if (block.size() == kEventsPerBlock) encode_block();
    }
    encode_block();
    EXPECT_GT(compared, 0u);
  }
}

// Process names and arguments are the kernel's bytes, not always UTF-8: they must survive the
// message form, the wire (an agent's batch parsed by the server) and the stored bytes (parsed
// back by the event log), where a proto3 string field would fail the whole parse.
TEST(BatchCodecTest, StringsThatAreNotUtf8SurviveTheWire) {
  NetworkEvent e = MakeEvent(1, "h", "bad\xff\xfename", 5);
  e.process.args.push_back("\xc3(");
  // Parses `bytes` as protobuf does on receipt or when reading the log, and decodes them.
  auto expect_round_trip = [&e](const std::string& bytes) {
    v1::EventBatch parsed;
    ASSERT_TRUE(parsed.ParseFromString(bytes));
    BatchDecoder decoder;
    std::vector<NetworkEvent> decoded;
    RejectTally rejects;
    ASSERT_TRUE(decoder.Decode(parsed, nullptr, &decoded, &rejects).ok());
    ASSERT_EQ(decoded.size(), 1u);
    EXPECT_EQ(decoded[0].process, e.process);
  };
  for (const bool self_contained : {true, false}) {
    BatchEncoder encoder(self_contained);
    expect_round_trip(encoder.Encode(1, {e}).SerializeAsString());  // an agent's batch
  }
  BatchEncoder stored(/*self_contained=*/true);
  const std::vector<NetworkEvent> events = {e};
  expect_round_trip(stored.EncodeToString(1, events));  // a stored batch
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

// Events share a process table entry only when every process field (and, self-contained, the
// host) is equal: each event here differs from the first in one field, with strings of the same
// size (the entry's hash covers sizes), so only the comparison can tell them apart.
TEST(BatchCodecTest, ProcessesThatDifferInOneFieldGetTheirOwnEntries) {
  const NetworkEvent base = MakeEvent(10, "db-1", "postgres", 100);
  std::vector<NetworkEvent> events = {base, base};  // one repeat: one entry for both
  auto differing = [&](const std::function<void(NetworkEvent&)>& change) {
    NetworkEvent e = base;
    change(e);
    events.push_back(e);
  };
  // Any string of an event: the host's (std::string) or the process's (EventString).
  auto flip_last = [](auto& s) { s.back() = s.back() == 'x' ? 'y' : 'x'; };
  auto flip_first = [](auto& s) { s.front() = s.front() == 'x' ? 'y' : 'x'; };
  differing([](NetworkEvent& e) { e.process.pid += 1; });
  differing([](NetworkEvent& e) { e.process.ppid += 1; });
  differing([](NetworkEvent& e) { e.process.start_time_ns += 1; });
  differing([](NetworkEvent& e) { e.process.uid += 1; });
  differing([](NetworkEvent& e) { e.process.gid += 1; });
  differing([&](NetworkEvent& e) { flip_last(e.process.name); });
  differing([&](NetworkEvent& e) { flip_first(e.process.executable); });
  differing([&](NetworkEvent& e) { flip_last(e.process.executable); });
  differing([&](NetworkEvent& e) { flip_last(e.process.args[1]); });
  differing([&](NetworkEvent& e) { flip_first(e.process.args[3]); });
  differing([&](NetworkEvent& e) { std::swap(e.process.args[1], e.process.args[2]); });
  differing([&](NetworkEvent& e) { flip_last(e.process.working_directory); });
  differing([&](NetworkEvent& e) { flip_first(e.process.user_name); });
  differing([&](NetworkEvent& e) { flip_last(e.process.parent_name); });
  differing([&](NetworkEvent& e) { flip_last(e.process.parent_executable); });
  differing([&](NetworkEvent& e) { e.process.container_id = "c"; });
  differing([&](NetworkEvent& e) { flip_last(e.process.entity_id); });
  differing([&](NetworkEvent& e) { flip_first(e.host.id); });
  differing([&](NetworkEvent& e) { flip_last(e.host.name); });
  events.push_back(base);  // the first entry again, after the others

  BatchEncoder encoder(/*self_contained=*/true);
  // Most differences leave the program's hash as it was (sizes, the executable): the program
  // table must tell them apart by the compare.
  EXPECT_EQ(encoder.EncodeToString(1, events),
            ReferenceEncoder(/*self_contained=*/true).EncodeToString(1, events));
  const v1::EventBatch batch = encoder.Encode(1, events);
  EXPECT_EQ(batch.processes_size(), static_cast<int>(events.size()) - 2);
  EXPECT_EQ(batch.events(1).process(), 0u);
  EXPECT_EQ(batch.events(static_cast<int>(events.size()) - 1).process(), 0u);
  std::vector<NetworkEvent> decoded;
  RejectTally rejects;
  BatchDecoder decoder;
  ASSERT_TRUE(decoder.Decode(batch, nullptr, &decoded, &rejects).ok());
  EXPECT_EQ(decoded, events);
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
