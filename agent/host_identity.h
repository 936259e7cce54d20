// The identity the agent stamps on its events: host.name from gethostname(2) and host.id from
// /etc/machine-id (the systemd machine id, stable across reboots). Read once at start.
#pragma once

#include <string>

#include "common/event.h"

namespace ulna::agent {

// `machine_id_path` is a parameter so tests can supply their own file. A missing machine id
// leaves host.id empty (host.name alone still identifies the host).
HostInfo ReadHostIdentity(const std::string& machine_id_path = "/etc/machine-id");

}  // namespace ulna::agent
