// ByteWriter / ByteReader: the small versioned binary encoding ULNA uses for state it keeps in
// RocksDB (histories, model state): varints, fixed64, doubles and length-prefixed strings.
// The reader bounds-checks every read and latches the first failure, so decoders can read a whole
// record and check ok() once. Not thread-safe.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace ulna {

class ByteWriter {
 public:
  explicit ByteWriter(std::string* out) : out_(out) {}
  void Varint(uint64_t value) {
    while (value >= 0x80) {
      out_->push_back(static_cast<char>(value | 0x80));
      value >>= 7;
    }
    out_->push_back(static_cast<char>(value));
  }
  // Zig-zag, so that small negative numbers stay small.
  void SignedVarint(int64_t value) {
    Varint((static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63));
  }
  void Double(double value) {
    uint64_t bits;
    std::memcpy(&bits, &value, sizeof(bits));
    for (int i = 0; i < 8; ++i) out_->push_back(static_cast<char>(bits >> (8 * i)));
  }
  void String(std::string_view value) {
    Varint(value.size());
    out_->append(value);
  }

 private:
  std::string* out_;
};

class ByteReader {
 public:
  explicit ByteReader(std::string_view in) : in_(in) {}
  uint64_t Varint() {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= in_.size()) return Fail();
      const uint8_t byte = static_cast<uint8_t>(in_[pos_++]);
      value |= uint64_t{byte & 0x7fu} << shift;
      if ((byte & 0x80) == 0) return value;
    }
    return Fail();
  }
  int64_t SignedVarint() {
    const uint64_t raw = Varint();
    return static_cast<int64_t>((raw >> 1) ^ (~(raw & 1) + 1));
  }
  double Double() {
    if (in_.size() - pos_ < 8) return static_cast<double>(Fail());
    uint64_t bits = 0;
    for (int i = 0; i < 8; ++i) bits |= uint64_t{static_cast<uint8_t>(in_[pos_++])} << (8 * i);
    double value;
    std::memcpy(&value, &bits, sizeof(value));
    return value;
  }
  std::string String() {
    const uint64_t size = Varint();
    if (!ok_ || size > in_.size() - pos_) {
      Fail();
      return {};
    }
    std::string value(in_.substr(pos_, size));
    pos_ += size;
    return value;
  }
  // Bounds a count read from the input (e.g. a vector size) before it is used to allocate.
  uint64_t Count(uint64_t max) {
    const uint64_t n = Varint();
    if (n > max) return Fail();
    return n;
  }
  bool ok() const { return ok_; }
  bool done() const { return pos_ == in_.size(); }

 private:
  uint64_t Fail() {
    ok_ = false;
    pos_ = in_.size();
    return 0;
  }
  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace ulna
