#include "agent/user_names.h"

#include <pwd.h>

#include <cerrno>
#include <vector>

namespace ulna::agent {

const std::string& UserNames::Lookup(uint32_t uid) {
  auto it = names_.find(uid);
  if (it != names_.end()) return it->second;
  std::string name;
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* result = nullptr;
  int rc;
  while ((rc = getpwuid_r(uid, &pw, buf.data(), buf.size(), &result)) == ERANGE &&
         buf.size() < (1u << 20)) {
    buf.resize(buf.size() * 2);
  }
  if (rc == 0 && result != nullptr) name = result->pw_name;
  return names_.emplace(uid, std::move(name)).first->second;
}

}  // namespace ulna::agent
