#include "common/proto_wire_writer.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "ulna/v1/events.pb.h"

namespace ulna {
namespace {

TEST(ProtoWireWriterTest, VarintSizeMatchesWhatVarintWrites) {
  for (int bits = 0; bits <= 64; ++bits) {
    for (const uint64_t value : {bits == 0 ? 0 : (uint64_t{1} << (bits - 1)),
                                 bits == 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1}) {
      std::string out;
      ProtoWireWriter(&out).Varint(value);
      EXPECT_EQ(ProtoWireWriter::VarintSize(value), out.size()) << value;
    }
  }
}

// Fields written in number order are what protobuf's serializer writes for the same message,
// including skipped defaults, packed repeated fields and nested bodies of 128 bytes or more.
TEST(ProtoWireWriterTest, MatchesProtobufsSerializer) {
  v1::CompactProcess expected;
  expected.set_pid(7);
  expected.set_start_time_ns(-5);
  expected.set_name(300);
  for (uint32_t i = 0; i < 100; ++i) expected.add_args(i * 1000);
  expected.set_host_name(1);

  std::string body;
  ProtoWireWriter w(&body);
  w.Uint(1, 7);
  w.Uint(2, 0);  // skipped
  w.Int(3, -5);
  w.Uint(6, 300);
  std::vector<uint32_t> args;
  for (uint32_t i = 0; i < 100; ++i) args.push_back(i * 1000);
  w.PackedUint32(8, args);
  w.Uint(16, 1);
  EXPECT_EQ(body, expected.SerializeAsString());

  v1::EventBatch batch;
  *batch.add_processes() = expected;
  batch.add_strings("");
  v1::CompactEvent* event = batch.add_events();
  event->set_time_delta_ns(-3);
  event->set_ingress(true);
  event->set_source_ip(std::string(16, '\1'));
  std::string out;
  ProtoWireWriter b(&out);
  b.RepeatedBytes(3, "");
  size_t start = b.BeginNested(5);
  out.append(body);
  b.EndNested(start);
  start = b.BeginNested(6);
  b.Sint(1, -3);
  b.Bool(3, true);
  b.Bool(4, false);
  b.Bytes(5, std::string(16, '\1'));
  b.Bytes(7, "");
  b.EndNested(start);
  EXPECT_EQ(out, batch.SerializeAsString());
}

}  // namespace
}  // namespace ulna
