// LineReader: streams the lines of an NDJSON file, plain or gzip (.gz, inflated with ISA-L's
// igzip, several times faster than zlib), without loading the file. Lines handed out stay valid
// until the next call and are followed by at least kLinePadding readable bytes (simdjson needs
// them). Not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace ulna {

inline constexpr size_t kLinePadding = 64;
inline constexpr size_t kMaxLineBytes = 1 << 20;  // longer lines are skipped and reported

class LineReader {
 public:
  // Gzip is detected from the magic bytes, not the name. NotFound / IoError on open failure.
  static Result<std::unique_ptr<LineReader>> Open(const std::string& path);
  virtual ~LineReader() = default;
  // Next line without its '\n' (and '\r'). False at end of input or on error (see status()).
  // An over-long line is returned as the empty string_view with oversize() true.
  virtual bool Next(std::string_view* line) = 0;
  virtual uint64_t line_number() const = 0;  // 1-based number of the last line returned
  virtual bool oversize() const = 0;
  virtual uint64_t bytes_read() const = 0;   // input (compressed) bytes consumed so far
  virtual const Status& status() const = 0;  // IoError / corrupt gzip after Next() == false
};

}  // namespace ulna
