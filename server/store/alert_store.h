// AlertStore: alerts at rest, keyed by bucket time and alert id, plus an id index so the rule can
// ask "was this anomaly already alerted?" in one lookup. Thread-safety: safe for concurrent use.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "server/alert/alert.h"
#include "server/store/store.h"

namespace ulna::server {

struct AlertQuery {
  int64_t start_ns = 0;  // bucket start >= (0: unbounded)
  int64_t end_ns = 0;    // bucket start < (0: unbounded)
  std::string host_name;
  std::string process_name;
  double min_score = 0;
  size_t limit = 100;
  std::string after_key;  // resume after this opaque key (paging)
};

struct AlertPage {
  std::vector<Alert> alerts;
  std::string next_key;  // empty when there is nothing more
};

class AlertStore {
 public:
  explicit AlertStore(Store* store) : store_(store) {}

  // Adds the alert (and its id index entry) to `group`.
  void Add(const Alert& alert, WriteGroup* group) const;
  bool Exists(const std::string& alert_id) const;
  Result<AlertPage> Query(const AlertQuery& query) const;

 private:
  Store* store_;
};

// Serialisation of alerts for storage (a binary form private to the server).
std::string EncodeAlert(const Alert& alert);
Result<Alert> DecodeAlert(std::string_view bytes);

}  // namespace ulna::server
