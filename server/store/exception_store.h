// ExceptionStore: operators' rule exceptions in RocksDB. Thread-safety: safe for concurrent use.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "server/rule/rule_exception.h"
#include "server/store/store.h"

namespace ulna::server {

class ExceptionStore {
 public:
  explicit ExceptionStore(Store* store) : store_(store) {}

  // Validates, assigns id and created_ns, stores durably; returns the stored exception.
  Result<RuleException> Add(RuleException exception, int64_t now_ns);
  Result<std::vector<RuleException>> List(bool include_expired, int64_t now_ns) const;
  Status Remove(const std::string& id);  // NotFound when absent

 private:
  Store* store_;
};

}  // namespace ulna::server
