#include "server/alert/alert_ecs.h"

#include "common/json_writer.h"

namespace ulna::server {
namespace {

void WriteHistory(JsonWriter& json, const ProcessHistory& history, bool fleet) {
  json.BeginObject();
  json.Key("first_seen");
  if (history.first_seen_ns == 0) {
    json.Null();
  } else {
    json.String(FormatTimestamp(history.first_seen_ns));
  }
  json.Key("last_seen");
  if (history.last_seen_ns == 0) {
    json.Null();
  } else {
    json.String(FormatTimestamp(history.last_seen_ns));
  }
  json.Key("buckets_seen");
  json.Uint(history.buckets_seen);
  if (fleet) {
    json.Key("hosts_seen");
    json.Uint(history.hosts_seen);
  }
  json.Key("recent_days");
  json.BeginArray();
  for (int64_t day : history.recent_days) json.String(FormatTimestamp(day).substr(0, 10));
  json.EndArray();
  json.EndObject();
}

}  // namespace

std::string AlertToEcsJson(const Alert& alert) {
  const AnomalyRecord& record = alert.record;
  const AlertContext& context = record.context;
  std::string out;
  JsonWriter json(&out);
  json.BeginObject();
  json.Field("@timestamp", FormatTimestamp(record.bucket_start_ns));

  json.Key("event");
  json.BeginObject();
  json.Field("kind", "alert");
  json.Key("category");
  json.BeginArray();
  json.String("network");
  json.EndArray();
  json.Field("module", "ulna");
  json.EndObject();

  json.Key("host");
  json.BeginObject();
  json.Field("name", record.host.name);
  json.Field("id", record.host.id);
  json.EndObject();

  json.Key("process");
  json.BeginObject();
  json.Field("name", record.process_name);
  json.Field("executable", record.process_executable);
  json.StringArray("args", context.args);
  json.Field("working_directory", context.working_directory);
  json.Key("parent");
  json.BeginObject();
  json.Field("name", context.parent_name);
  json.Field("executable", context.parent_executable);
  json.EndObject();
  json.EndObject();

  json.Key("user");
  json.BeginObject();
  json.StringArray("name", context.user_names);
  json.EndObject();

  json.Key("destination");
  json.BeginObject();
  json.StringArray("ip", context.destination_ips);
  json.Key("port");
  json.BeginArray();
  for (uint16_t port : context.destination_ports) json.Uint(port);
  json.EndArray();
  json.EndObject();

  json.Key("network");
  json.BeginObject();
  json.StringArray("direction", context.directions);
  json.StringArray("transport", context.transports);
  json.EndObject();

  json.Key("rule");
  json.BeginObject();
  json.Field("name", alert.rule_name);
  json.EndObject();

  json.Key("kibana");
  json.BeginObject();
  json.Key("alert");
  json.BeginObject();
  json.Field("uuid", alert.id);
  json.Field("severity", alert.severity);
  json.Key("risk_score");
  json.Uint(alert.risk_score);
  json.Field("original_time", FormatTimestamp(record.bucket_start_ns));
  json.EndObject();
  json.EndObject();

  json.Key("ulna");
  json.BeginObject();
  json.Key("score");
  json.Double(record.score);
  json.Key("probability");
  json.Double(record.probability);
  json.Field("mode", record.mode);
  json.StringArray("reasons", record.reasons);
  json.Key("other_hosts");
  json.Uint(record.other_hosts);
  json.Key("event_count");
  json.Uint(context.event_count);
  json.StringArray("destination_class", context.destination_classes);
  json.Key("capture_drops");
  json.Bool(context.capture_drops);
  json.Key("first_seen");
  json.BeginObject();
  json.Key("host");
  if (context.host_history.first_seen_ns == 0) {
    json.Null();
  } else {
    json.String(FormatTimestamp(context.host_history.first_seen_ns));
  }
  json.Key("fleet");
  if (context.fleet_history.first_seen_ns == 0) {
    json.Null();
  } else {
    json.String(FormatTimestamp(context.fleet_history.first_seen_ns));
  }
  json.EndObject();
  json.Key("history");
  json.BeginObject();
  json.Key("host");
  WriteHistory(json, context.host_history, /*fleet=*/false);
  json.Key("fleet");
  WriteHistory(json, context.fleet_history, /*fleet=*/true);
  json.EndObject();
  json.Field("created", FormatTimestamp(alert.created_ns));
  json.EndObject();

  json.EndObject();
  return out;
}

}  // namespace ulna::server
