// Parsers for the values of ulna-agent's command-line flags, shared by `capture` and `run`, each
// returning InvalidArgument that names the flag and what it expected.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace ulna::agent {

// A whole number within [min, max].
Status ParseCountFlag(const std::string& flag, const std::string& text, uint64_t min, uint64_t max,
                      uint64_t* out);
// A finite, non-negative number (e.g. seconds).
Status ParseNonNegativeFlag(const std::string& flag, const std::string& text, double* out);

}  // namespace ulna::agent
