#include "agent/arg_list.h"

#include "common/event.h"

namespace ulna::agent {

ArgList SplitArgs(std::string_view block) {
  ArgList out;
  if (!block.empty() && block.back() == '\0') block.remove_suffix(1);
  if (block.empty()) return out;
  size_t total = 0;
  while (true) {
    size_t nul = block.find('\0');
    std::string_view arg = block.substr(0, nul);
    if (out.args.size() == kMaxArgs) {
      out.truncated = true;
      break;
    }
    if (arg.size() > kMaxArgBytes) {
      arg = arg.substr(0, kMaxArgBytes);
      out.truncated = true;
    }
    if (total + arg.size() > kMaxArgsTotalBytes) {
      out.truncated = true;
      break;
    }
    total += arg.size();
    out.args.emplace_back(arg);
    if (nul == std::string_view::npos) break;
    block.remove_prefix(nul + 1);
  }
  return out;
}

}  // namespace ulna::agent
