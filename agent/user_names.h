// UserNames resolves uids to user names (getpwuid_r, so NSS sources such as LDAP work) and
// remembers the answers, including "no such user". Not thread-safe: one per capture loop.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

namespace ulna::agent {

class UserNames {
 public:
  // The name of `uid`, or "" when it has none. Cached for the life of the object.
  const std::string& Lookup(uint32_t uid);
  size_t size() const { return names_.size(); }

 private:
  std::unordered_map<uint32_t, std::string> names_;
};

}  // namespace ulna::agent
