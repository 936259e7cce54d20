// Batch codec: NetworkEvents to and from the compact wire/storage form ulna.v1.EventBatch —
// strings sent once per stream by dictionary id, processes once per batch, delta-coded times.
// An encoder/decoder pair holds one stream's dictionary; self-contained mode (storage, files)
// starts a fresh dictionary in every batch. Not thread-safe: one pair per stream.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/ecs_codec.h"
#include "common/event.h"
#include "common/status.h"
#include "ulna/v1/events.pb.h"

namespace ulna {

class BatchEncoder {
 public:
  // self_contained: each batch carries every string it uses and the host fields of events.
  explicit BatchEncoder(bool self_contained) : self_contained_(self_contained) {}
  v1::EventBatch Encode(uint64_t sequence, std::span<const NetworkEvent> events);
  // Encode, serialised: the batch is built in an arena, for callers that only store the bytes.
  std::string EncodeToString(uint64_t sequence, std::span<const NetworkEvent> events);
  v1::EventBatch Encode(uint64_t sequence, const std::vector<NetworkEvent>& events) {
    return Encode(sequence, std::span<const NetworkEvent>(events));
  }

 private:
  void Fill(uint64_t sequence, std::span<const NetworkEvent> events, v1::EventBatch* batch);

  bool self_contained_;
  std::unordered_map<std::string, uint32_t> ids_;  // stream dictionary (stream mode)
  uint32_t next_id_ = 1;                           // id 0 is the empty string
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
