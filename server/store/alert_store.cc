#include "server/store/alert_store.h"

#include <algorithm>

#include "common/byte_codec.h"
#include "server/store/record_reader.h"

namespace ulna::server {
namespace {

// Leading byte of every stored alert; bump it (and keep decoding the old one) when the layout
// changes.
constexpr uint8_t kAlertFormatVersion = 1;
constexpr std::string_view kIdIndexPrefix = "alert_id/";

std::string AlertKey(const Alert& alert) {
  std::string key;
  AppendBigEndian64(&key, static_cast<uint64_t>(alert.record.bucket_start_ns));
  key.append(alert.id);
  return key;
}

void WriteHistory(ByteWriter* out, const ProcessHistory& history) {
  out->SignedVarint(history.first_seen_ns);
  out->SignedVarint(history.last_seen_ns);
  out->Varint(history.buckets_seen);
  out->Varint(history.hosts_seen);
  WriteSignedVarints(out, history.recent_days);
}

ProcessHistory ReadHistory(RecordReader* in) {
  ProcessHistory history;
  history.first_seen_ns = in->SignedVarint();
  history.last_seen_ns = in->SignedVarint();
  history.buckets_seen = in->U32();
  history.hosts_seen = in->U32();
  history.recent_days = in->SignedVarints();
  return history;
}

void WriteContext(ByteWriter* out, const AlertContext& context) {
  WriteStrings(out, context.args);
  out->String(context.working_directory);
  out->String(context.parent_name);
  out->String(context.parent_executable);
  WriteStrings(out, context.user_names);
  WriteStrings(out, context.destination_ips);
  WriteU16s(out, context.destination_ports);
  WriteStrings(out, context.destination_classes);
  WriteStrings(out, context.directions);
  WriteStrings(out, context.transports);
  out->Varint(context.event_count);
  out->Varint(context.capture_drops ? 1 : 0);
  WriteHistory(out, context.host_history);
  WriteHistory(out, context.fleet_history);
}

AlertContext ReadContext(RecordReader* in) {
  AlertContext context;
  context.args = in->Strings();
  context.working_directory = in->String();
  context.parent_name = in->String();
  context.parent_executable = in->String();
  context.user_names = in->Strings();
  context.destination_ips = in->Strings();
  context.destination_ports = in->U16s();
  context.destination_classes = in->Strings();
  context.directions = in->Strings();
  context.transports = in->Strings();
  context.event_count = in->U32();
  context.capture_drops = in->Bool();
  context.host_history = ReadHistory(in);
  context.fleet_history = ReadHistory(in);
  return context;
}

bool Matches(const AlertQuery& query, const Alert& alert) {
  if (!query.host_name.empty() && alert.record.host.name != query.host_name) return false;
  if (!query.process_name.empty() && alert.record.process_name != query.process_name) {
    return false;
  }
  return alert.record.score >= query.min_score;
}

}  // namespace

std::string EncodeAlert(const Alert& alert) {
  std::string bytes;
  bytes.push_back(static_cast<char>(kAlertFormatVersion));
  ByteWriter out(&bytes);
  out.String(alert.id);
  out.String(alert.rule_name);
  out.String(alert.severity);
  out.Varint(alert.risk_score);
  out.SignedVarint(alert.created_ns);
  const AnomalyRecord& record = alert.record;
  out.SignedVarint(record.bucket_start_ns);
  out.String(record.mode);
  out.String(record.host.id);
  out.String(record.host.name);
  out.String(record.process_name);
  out.String(record.process_executable);
  out.Double(record.probability);
  out.Double(record.score);
  WriteStrings(&out, record.reasons);
  out.Varint(record.other_hosts);
  WriteContext(&out, record.context);
  return bytes;
}

Result<Alert> DecodeAlert(std::string_view bytes) {
  if (bytes.empty()) return Status::InvalidArgument("stored alert is empty");
  if (static_cast<uint8_t>(bytes[0]) != kAlertFormatVersion) {
    return Status::InvalidArgument("stored alert has unknown format version " +
                                   std::to_string(static_cast<uint8_t>(bytes[0])));
  }
  RecordReader in(bytes.substr(1));
  Alert alert;
  alert.id = in.String();
  alert.rule_name = in.String();
  alert.severity = in.String();
  alert.risk_score = in.U32();
  alert.created_ns = in.SignedVarint();
  AnomalyRecord& record = alert.record;
  record.bucket_start_ns = in.SignedVarint();
  record.mode = in.String();
  record.host.id = in.String();
  record.host.name = in.String();
  record.process_name = in.String();
  record.process_executable = in.String();
  record.probability = in.Double();
  record.score = in.Double();
  record.reasons = in.Strings();
  record.other_hosts = in.U32();
  record.context = ReadContext(&in);
  if (!in.complete()) {
    return Status::InvalidArgument("stored alert is truncated or corrupt (" +
                                   std::to_string(bytes.size()) + " bytes)");
  }
  return alert;
}

void AlertStore::Add(const Alert& alert, WriteGroup* group) const {
  const std::string key = AlertKey(alert);
  group->Put(Family::kAlerts, key, EncodeAlert(alert));
  group->Put(Family::kMeta, std::string(kIdIndexPrefix) + alert.id, key);
}

bool AlertStore::Exists(const std::string& alert_id) const {
  // A read error counts as absent: re-emitting an alert beats losing one.
  return store_->Get(Family::kMeta, std::string(kIdIndexPrefix) + alert_id).ok();
}

Result<AlertPage> AlertStore::Query(const AlertQuery& query) const {
  if (query.limit == 0) return Status::InvalidArgument("alert query limit must be positive");
  std::string begin;
  AppendBigEndian64(&begin, static_cast<uint64_t>(std::max<int64_t>(query.start_ns, 0)));
  if (!query.after_key.empty()) {
    // The smallest key after `after_key`.
    begin = std::max(begin, query.after_key + '\0');
  }
  std::string end;
  if (query.end_ns > 0) AppendBigEndian64(&end, static_cast<uint64_t>(query.end_ns));
  if (!end.empty() && begin >= end) return AlertPage{};

  AlertPage page;
  std::string last_key;
  Status failure;
  ULNA_RETURN_IF_ERROR(
      store_->Scan(Family::kAlerts, begin, end, [&](std::string_view key, std::string_view value) {
        Result<Alert> alert = DecodeAlert(value);
        if (!alert.ok()) {
          failure = Status::Internal("stored alert at bucket " +
                                     std::to_string(static_cast<int64_t>(ReadBigEndian64(key))) +
                                     ": " + alert.status().message());
          return false;
        }
        if (!Matches(query, *alert)) return true;
        if (page.alerts.size() == query.limit) {
          // One more match exists: the caller resumes after the last key it got.
          page.next_key = last_key;
          return false;
        }
        page.alerts.push_back(std::move(alert).value());
        last_key.assign(key);
        return true;
      }));
  ULNA_RETURN_IF_ERROR(failure);
  return page;
}

}  // namespace ulna::server
