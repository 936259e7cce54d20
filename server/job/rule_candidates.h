// RuleCandidates: the stored anomaly records at or above the rule's alert threshold, kept in
// memory by the job that writes them, so that a rule run reads its look-back window without
// scanning (and decoding) every record of the window from the store. Holds each record as
// stored, under its store key, so a run sees exactly what a scan of the records family would.
// Not thread-safe: owned by the job thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "common/status.h"
#include "server/store/store.h"

namespace ulna::server {

class RuleCandidates {
 public:
  explicit RuleCandidates(double alert_threshold) : alert_threshold_(alert_threshold) {}

  // Reads the stored records of buckets starting at or after `from_ns` (a restart: records
  // written before it, up to the last checkpoint and beyond).
  Status Load(const Store& store, int64_t from_ns);
  // Mirrors a write of the record `encoded` (score `score`) under `key` to the records family:
  // kept when it reaches the threshold, else it replaces (drops) a kept one of the same key.
  void Put(std::string_view key, std::string_view encoded, double score);
  // Forgets records of buckets before `ns` (out of every later run's window, or deleted).
  void DropBefore(int64_t ns);
  // Visits the kept records of buckets in [start_ns, end_ns) in store-key order, but for those
  // marked alerted; stops when `visit` returns false.
  void Visit(
      int64_t start_ns, int64_t end_ns,
      const std::function<bool(std::string_view key, std::string_view encoded)>& visit) const;
  // Marks the record under `key` as alerted on (its alert is stored, and alerts are never
  // deleted): later runs need not decode it, derive its alert id and look that up again.
  void MarkAlerted(std::string_view key);
  size_t size() const { return records_.size(); }

 private:
  struct Record {
    std::string encoded;
    bool alerted = false;
  };
  double alert_threshold_;
  std::map<std::string, Record, std::less<>> records_;  // by store key
};

}  // namespace ulna::server
