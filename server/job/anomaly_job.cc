#include "server/job/anomaly_job.h"

#include <algorithm>
#include <optional>

#include "common/duration.h"

namespace ulna::server {
namespace {

const char kNextBucketKey[] = "job/next_bucket";
const char kNextRuleRunKey[] = "job/next_rule_run";
// Alerts stored but not yet in the NDJSON file, in bucket order:
// "outbox/" · bucket(BE) · alert id -> the alert's key in the alerts family.
const char kOutboxPrefix[] = "outbox/";
const char kOutboxEnd[] = "outbox0";  // '0' follows '/' in ASCII: the end of the prefix range

std::string BigEndian(int64_t value) {
  std::string out;
  AppendBigEndian64(&out, static_cast<uint64_t>(value));
  return out;
}

Result<int64_t> ReadCheckpoint(const Store& store, const char* key) {
  auto value = store.Get(Family::kMeta, key);
  if (!value.ok()) {
    if (value.status().code() == Status::Code::kNotFound) return int64_t{0};
    return value.status();
  }
  if (value->size() != 8) return Status::Internal(std::string("corrupt checkpoint ") + key);
  return static_cast<int64_t>(ReadBigEndian64(*value));
}

// An alert's place in the outbox (see kOutboxPrefix).
std::string OutboxKey(const Alert& alert) {
  return kOutboxPrefix + BigEndian(alert.record.bucket_start_ns) + alert.id;
}

// Records of one bucket are keyed bucket · host · process so a re-run overwrites, not duplicates.
std::string RecordKey(const AnomalyRecord& record) {
  return BigEndian(record.bucket_start_ns) + record.host.id + '\0' + record.process_name;
}

}  // namespace

AnomalyJob::AnomalyJob(const JobConfig& config, Store* store, std::unique_ptr<Detector> detector,
                       AlertSinks sinks, BucketEvents* bucket_events)
    : config_(config),
      store_(store),
      stored_events_(store),
      bucket_events_(bucket_events != nullptr ? bucket_events : &stored_events_),
      alerts_(store),
      exceptions_(store),
      detector_(std::move(detector)),
      sinks_(sinks),
      filter_(DatafeedFilter::ForMode(config.mode)),
      rule_candidates_(config.alert_threshold) {}

Status AnomalyJob::Open() {
  auto next_bucket = ReadCheckpoint(*store_, kNextBucketKey);
  ULNA_RETURN_IF_ERROR(next_bucket.status());
  auto next_rule = ReadCheckpoint(*store_, kNextRuleRunKey);
  ULNA_RETURN_IF_ERROR(next_rule.status());
  next_bucket_ns_ = *next_bucket;
  next_rule_run_ns_ = *next_rule;
  closed_before_.store(next_bucket_ns_, std::memory_order_release);
  ULNA_RETURN_IF_ERROR(history_.Load(*store_).WithContext("loading baselines"));
  ULNA_RETURN_IF_ERROR(detector_->Load(*store_).WithContext("loading the model"));
  // Every later run's look-back starts at or after the next run's.
  const int64_t first_window = next_rule_run_ns_ == 0 ? 0 : RuleWindowStart(next_rule_run_ns_);
  ULNA_RETURN_IF_ERROR(
      rule_candidates_.Load(*store_, first_window).WithContext("loading anomaly records"));
  return EmitOutbox();
}

Result<int64_t> AnomalyJob::FirstEventBucket() const {
  int64_t first = 0;
  ULNA_RETURN_IF_ERROR(
      store_->Scan(Family::kEvents, "", "", [&](std::string_view key, std::string_view) {
        first = static_cast<int64_t>(ReadBigEndian64(key));
        return false;
      }));
  return first == 0 ? 0 : AlignDown(first, config_.bucket_span_ns);
}

Status AnomalyJob::AdvanceTo(int64_t now_ns) {
  if (outbox_pending_) ULNA_RETURN_IF_ERROR(EmitOutbox());
  if (next_bucket_ns_ == 0) {
    auto first = FirstEventBucket();
    ULNA_RETURN_IF_ERROR(first.status());
    if (*first == 0) return Status::Ok();  // nothing stored yet
    next_bucket_ns_ = *first;
  }
  if (next_rule_run_ns_ == 0) {
    // The first run happens once the first bucket is closed.
    next_rule_run_ns_ =
        AlignDown(next_bucket_ns_ + config_.bucket_span_ns + config_.rule_interval_ns - 1,
                  config_.rule_interval_ns) +
        config_.query_delay_ns;
  }
  while (true) {
    const int64_t bucket_close = next_bucket_ns_ + config_.bucket_span_ns + config_.query_delay_ns;
    const bool bucket_due = bucket_close <= now_ns;
    const bool rule_due = next_rule_run_ns_ <= now_ns;
    if (!bucket_due && !rule_due) break;
    // Buckets that end before a rule run are closed first, so the run sees their records.
    if (bucket_due && bucket_close <= next_rule_run_ns_) {
      ULNA_RETURN_IF_ERROR(CloseBucket(next_bucket_ns_));
    } else {
      ULNA_RETURN_IF_ERROR(RunRule(next_rule_run_ns_));
    }
  }
  return Status::Ok();
}

Status AnomalyJob::CloseBucket(int64_t bucket_start_ns) {
  const int64_t bucket_end_ns = bucket_start_ns + config_.bucket_span_ns;
  std::vector<EventRun> runs;
  ULNA_RETURN_IF_ERROR(bucket_events_->Take(bucket_start_ns, bucket_end_ns, &runs));
  size_t taken = 0;
  for (const EventRun& run : runs) taken += run.size();
  std::vector<const NetworkEvent*> kept;
  kept.reserve(taken);
  // Exclusions are counted by the reason's address (a few literals) and added to the stats by
  // name once per bucket, not looked up by name per event.
  std::vector<std::pair<const char*, uint64_t>> excluded;
  for (const EventRun& run : runs) {
    for (const NetworkEvent& event : run.events()) {
      const char* reason = filter_.ExclusionReason(event);
      if (reason == nullptr) {
        kept.push_back(&event);
        continue;
      }
      auto counted = std::find_if(excluded.begin(), excluded.end(),
                                  [reason](const auto& entry) { return entry.first == reason; });
      if (counted == excluded.end()) counted = excluded.emplace(excluded.end(), reason, 0);
      ++counted->second;
    }
  }
  for (const auto& [reason, count] : excluded) stats_.events_excluded[reason] += count;
  stats_.events_scored += kept.size();
  BucketActivity bucket(bucket_start_ns, bucket_end_ns, std::move(runs), std::move(kept));

  BucketFacts facts;  // capture loss per bucket arrives with the agent's counters
  std::vector<AnomalyRecord> records = detector_->ScoreBucket(bucket, history_, facts);

  WriteGroup group;
  // (key, encoded record) of each record written, mirrored into rule_candidates_ once stored.
  std::vector<std::pair<std::string, std::string>> written;
  written.reserve(records.size());
  for (AnomalyRecord& record : records) {
    record.bucket_start_ns = bucket_start_ns;
    record.mode = DetectionModeName(config_.mode);
    record.context.host_history = history_.Host(record.host.id, record.process_name);
    record.context.fleet_history = history_.Fleet(record.process_name);
    Alert holder;
    holder.record = std::move(record);
    written.emplace_back(RecordKey(holder.record), EncodeAlert(holder));
    group.Put(Family::kRecords, written.back().first, written.back().second);
    record = std::move(holder.record);
  }
  stats_.records += records.size();
  for (const ProcessActivity& activity : bucket.groups()) {
    history_.Record(bucket_start_ns, activity.host.id, activity.process_name);
  }
  // Records and events past retention are dropped once a day (on the first bucket of a UTC
  // day): a range delete per bucket would pile up tombstones that every later scan must skip.
  const int64_t retention_cutoff = bucket_start_ns - config_.retention_ns;
  const bool retention_due = retention_cutoff > 0 && bucket_start_ns % kNanosPerDay == 0;
  if (retention_due) {
    group.DeleteRange(Family::kRecords, BigEndian(0), BigEndian(retention_cutoff));
  }
  const bool commit = uncommitted_buckets_ + 1 >= config_.state_commit_buckets;
  const bool events_since_commit = uncommitted_events_ || !bucket.events().empty();
  if (commit) AddStateCommit(bucket_end_ns, &group);
  // Only a state commit of buckets with events pays for an fsync: losing the other writes only
  // re-closes buckets, whose records come out the same.
  ULNA_RETURN_IF_ERROR(store_->Write(std::move(group), /*sync=*/commit && events_since_commit));
  for (size_t i = 0; i < written.size(); ++i) {
    rule_candidates_.Put(written[i].first, written[i].second, records[i].score);
  }
  if (retention_due) rule_candidates_.DropBefore(retention_cutoff);
  next_bucket_ns_ = bucket_end_ns;
  uncommitted_buckets_ = commit ? 0 : uncommitted_buckets_ + 1;
  uncommitted_events_ = !commit && events_since_commit;
  if (retention_due) ULNA_RETURN_IF_ERROR(EventLog(store_).DeleteBefore(retention_cutoff));
  closed_before_.store(bucket_end_ns, std::memory_order_release);
  ++stats_.buckets_closed;
  return Status::Ok();
}

void AnomalyJob::AddStateCommit(int64_t next_bucket_ns, WriteGroup* group) {
  history_.Persist(group);
  detector_->Persist(group);
  group->Put(Family::kMeta, kNextBucketKey, BigEndian(next_bucket_ns));
}

Status AnomalyJob::CommitState() {
  if (uncommitted_buckets_ == 0) return Status::Ok();
  WriteGroup group;
  AddStateCommit(next_bucket_ns_, &group);
  ULNA_RETURN_IF_ERROR(store_->Write(std::move(group), /*sync=*/uncommitted_events_));
  uncommitted_buckets_ = 0;
  uncommitted_events_ = false;
  return Status::Ok();
}

Status AnomalyJob::RunRule(int64_t run_time_ns) {
  ++stats_.rule_runs;
  const int64_t window_start = RuleWindowStart(run_time_ns);
  // Runs only move forward: records before this window are out of every later one.
  rule_candidates_.DropBefore(window_start);
  // Each candidate with its record's key (held by rule_candidates_, unchanged during the run).
  std::vector<std::pair<Alert, std::string_view>> candidates;
  Status decode_status;
  rule_candidates_.Visit(window_start, run_time_ns,
                         [&](std::string_view key, std::string_view encoded) {
                           auto holder = DecodeAlert(encoded);
                           if (!holder.ok()) {
                             decode_status = holder.status().WithContext("corrupt anomaly record");
                             return false;
                           }
                           candidates.emplace_back(std::move(holder).value(), key);
                           return true;
                         });
  ULNA_RETURN_IF_ERROR(decode_status);
  std::stable_sort(candidates.begin(), candidates.end(), [](const auto& a, const auto& b) {
    return a.first.record.score > b.first.record.score;
  });

  // Listing the exceptions reads the store (an iterator over every family level); most runs
  // have no candidate that was not alerted already, so they are listed when one needs them.
  std::optional<std::vector<RuleException>> exceptions;
  const bool outbox_was_empty = !outbox_pending_;
  std::vector<Alert> raised;
  std::vector<std::string_view> raised_keys;
  WriteGroup group;
  for (auto& [alert, key] : candidates) {
    alert.rule_name = config_.rule_name;
    alert.id = AlertId(alert.rule_name, alert.record.host.id, alert.record.process_name,
                       alert.record.bucket_start_ns);
    if (alerts_.Exists(alert.id)) {  // raised by an earlier, overlapping run
      rule_candidates_.MarkAlerted(key);
      continue;
    }
    if (!exceptions) {
      auto listed = exceptions_.List(/*include_expired=*/false, run_time_ns);
      ULNA_RETURN_IF_ERROR(listed.status());
      exceptions = std::move(listed).value();
    }
    const bool excepted =
        std::any_of(exceptions->begin(), exceptions->end(),
                    [&](const RuleException& e) { return e.Matches(alert.record); });
    if (excepted) {
      ++stats_.alerts_excepted;
      continue;
    }
    if (raised.size() >= config_.max_alerts_per_run) {
      ++stats_.alerts_capped;
      continue;
    }
    alert.severity = config_.severity;
    alert.risk_score = config_.risk_score;
    alert.created_ns = run_time_ns;
    alerts_.Add(alert, &group);
    group.Put(Family::kMeta, OutboxKey(alert), BigEndian(alert.record.bucket_start_ns) + alert.id);
    raised.push_back(alert);
    raised_keys.push_back(key);
  }
  if (!raised.empty()) outbox_pending_ = true;
  next_rule_run_ns_ = run_time_ns + config_.rule_interval_ns;
  group.Put(Family::kMeta, kNextRuleRunKey, BigEndian(next_rule_run_ns_));
  // A run that raised nothing can be repeated harmlessly after a crash: no fsync needed.
  ULNA_RETURN_IF_ERROR(store_->Write(std::move(group), /*sync=*/!raised.empty()));
  for (std::string_view key : raised_keys) rule_candidates_.MarkAlerted(key);
  stats_.alerts += raised.size();
  if (sinks_.bus) {
    for (const Alert& alert : raised) sinks_.bus->Publish(alert);
  }
  // The outbox is empty unless this run raised alerts or an earlier write to the file failed;
  // when it held nothing before this run, it holds exactly `raised`, which need no reading back.
  if (!outbox_pending_) return Status::Ok();
  return outbox_was_empty ? EmitRaised(std::move(raised)) : EmitOutbox();
}

Status AnomalyJob::EmitRaised(std::vector<Alert> raised) {
  // In the outbox's key order (bucket, then id), as EmitOutbox's scan would write them.
  std::sort(raised.begin(), raised.end(), [](const Alert& a, const Alert& b) {
    return a.record.bucket_start_ns != b.record.bucket_start_ns
               ? a.record.bucket_start_ns < b.record.bucket_start_ns
               : a.id < b.id;
  });
  std::vector<std::string> outbox_keys;
  outbox_keys.reserve(raised.size());
  for (const Alert& alert : raised) outbox_keys.push_back(OutboxKey(alert));
  return WriteOutboxAlerts(raised, outbox_keys);
}

Status AnomalyJob::WriteOutboxAlerts(const std::vector<Alert>& alerts,
                                     const std::vector<std::string>& outbox_keys) {
  // On failure the outbox keeps them and the next AdvanceTo retries through EmitOutbox.
  if (sinks_.ndjson) ULNA_RETURN_IF_ERROR(sinks_.ndjson->Write(alerts));
  WriteGroup done;
  for (const std::string& key : outbox_keys) done.Delete(Family::kMeta, key);
  ULNA_RETURN_IF_ERROR(store_->Write(std::move(done), /*sync=*/false));
  outbox_pending_ = false;
  return Status::Ok();
}

Status AnomalyJob::EmitOutbox() {
  // Until the file takes them (e.g. the disk was full), every AdvanceTo tries again.
  outbox_pending_ = true;
  std::vector<std::string> outbox_keys;
  std::vector<Alert> pending;
  Status status;
  ULNA_RETURN_IF_ERROR(store_->Scan(
      Family::kMeta, kOutboxPrefix, kOutboxEnd, [&](std::string_view key, std::string_view value) {
        auto stored = store_->Get(Family::kAlerts, value);
        if (stored.ok()) {
          auto alert = DecodeAlert(*stored);
          if (!alert.ok()) {
            status = alert.status().WithContext("corrupt alert in outbox");
            return false;
          }
          pending.push_back(std::move(alert).value());
        }
        outbox_keys.emplace_back(key);
        return true;
      }));
  ULNA_RETURN_IF_ERROR(status);
  if (outbox_keys.empty()) {
    outbox_pending_ = false;
    return Status::Ok();
  }
  return WriteOutboxAlerts(pending, outbox_keys);
}

}  // namespace ulna::server
