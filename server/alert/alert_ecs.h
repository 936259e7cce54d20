// The ECS form of an alert: one JSON document per alert, one line in the NDJSON output, with
// single values where ECS has them (host.name, process.name) and arrays for what varies
// (destination.ip, destination.port, user.name), plus the `ulna` explanation object.
#pragma once

#include <string>

#include "server/alert/alert.h"

namespace ulna::server {

std::string AlertToEcsJson(const Alert& alert);

}  // namespace ulna::server
