// DecodedInput: the bytes of an NDJSON archive as written, whether the file is plain or gzip
// (detected from the magic bytes, inflated with ISA-L's igzip, member after member, every CRC
// checked). The line readers build on it. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"

namespace ulna {

class DecodedInput {
 public:
  // NotFound / IoError when the file cannot be opened or read.
  static Result<std::unique_ptr<DecodedInput>> Open(const std::string& path);
  virtual ~DecodedInput() = default;

  // Writes up to `capacity` decoded bytes to `out`; 0 only at the end of the data. IoError on
  // a failed read or corrupt / truncated gzip data (the message names the file).
  virtual Result<size_t> Read(char* out, size_t capacity) = 0;
  // File bytes (compressed for gzip) consumed so far.
  virtual uint64_t bytes_read() const = 0;
  virtual const std::string& path() const = 0;
};

}  // namespace ulna
