// HashIndex: an open-addressing table from a 64-bit hash to a uint32 value, for dictionaries
// whose keys the caller keeps (e.g. strings by id): it stores no keys, and asks the caller to
// compare a candidate's key on a hash match. Clear() is O(1), so one index can serve many small
// batches without touching its memory. HashBytes is a fast (non-cryptographic) hash for it.
// Not thread-safe.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace ulna {

namespace hash_index_detail {

inline uint64_t Load64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

inline uint64_t Load32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// 64x64 -> 128-bit multiply, folded: the mixing step of wyhash.
inline uint64_t Mum(uint64_t a, uint64_t b) {
  const unsigned __int128 product = static_cast<unsigned __int128>(a) * b;
  return static_cast<uint64_t>(product) ^ static_cast<uint64_t>(product >> 64);
}

inline constexpr uint64_t kP0 = 0xa0761d6478bd642full;
inline constexpr uint64_t kP1 = 0xe7037ed1a0b428dbull;
inline constexpr uint64_t kP2 = 0x8ebc6af09c88c6e3ull;

}  // namespace hash_index_detail

// Hashes `bytes` for in-memory tables (never stored: the value may change between versions),
// 16 bytes at a time (wyhash's structure, without its seed handling): one multiply for 16 bytes
// or fewer, one more per further 16, where std::hash's byte loop was slow. Always inlined: the
// batch encoder hashes ~9 strings an event.
[[gnu::always_inline]] inline uint64_t HashBytes(std::string_view bytes) {
  using namespace hash_index_detail;
  const char* p = bytes.data();
  size_t n = bytes.size();
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

// Mixes `value` into `seed`: for hashes of several fixed-size fields.
inline uint64_t HashCombine(uint64_t seed, uint64_t value) {
  using namespace hash_index_detail;
  return Mum(seed ^ kP1, value ^ kP2);
}

class HashIndex {
 public:
  // Returns the value of the entry whose hash is `hash` and for which `same_key(value)` is
  // true; otherwise inserts `value_if_new` and returns it. *inserted says which.
  template <typename SameKey>
  uint32_t FindOrInsert(uint64_t hash, uint32_t value_if_new, SameKey&& same_key, bool* inserted) {
    if (2 * (size_ + 1) > slots_.size()) Grow();
    const size_t mask = slots_.size() - 1;
    for (size_t i = static_cast<size_t>(hash) & mask;; i = (i + 1) & mask) {
      Slot& slot = slots_[i];
      if (slot.generation != generation_) {
        slot = {hash, generation_, value_if_new};
        ++size_;
        *inserted = true;
        return value_if_new;
      }
      if (slot.hash == hash && same_key(slot.value)) {
        *inserted = false;
        return slot.value;
      }
    }
  }

  // Forgets every entry; keeps the memory.
  void Clear() {
    size_ = 0;
    if (++generation_ == 0) {  // wrapped: old slots would look live again
      for (Slot& slot : slots_) slot.generation = 0;
      generation_ = 1;
    }
  }

  size_t size() const { return size_; }

 private:
  struct Slot {
    uint64_t hash = 0;
    uint32_t generation = 0;  // live when equal to generation_
    uint32_t value = 0;
  };

  void Grow() {
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.resize(std::max<size_t>(64, old.size() * 2));
    const size_t mask = slots_.size() - 1;
    for (const Slot& slot : old) {
      if (slot.generation != generation_) continue;
      size_t i = static_cast<size_t>(slot.hash) & mask;
      while (slots_[i].generation == generation_) i = (i + 1) & mask;
      slots_[i] = slot;
    }
  }

  std::vector<Slot> slots_;
  size_t size_ = 0;
  uint32_t generation_ = 1;  // fresh slots hold 0: never live
};

}  // namespace ulna
