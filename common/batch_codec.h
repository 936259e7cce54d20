// Batch codec: NetworkEvents to and from the compact wire/storage form ulna.v1.EventBatch —
// strings sent once per stream by dictionary id, processes once per batch, delta-coded times.
// An encoder/decoder pair holds one stream's dictionary; self-contained mode (storage, files)
// starts a fresh dictionary in every batch. Not thread-safe: one pair per stream.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/ecs_codec.h"
#include "common/event.h"
#include "common/flat_id_table.h"
#include "common/proto_wire_writer.h"
#include "common/status.h"
#include "ulna/v1/events.pb.h"

namespace ulna {

class BatchEncoder {
 public:
  // self_contained: each batch carries every string it uses and the host fields of events.
  explicit BatchEncoder(bool self_contained) : self_contained_(self_contained) {}
  // The serialised batch, written straight in wire format (the bytes protobuf's serializer
  // would produce for the same message), for callers that only keep the bytes (the event log).
  std::string EncodeToString(uint64_t sequence, std::span<const NetworkEvent> events);
  // The same bytes as EncodeToString, as consecutive pieces that view this encoder's buffers
  // (valid until its next call), for a caller that copies them anyway (into a RocksDB batch):
  // the whole batch is never assembled in a string of its own.
  using Parts = std::array<std::string_view, 6>;
  Parts EncodeParts(uint64_t sequence, std::span<const NetworkEvent> events);
  // The same batch as a message, for callers that need one.
  v1::EventBatch Encode(uint64_t sequence, std::span<const NetworkEvent> events);
  v1::EventBatch Encode(uint64_t sequence, const std::vector<NetworkEvent>& events) {
    return Encode(sequence, std::span<const NetworkEvent>(events));
  }

 private:
  // Fills the dictionary and this batch's wire fields; *string_base: its first new string id.
  void EncodeFields(std::span<const NetworkEvent> events, uint32_t* string_base);
  // The batch in wire format, as pieces; without its strings when `with_strings` is false.
  Parts EncodeBatch(uint64_t sequence, std::span<const NetworkEvent> events, bool with_strings);
  // The dictionary id of `s` (0 for ""), adding it to the batch's strings when new; `hash` is
  // HashBytes(s).
  uint32_t InternHashed(std::string_view s, uint64_t hash);
  // The same, hashing `s` first: inlined into the callers in batch_codec.cc (the only ones).
  uint32_t Intern(std::string_view s);
  // The index of `event`'s entry in the batch's process table, adding it when new.
  uint32_t InternProcess(const NetworkEvent& event);
  // Writes `event`'s CompactProcess to processes_field_; host_id_hash: HashBytes(host id).
  void WriteProcess(const NetworkEvent& event, uint64_t host_id_hash);
  // Writes the program fields of `p` (name to container_id) at *w, copying them from an
  // earlier process of the batch that runs the same program.
  void WriteProgram(const ProcessInfo& p, WireCursor* w);

  bool self_contained_;
  // The dictionary: id -> string and an index over it. Self-contained batches view the events'
  // own strings (alive while a batch is encoded); a stream dictionary owns copies of them.
  FlatIdTable string_index_;
  std::vector<std::string_view> strings_{std::string_view()};  // id 0 is the empty string
  std::deque<std::string> owned_strings_;                      // stream mode only
  // This batch's process table: entry i is the process (and host, when self-contained) of
  // *process_events_[i], its first event in the batch.
  FlatIdTable process_index_;
  std::vector<const NetworkEvent*> process_events_;
  // This batch's programs: the fields of a process that many processes share (dev1: over half
  // of a batch's processes run a program that an earlier one ran, on another host or with
  // another pid). Entry i's fields are those of *programs_[i].process, written at `offset` in
  // processes_field_: a process of the same program copies those bytes instead of interning
  // its strings again (the same strings have the same ids).
  struct Program {
    const ProcessInfo* process;
    uint32_t offset;
    uint32_t size;
  };
  FlatIdTable program_index_;
  std::vector<Program> programs_;
  // Reused across batches, so that encoding allocates only the returned string.
  // EventBatch.strings elements, wire format: the first strings_bytes_ bytes (the rest is room).
  std::string strings_field_;
  size_t strings_bytes_ = 0;
  // EventBatch.processes elements, wire format: the first processes_bytes_ bytes (the rest is
  // room).
  std::string processes_field_;
  size_t processes_bytes_ = 0;
  // EventBatch.events elements, wire format: the first events_bytes_ bytes (the rest is room).
  std::string events_field_;
  size_t events_bytes_ = 0;
  // The batch's scalar fields before, between and after the repeated ones.
  std::string head_;    // sequence, string_base
  std::string middle_;  // base_time_ns
  std::string tail_;    // self_contained
  std::vector<uint32_t> arg_ids_;
};

class BatchDecoder {
 public:
  // Decodes `batch` into *events. Bad events (ids out of range, bad addresses, oversize
  // strings) are skipped and counted in *rejects; a batch whose dictionary does not continue
  // this stream's (string_base mismatch) is rejected whole with InvalidArgument.
  // Events take `host` when it is non-null (credential identity), else the batch's host fields.
  // Decoded events are appended to *events; rejects are numbered by 1-based position in the
  // batch. A self-contained batch (string_base 1) leaves the stream dictionary untouched.
  Status Decode(const v1::EventBatch& batch, const HostInfo* host,
                std::vector<NetworkEvent>* events, RejectTally* rejects);

 private:
  std::vector<std::string> strings_{""};  // id -> string; id 0 = ""
};

}  // namespace ulna
