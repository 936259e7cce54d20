// Turns a NUL-separated argument block (/proc/<pid>/cmdline, or the bytes the kernel copied at
// exec) into an argument list within the bounds of common/event.h. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ulna::agent {

struct ArgList {
  std::vector<std::string> args;
  bool truncated = false;  // some arguments or bytes were left out to stay within the bounds
};

// Splits at NULs (one trailing NUL is the terminator, not an empty argument). Keeps at most
// kMaxArgs arguments, cuts any argument to kMaxArgBytes and stops at kMaxArgsTotalBytes, so a
// huge command line can never produce an event the server must reject.
ArgList SplitArgs(std::string_view block);

}  // namespace ulna::agent
