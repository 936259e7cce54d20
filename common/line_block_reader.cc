#include "common/line_block_reader.h"

#include <algorithm>
#include <cstring>

namespace ulna {
namespace {

// Read once a block is full but its last line is not: usually a fraction of one line is missing.
constexpr size_t kTopUpBytes = 64 * 1024;
// What the reader holds of a line before calling it over-long: the longest accepted line and
// its '\r'.
constexpr size_t kLongestLineBytes = kMaxLineBytes + 1;

// Position just past the last '\n' in [0, size), or 0 when there is none.
size_t EndOfLastLine(const char* bytes, size_t size) {
  const size_t nl = std::string_view(bytes, size).rfind('\n');
  return nl == std::string_view::npos ? 0 : nl + 1;
}

}  // namespace

Result<std::unique_ptr<LineBlockReader>> LineBlockReader::Open(const std::string& path,
                                                               size_t block_bytes) {
  auto input = DecodedInput::Open(path);
  ULNA_RETURN_IF_ERROR(input.status());
  return std::unique_ptr<LineBlockReader>(
      new LineBlockReader(std::move(input).value(), std::max<size_t>(block_bytes, 1)));
}

LineBlockReader::LineBlockReader(std::unique_ptr<DecodedInput> input, size_t block_bytes)
    : input_(std::move(input)),
      block_bytes_(block_bytes),
      // A block grows past block_bytes only while it holds no whole line, that is while its
      // one partial line is at most kLongestLineBytes; one more top-up read follows that.
      capacity_(std::max(block_bytes, kLongestLineBytes) + kTopUpBytes) {}

bool LineBlockReader::Next(TextBlock* block) {
  block->size = 0;
  block->oversize_line_after = false;
  if (!status_.ok() || (input_done_ && carry_.empty())) return false;
  // One more byte than the padding: room for the '\n' a last line may lack.
  block->bytes.reset(new char[capacity_ + 1 + kLinePadding]);
  char* const bytes = block->bytes.get();
  size_t size = std::min(carry_.size(), capacity_);  // carry_ never exceeds a block
  std::memcpy(bytes, carry_.data(), size);
  carry_.erase(0, size);
  size_t whole = EndOfLastLine(bytes, size);  // [0, whole) are complete lines
  while (true) {
    if (size - whole > kLongestLineBytes) {
      size = whole;
      block->oversize_line_after = true;
      SkipRestOfLine();
      break;
    }
    if (size >= block_bytes_ && whole > 0) {
      carry_.assign(bytes + whole, size - whole);
      size = whole;
      break;
    }
    if (input_done_) {
      if (size > whole) bytes[size++] = '\n';  // the last line had no '\n' of its own
      break;
    }
    const size_t want = size < block_bytes_ ? block_bytes_ - size : kTopUpBytes;
    Result<size_t> n = input_->Read(bytes + size, std::min(want, capacity_ - size));
    if (!n.ok()) {
      status_ = n.status();
      return false;
    }
    if (*n == 0) {
      input_done_ = true;
      continue;
    }
    const size_t in_read = EndOfLastLine(bytes + size, *n);
    if (in_read > 0) whole = size + in_read;
    size += *n;
  }
  std::memset(bytes + size, 0, kLinePadding);
  block->size = size;
  return size > 0 || block->oversize_line_after;
}

void LineBlockReader::SkipRestOfLine() {
  std::string chunk(kTopUpBytes, '\0');
  while (true) {
    Result<size_t> n = input_->Read(chunk.data(), chunk.size());
    if (!n.ok()) {
      status_ = n.status();
      return;
    }
    if (*n == 0) {
      input_done_ = true;
      return;
    }
    const void* nl = std::memchr(chunk.data(), '\n', *n);
    if (nl != nullptr) {
      const size_t after = static_cast<const char*>(nl) - chunk.data() + 1;
      carry_.assign(chunk.data() + after, *n - after);
      return;
    }
  }
}

}  // namespace ulna
