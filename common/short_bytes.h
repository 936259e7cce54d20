// HashShortBytes / SameBytes: a hash and an equality test for the short strings of process
// fields (dev1: ~21 bytes on average, nearly all up to 32), inlined into the batch encoder's
// dictionary, which hashes ~9 strings an event and compares two thirds of them with an earlier
// equal one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "common/hash_index.h"

namespace ulna {

// Hashes `s` for an in-memory table (never stored: the value may change between versions): one
// multiply for 16 bytes or fewer, one more per further 16 bytes. Always inlined; HashBytes was a
// call with a second multiply.
[[gnu::always_inline]] inline uint64_t HashShortBytes(std::string_view s) {
  using namespace hash_index_detail;
  const char* p = s.data();
  size_t n = s.size();
  uint64_t seed = kP0 ^ (n * kP2);  // spread: lengths that differ in a bit still differ widely
  uint64_t a = 0;
  uint64_t b = 0;
  if (n <= 16) {
    if (n >= 8) {
      a = Load64(p);
      b = Load64(p + n - 8);
    } else if (n >= 4) {
      a = Load32(p);
      b = Load32(p + n - 4);
    } else if (n > 0) {
      a = (uint64_t{static_cast<uint8_t>(p[0])} << 16) |
          (uint64_t{static_cast<uint8_t>(p[n >> 1])} << 8) | static_cast<uint8_t>(p[n - 1]);
    }
  } else {
    while (n > 16) {
      seed = Mum(Load64(p) ^ kP1, Load64(p + 8) ^ seed);
      p += 16;
      n -= 16;
    }
    a = Load64(p + n - 16);
    b = Load64(p + n - 8);
  }
  return Mum(a ^ kP1, b ^ seed);
}

// Whether the `size` bytes at `a` and at `b` are equal: a few overlapping loads for up to 32
// bytes (no call), memcmp for more.
[[gnu::always_inline]] inline bool SameBytes(const char* a, const char* b, size_t size) {
  using hash_index_detail::Load32;
  using hash_index_detail::Load64;
  if (size > 32) return std::memcmp(a, b, size) == 0;
  if (size > 16) {
    return ((Load64(a) ^ Load64(b)) | (Load64(a + 8) ^ Load64(b + 8)) |
            (Load64(a + size - 16) ^ Load64(b + size - 16)) |
            (Load64(a + size - 8) ^ Load64(b + size - 8))) == 0;
  }
  if (size >= 8) {
    return ((Load64(a) ^ Load64(b)) | (Load64(a + size - 8) ^ Load64(b + size - 8))) == 0;
  }
  if (size >= 4) {
    return ((Load32(a) ^ Load32(b)) | (Load32(a + size - 4) ^ Load32(b + size - 4))) == 0;
  }
  // 0..3 bytes: the first, middle and last cover them all.
  return size == 0 || (a[0] == b[0] && a[size / 2] == b[size / 2] && a[size - 1] == b[size - 1]);
}

}  // namespace ulna
