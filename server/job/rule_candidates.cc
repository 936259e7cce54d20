#include "server/job/rule_candidates.h"

#include <algorithm>

#include "common/byte_codec.h"
#include "server/store/alert_store.h"

namespace ulna::server {
namespace {

// Record keys start with the bucket start (big-endian), so bucket ranges are key ranges.
std::string BucketKey(int64_t bucket_start_ns) {
  std::string key;
  AppendBigEndian64(&key, static_cast<uint64_t>(std::max<int64_t>(bucket_start_ns, 0)));
  return key;
}

}  // namespace

Status RuleCandidates::Load(const Store& store, int64_t from_ns) {
  records_.clear();
  Status decode_status;
  ULNA_RETURN_IF_ERROR(store.Scan(
      Family::kRecords, BucketKey(from_ns), "", [&](std::string_view key, std::string_view value) {
        auto holder = DecodeAlert(value);
        if (!holder.ok()) {
          decode_status = holder.status().WithContext("corrupt anomaly record");
          return false;
        }
        Put(key, value, holder->record.score);
        return true;
      }));
  return decode_status;
}

void RuleCandidates::Put(std::string_view key, std::string_view encoded, double score) {
  if (score >= alert_threshold_) {
    auto it = records_.find(key);
    if (it == records_.end()) {
      records_.emplace(std::string(key), Record{std::string(encoded)});
    } else {
      it->second.encoded.assign(encoded);  // the same key: the same alert, alerted or not
    }
    return;
  }
  auto it = records_.find(key);
  if (it != records_.end()) records_.erase(it);
}

void RuleCandidates::DropBefore(int64_t ns) {
  records_.erase(records_.begin(), records_.lower_bound(BucketKey(ns)));
}

void RuleCandidates::Visit(
    int64_t start_ns, int64_t end_ns,
    const std::function<bool(std::string_view key, std::string_view encoded)>& visit) const {
  if (end_ns <= start_ns) return;
  const auto end = records_.lower_bound(BucketKey(end_ns));
  for (auto it = records_.lower_bound(BucketKey(start_ns)); it != end; ++it) {
    if (it->second.alerted) continue;
    if (!visit(it->first, it->second.encoded)) return;
  }
}

void RuleCandidates::MarkAlerted(std::string_view key) {
  auto it = records_.find(key);
  if (it != records_.end()) it->second.alerted = true;
}

}  // namespace ulna::server
