// SameBytes, SameString: equality tests for the short strings of process fields (dev1: ~21 bytes
// on average, nearly all up to 32), inlined into the batch encoder, which compares most of an
// event's strings with an earlier equal one (in its dictionary, process and program tables).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "common/hash_index.h"

namespace ulna {

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

// Whether strings `a` and `b` (any types with data() and size()) hold the same bytes, inlined.
template <typename A, typename B>
[[gnu::always_inline]] inline bool SameString(const A& a, const B& b) {
  return a.size() == b.size() && SameBytes(a.data(), b.data(), a.size());
}

}  // namespace ulna
