#include "agent/host_identity.h"

#include <limits.h>
#include <unistd.h>

#include "agent/proc_fs.h"

namespace ulna::agent {

HostInfo ReadHostIdentity(const std::string& machine_id_path) {
  HostInfo host;
  char name[HOST_NAME_MAX + 1] = {};
  if (gethostname(name, sizeof(name) - 1) == 0) host.name = name;
  if (Result<std::string> id = ReadSmallFile(machine_id_path, 256); id.ok()) {
    std::string& text = id.value();
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    host.id = text;
  }
  return host;
}

}  // namespace ulna::agent
