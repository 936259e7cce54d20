// FlatIdTable: an open-addressing table from a 64-bit hash to a uint32 id, for the batch
// encoder's per-batch tables (strings, processes, programs), whose keys the caller keeps. Reset()
// sizes it to the batch about to be encoded, so a small batch probes a few KB of slots instead of
// the table the largest batch so far grew to (the probes were cache misses). Not thread-safe.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <vector>

namespace ulna {

class FlatIdTable {
 public:
  FlatIdTable() { Reset(0); }

  // Forgets every entry and sizes the table for about `expected` entries (it grows past them).
  void Reset(size_t expected) {
    size_ = 0;
    Resize(std::max<size_t>(kMinSlots, std::bit_ceil(2 * expected + 1)));
  }

  // Returns the id of the entry whose hash is `hash` and for which `same_key(id)` is true;
  // otherwise inserts `id_if_new` and returns it. *inserted says which.
  // Always inlined: GCC otherwise made it a call of its own, which cost as much as the probe.
  template <typename SameKey>
  [[gnu::always_inline]] uint32_t FindOrInsert(uint64_t hash, uint32_t id_if_new,
                                               SameKey&& same_key, bool* inserted) {
    if (2 * (size_ + 1) > mask_ + 1) Grow();
    // The high half both places the entry and tells most other keys apart without same_key;
    // the slot keeps it, so that growing needs no key's hash again.
    const uint32_t tag = static_cast<uint32_t>(hash >> 32);
    for (uint32_t i = tag & mask_;; i = (i + 1) & mask_) {
      Slot& slot = slots_[i];
      if (slot.id_plus_one == 0) {
        slot = {tag, id_if_new + 1};
        ++size_;
        *inserted = true;
        return id_if_new;
      }
      if (slot.tag == tag && same_key(slot.id_plus_one - 1)) {
        *inserted = false;
        return slot.id_plus_one - 1;
      }
    }
  }

  size_t size() const { return size_; }
  size_t slot_count() const { return mask_ + 1; }

 private:
  static constexpr size_t kMinSlots = 64;

  struct Slot {
    uint32_t tag;
    uint32_t id_plus_one;  // 0: empty
  };

  // Uses the first `slots` slots (a power of two), all empty; keeps the vector's memory.
  void Resize(size_t slots) {
    if (slots_.size() < slots) slots_.resize(slots);
    std::memset(slots_.data(), 0, slots * sizeof(Slot));
    mask_ = static_cast<uint32_t>(slots - 1);
  }

  void Grow() {
    old_slots_.assign(slots_.begin(), slots_.begin() + mask_ + 1);  // no allocation once warm
    Resize(2 * old_slots_.size());
    for (const Slot& slot : old_slots_) {
      if (slot.id_plus_one == 0) continue;
      uint32_t i = slot.tag & mask_;
      while (slots_[i].id_plus_one != 0) i = (i + 1) & mask_;
      slots_[i] = slot;
    }
  }

  std::vector<Slot> slots_;
  std::vector<Slot> old_slots_;  // Grow's copy of the slots it re-inserts
  uint32_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace ulna
