// LineBlockReader: cuts an NDJSON archive (plain or gzip) into blocks of whole lines for
// parsers that take many lines at once, on several threads (the replay). Cheaper per line than
// LineReader: bytes are read straight into the block and only the block's end is searched for
// a line break; splitting the block into lines is left to whoever parses it. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/decoded_input.h"
#include "common/line_reader.h"  // kLinePadding, kMaxLineBytes
#include "common/status.h"

namespace ulna {

// Whole lines of an input, each ending in '\n' (a last line without one gets it), followed by
// kLinePadding zero bytes so that simdjson may read past any line. A line may end in "\r\n".
struct TextBlock {
  std::unique_ptr<char[]> bytes;
  size_t size = 0;  // bytes of lines, without the padding
  // A line longer than kMaxLineBytes (+1 for a '\r') came right after these; it was skipped
  // unread. Ending the block there lets the parser number it without the reader counting lines.
  bool oversize_line_after = false;

  std::string_view lines() const { return std::string_view(bytes.get(), size); }
};

class LineBlockReader {
 public:
  // Blocks hold about `block_bytes` of lines (more when one line is longer). NotFound /
  // IoError when the file cannot be opened.
  static Result<std::unique_ptr<LineBlockReader>> Open(const std::string& path, size_t block_bytes);

  // The next block, in a freshly allocated buffer the caller keeps. False at the end of the
  // input or on error (see status()).
  bool Next(TextBlock* block);
  uint64_t bytes_read() const { return input_->bytes_read(); }  // compressed bytes for gzip
  const Status& status() const { return status_; }

 private:
  LineBlockReader(std::unique_ptr<DecodedInput> input, size_t block_bytes);
  // Reads on past the current over-long line; what follows its '\n' is kept for the next block.
  void SkipRestOfLine();

  std::unique_ptr<DecodedInput> input_;
  size_t block_bytes_;
  size_t capacity_;    // of every block buffer, padding excluded
  std::string carry_;  // read but not yet handed out: the start of the next block
  bool input_done_ = false;
  Status status_;
};

}  // namespace ulna
