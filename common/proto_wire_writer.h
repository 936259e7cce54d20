// ProtoWireWriter: appends protobuf wire format to a std::string, field by field, for encoders
// that are hot enough that building messages and serialising them costs too much. It writes
// proto3 fields the way protobuf's serializer does (default values of implicit-presence fields
// are skipped, repeated scalars are packed), so a caller that writes fields in field-number order
// produces the serializer's exact bytes. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

namespace ulna {

// The varint-typed fields, for both writers below (each has Varint(uint64_t)): uint32, uint64,
// int64 (negative: ten bytes, as protobuf does), bool, and sint64 (zig-zag, so that small
// negative values stay small); each skipped when 0, as proto3 does.
template <typename Writer>
class VarintFields {
 public:
  void Uint(uint32_t field, uint64_t value) {
    if (value == 0) return;
    self().Varint(field << 3);  // wire type 0: varint
    self().Varint(value);
  }
  void Int(uint32_t field, int64_t value) { Uint(field, static_cast<uint64_t>(value)); }
  void Bool(uint32_t field, bool value) { Uint(field, value ? 1 : 0); }
  void Sint(uint32_t field, int64_t value) {
    Uint(field, (static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63));
  }

 private:
  Writer& self() { return static_cast<Writer&>(*this); }
};

// Writes wire format at a raw pointer, for hot loops that reserve room for a whole message once
// (see the k*Bytes bounds) instead of having every byte checked against a string's capacity.
// The caller guarantees the room.
class WireCursor : public VarintFields<WireCursor> {
 public:
  static constexpr size_t kMaxVarintBytes = 10;

  explicit WireCursor(char* p) : p_(p) {}
  char* position() const { return p_; }

  void Varint(uint64_t value) {
    while (value >= 0x80) {
      *p_++ = static_cast<char>(value | 0x80);
      value >>= 7;
    }
    *p_++ = static_cast<char>(value);
  }
  // A singular bytes field of at most 127 bytes (skipped when empty); field numbers below 16.
  void ShortBytes(uint32_t field, std::string_view value) {
    if (value.empty()) return;
    *p_++ = static_cast<char>(field << 3 | 2);
    *p_++ = static_cast<char>(value.size());
    std::memcpy(p_, value.data(), value.size());
    p_ += value.size();
  }
  // A packed repeated uint32 field (skipped when empty) of at most 2^14 - 1 bytes.
  void PackedUint32(uint32_t field, std::span<const uint32_t> values) {
    if (values.empty()) return;
    size_t bytes = 0;
    for (uint32_t v : values) bytes += VarintSize(v);
    *p_++ = static_cast<char>(field << 3 | 2);
    Varint(bytes);
    for (uint32_t v : values) Varint(v);
  }
  // The bytes Varint writes for `value`.
  static size_t VarintSize(uint64_t value) {
    return static_cast<size_t>(((64 - __builtin_clzll(value | 1)) * 9 + 64) / 64);
  }
  // An embedded message whose body is known to be under 128 bytes: one length byte; field
  // numbers below 16.
  char* BeginShortNested(uint32_t field) {
    *p_++ = static_cast<char>(field << 3 | 2);
    return p_++;
  }
  void EndShortNested(char* length_at) { *length_at = static_cast<char>(p_ - length_at - 1); }

 private:
  char* p_;
};

class ProtoWireWriter : public VarintFields<ProtoWireWriter> {
 public:
  explicit ProtoWireWriter(std::string* out) : out_(out) {}

  // Sizes of varints, e.g. for a packed field's length before its body.
  static size_t VarintSize(uint64_t value) {
    // (bits + 6) / 7 with at least one byte: 0..127 -> 1, ..., >= 2^63 -> 10.
    return WireCursor::VarintSize(value);
  }

  void Varint(uint64_t value) {
    char buffer[WireCursor::kMaxVarintBytes];
    WireCursor cursor(buffer);
    cursor.Varint(value);
    out_->append(buffer, static_cast<size_t>(cursor.position() - buffer));
  }

  // A singular bytes/string field (skipped when empty).
  void Bytes(uint32_t field, std::string_view value) {
    if (!value.empty()) RepeatedBytes(field, value);
  }
  // One element of a repeated bytes/string field (written even when empty).
  void RepeatedBytes(uint32_t field, std::string_view value) {
    Tag(field, kLengthDelimited);
    Varint(value.size());
    out_->append(value);
  }
  // A packed repeated uint32 field (skipped when empty).
  void PackedUint32(uint32_t field, std::span<const uint32_t> values) {
    if (values.empty()) return;
    size_t bytes = 0;
    for (uint32_t v : values) bytes += VarintSize(v);
    Tag(field, kLengthDelimited);
    Varint(bytes);
    for (uint32_t v : values) Varint(v);
  }

  // A length-delimited field (an embedded message) whose length is known only once its body is
  // written: BeginNested writes the tag and one length byte, EndNested fills it in and, for a
  // body of 128 bytes or more, moves the body to make room for a longer length.
  size_t BeginNested(uint32_t field) {
    Tag(field, kLengthDelimited);
    out_->push_back('\0');
    return out_->size();
  }
  void EndNested(size_t body_start) {
    const size_t length = out_->size() - body_start;
    if (length < 0x80) {
      (*out_)[body_start - 1] = static_cast<char>(length);
      return;
    }
    std::string prefix;
    ProtoWireWriter(&prefix).Varint(length);
    out_->replace(body_start - 1, 1, prefix);
  }

  static constexpr uint32_t kLengthDelimited = 2;
  void Tag(uint32_t field, uint32_t wire_type) { Varint((field << 3) | wire_type); }

 private:
  std::string* out_;
};

}  // namespace ulna
