#include "agent/flag_values.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace ulna::agent {

Status ParseCountFlag(const std::string& flag, const std::string& text, uint64_t min, uint64_t max,
                      uint64_t* out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  if (ec != std::errc() || ptr != text.data() + text.size() || *out < min || *out > max) {
    return Status::InvalidArgument(flag + ": expected an integer " + std::to_string(min) + ".." +
                                   std::to_string(max) + ", got '" + text + "'");
  }
  return Status::Ok();
}

Status ParseNonNegativeFlag(const std::string& flag, const std::string& text, double* out) {
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !std::isfinite(value) || value < 0) {
    return Status::InvalidArgument(flag + ": expected a non-negative number, got '" + text + "'");
  }
  *out = value;
  return Status::Ok();
}

}  // namespace ulna::agent
