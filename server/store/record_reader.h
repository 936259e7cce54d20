// RecordReader: ByteReader plus the checked narrow reads (u32, u16, bool, lists) the stored
// alert and exception encodings need; any out-of-range value or truncation latches a failure
// that the decoder checks once at the end. Private to server/store. Not thread-safe.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "common/byte_codec.h"

namespace ulna::server {

// Lists in stored records are small (bounded context lists); a larger count means corruption.
inline constexpr uint64_t kMaxStoredListSize = 1 << 16;

class RecordReader {
 public:
  explicit RecordReader(std::string_view bytes) : in_(bytes) {}

  uint64_t Varint() { return in_.Varint(); }
  int64_t SignedVarint() { return in_.SignedVarint(); }
  double Double() { return in_.Double(); }
  std::string String() { return in_.String(); }
  uint32_t U32() { return static_cast<uint32_t>(Bounded(std::numeric_limits<uint32_t>::max())); }
  uint16_t U16() { return static_cast<uint16_t>(Bounded(std::numeric_limits<uint16_t>::max())); }
  bool Bool() { return Bounded(1) == 1; }
  std::vector<std::string> Strings() {
    std::vector<std::string> values;
    const uint64_t n = in_.Count(kMaxStoredListSize);
    for (uint64_t i = 0; i < n && in_.ok(); ++i) values.push_back(in_.String());
    return values;
  }
  std::vector<uint16_t> U16s() {
    std::vector<uint16_t> values;
    const uint64_t n = in_.Count(kMaxStoredListSize);
    for (uint64_t i = 0; i < n && ok(); ++i) values.push_back(U16());
    return values;
  }
  std::vector<int64_t> SignedVarints() {
    std::vector<int64_t> values;
    const uint64_t n = in_.Count(kMaxStoredListSize);
    for (uint64_t i = 0; i < n && in_.ok(); ++i) values.push_back(in_.SignedVarint());
    return values;
  }

  bool ok() const { return in_.ok() && !out_of_range_; }
  // True when every byte was consumed without failure (trailing bytes are corruption too).
  bool complete() const { return ok() && in_.done(); }

 private:
  uint64_t Bounded(uint64_t max) {
    const uint64_t value = in_.Varint();
    if (value > max) out_of_range_ = true;
    return value;
  }

  ByteReader in_;
  bool out_of_range_ = false;
};

// The matching writes for the list forms above.
inline void WriteStrings(ByteWriter* out, const std::vector<std::string>& values) {
  out->Varint(values.size());
  for (const std::string& value : values) out->String(value);
}

inline void WriteU16s(ByteWriter* out, const std::vector<uint16_t>& values) {
  out->Varint(values.size());
  for (uint16_t value : values) out->Varint(value);
}

inline void WriteSignedVarints(ByteWriter* out, const std::vector<int64_t>& values) {
  out->Varint(values.size());
  for (int64_t value : values) out->SignedVarint(value);
}

}  // namespace ulna::server
