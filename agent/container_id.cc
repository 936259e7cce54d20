#include "agent/container_id.h"

#include <cctype>

namespace ulna::agent {
namespace {

constexpr size_t kIdLen = 64;

bool IsLowerHex(std::string_view s) {
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c)) && (c < 'a' || c > 'f')) return false;
  }
  return true;
}

// A component is "<id>", "<prefix>-<id>" or either with ".scope"; prefixes vary by runtime
// ("docker", "cri-containerd", "crio", "libpod"), so any prefix ending in '-' is accepted.
std::string IdFromComponent(std::string_view c) {
  constexpr std::string_view kScope = ".scope";
  if (c.size() > kScope.size() && c.substr(c.size() - kScope.size()) == kScope) {
    c.remove_suffix(kScope.size());
  }
  if (c.size() < kIdLen) return "";
  std::string_view id = c.substr(c.size() - kIdLen);
  if (!IsLowerHex(id)) return "";
  if (c.size() > kIdLen && c[c.size() - kIdLen - 1] != '-') return "";
  return std::string(id);
}

}  // namespace

std::string ContainerIdFromCgroupPath(std::string_view path) {
  std::string found;
  while (!path.empty()) {
    size_t slash = path.find('/');
    std::string_view component = path.substr(0, slash);
    std::string id = IdFromComponent(component);
    if (!id.empty()) found = std::move(id);
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return found;
}

std::string ContainerIdFromCgroupFile(std::string_view text) {
  std::string v1_id;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    size_t first = line.find(':');
    if (first == std::string_view::npos) continue;
    size_t second = line.find(':', first + 1);
    if (second == std::string_view::npos) continue;
    std::string id = ContainerIdFromCgroupPath(line.substr(second + 1));
    if (id.empty()) continue;
    if (line.substr(0, first) == "0" && second == first + 1) return id;  // the v2 line
    if (v1_id.empty()) v1_id = std::move(id);
  }
  return v1_id;
}

}  // namespace ulna::agent
