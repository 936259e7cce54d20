#include "server/api/alerts_service.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>
#include <unordered_set>

#include "server/alert/alert_ecs.h"
#include "server/api/grpc_status.h"

namespace ulna::server {
namespace {

constexpr uint32_t kDefaultPageSize = 100;
constexpr uint32_t kMaxPageSize = 1000;
// How often a Watch notices a cancelled client or a stopping server when no alert arrives.
constexpr std::chrono::milliseconds kWatchPoll{200};
constexpr size_t kWatchQueueCapacity = 1024;

grpc::Status InvalidArgument(const std::string& message) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, message);
}

// Validates the filter and turns it into a store query (limit and paging left to the caller).
grpc::Status FilterToQuery(const v1::AlertFilter& filter, AlertQuery* query) {
  if (filter.start_ns() < 0 || filter.end_ns() < 0) {
    return InvalidArgument("filter start_ns and end_ns must not be negative");
  }
  if (filter.start_ns() != 0 && filter.end_ns() != 0 && filter.end_ns() <= filter.start_ns()) {
    return InvalidArgument("filter end_ns must be after start_ns");
  }
  if (!(filter.min_score() >= 0 && filter.min_score() <= 100)) {
    return InvalidArgument("filter min_score must be within 0-100");
  }
  query->start_ns = filter.start_ns();
  query->end_ns = filter.end_ns();
  query->host_name = filter.host_name();
  query->process_name = filter.process_name();
  query->min_score = filter.min_score();
  return grpc::Status::OK;
}

// The same selection AlertStore::Query applies, for alerts that come from the bus.
bool Matches(const AlertQuery& query, const Alert& alert) {
  const AnomalyRecord& record = alert.record;
  if (query.start_ns != 0 && record.bucket_start_ns < query.start_ns) return false;
  if (query.end_ns != 0 && record.bucket_start_ns >= query.end_ns) return false;
  if (!query.host_name.empty() && record.host.name != query.host_name) return false;
  if (!query.process_name.empty() && record.process_name != query.process_name) return false;
  return record.score >= query.min_score;
}

// Page tokens are the store's opaque resume key, hex-encoded so they are printable.
std::string EncodePageToken(const std::string& key) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string token;
  token.reserve(2 * key.size());
  for (unsigned char c : key) {
    token.push_back(kHex[c >> 4]);
    token.push_back(kHex[c & 0xf]);
  }
  return token;
}

bool DecodePageToken(const std::string& token, std::string* key) {
  if (token.size() % 2 != 0) return false;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  key->clear();
  for (size_t i = 0; i < token.size(); i += 2) {
    const int high = nibble(token[i]);
    const int low = nibble(token[i + 1]);
    if (high < 0 || low < 0) return false;
    key->push_back(static_cast<char>(high << 4 | low));
  }
  return true;
}

}  // namespace

v1::Alert AlertToProto(const Alert& alert) {
  const AnomalyRecord& record = alert.record;
  v1::Alert out;
  out.set_id(alert.id);
  out.set_timestamp_ns(record.bucket_start_ns);
  out.set_host_name(record.host.name);
  out.set_host_id(record.host.id);
  out.set_process_name(record.process_name);
  out.set_process_executable(record.process_executable);
  out.set_score(record.score);
  out.set_probability(record.probability);
  out.set_mode(record.mode);
  for (const std::string& reason : record.reasons) out.add_reasons(reason);
  out.set_rule_name(alert.rule_name);
  out.set_severity(alert.severity);
  out.set_risk_score(alert.risk_score);
  out.set_ecs_json(AlertToEcsJson(alert));
  return out;
}

grpc::Status AlertsService::List(grpc::ServerContext* context, const v1::ListAlertsRequest* request,
                                 v1::ListAlertsResponse* response) {
  if (grpc::Status auth = auth_->Check(*context); !auth.ok()) return auth;
  AlertQuery query;
  if (grpc::Status valid = FilterToQuery(request->filter(), &query); !valid.ok()) return valid;
  query.limit =
      request->page_size() == 0 ? kDefaultPageSize : std::min(request->page_size(), kMaxPageSize);
  if (!DecodePageToken(request->page_token(), &query.after_key)) {
    return InvalidArgument("malformed page_token (pass next_page_token back unchanged)");
  }
  auto page = store_->Query(query);
  if (!page.ok()) return ToGrpcStatus(page.status());
  for (const Alert& alert : page->alerts) *response->add_alerts() = AlertToProto(alert);
  response->set_next_page_token(EncodePageToken(page->next_key));
  return grpc::Status::OK;
}

grpc::Status AlertsService::Watch(grpc::ServerContext* context,
                                  const v1::WatchAlertsRequest* request,
                                  grpc::ServerWriter<v1::Alert>* writer) {
  if (grpc::Status auth = auth_->Check(*context); !auth.ok()) return auth;
  AlertQuery filter;
  if (grpc::Status valid = FilterToQuery(request->filter(), &filter); !valid.ok()) return valid;
  if (request->since_ns() < 0) return InvalidArgument("since_ns must not be negative");

  // Subscribing before the replay means an alert raised meanwhile is queued rather than lost;
  // the ids replayed from the store keep it from being sent twice.
  std::shared_ptr<AlertSubscription> subscription = bus_->Subscribe(kWatchQueueCapacity);
  std::unordered_set<std::string> replayed;
  if (request->since_ns() > 0) {
    AlertQuery backlog = filter;
    backlog.start_ns = std::max(filter.start_ns, request->since_ns());
    backlog.limit = kMaxPageSize;
    do {
      auto page = store_->Query(backlog);
      if (!page.ok()) return ToGrpcStatus(page.status());
      for (const Alert& alert : page->alerts) {
        if (!writer->Write(AlertToProto(alert))) return grpc::Status::OK;
        replayed.insert(alert.id);
      }
      backlog.after_key = page->next_key;
    } while (!backlog.after_key.empty() && !context->IsCancelled());
  }

  while (!context->IsCancelled()) {
    if (stopping_.load()) {
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "the server is shutting down");
    }
    if (uint64_t lost = subscription->overflowed(); lost > 0) {
      return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                          "this watcher fell behind and " + std::to_string(lost) +
                              " alerts were dropped; watch again with since_ns at the last alert "
                              "received to replay them from the store");
    }
    std::optional<Alert> alert = subscription->Next(kWatchPoll);
    if (!alert || replayed.count(alert->id) != 0 || !Matches(filter, *alert)) continue;
    if (!writer->Write(AlertToProto(*alert))) break;
  }
  return grpc::Status::OK;
}

}  // namespace ulna::server
