#include "common/line_reader.h"

#include <cstring>

#include "common/decoded_input.h"

namespace ulna {
namespace {

// Holds a whole line of kMaxLineBytes plus its terminator, and several ordinary lines.
constexpr size_t kLineBufferBytes = 4 * kMaxLineBytes;

class BufferedLineReader : public LineReader {
 public:
  explicit BufferedLineReader(std::unique_ptr<DecodedInput> input)
      : input_(std::move(input)), buffer_(new char[kLineBufferBytes + kLinePadding]()) {}

  bool Next(std::string_view* line) override;
  uint64_t line_number() const override { return line_number_; }
  bool oversize() const override { return oversize_; }
  uint64_t bytes_read() const override { return input_->bytes_read(); }
  const Status& status() const override { return status_; }

 private:
  bool Emit(size_t start, size_t length, std::string_view* line);
  bool EmitOversize(std::string_view* line);

  std::unique_ptr<DecodedInput> input_;
  // [begin_, end_) holds data not yet returned; scan_ is where the search for '\n' resumes.
  // kLinePadding bytes past the capacity are always allocated, so every line is followed by
  // that many readable bytes.
  std::unique_ptr<char[]> buffer_;
  size_t begin_ = 0;
  size_t scan_ = 0;
  size_t end_ = 0;
  bool input_done_ = false;
  bool finished_ = false;
  bool skipping_ = false;  // inside an over-long line, discarding up to its '\n'
  bool oversize_ = false;
  uint64_t line_number_ = 0;
  Status status_;
};

bool BufferedLineReader::Emit(size_t start, size_t length, std::string_view* line) {
  if (length > 0 && buffer_[start + length - 1] == '\r') --length;
  if (length > kMaxLineBytes) return EmitOversize(line);
  ++line_number_;
  oversize_ = false;
  *line = std::string_view(buffer_.get() + start, length);
  return true;
}

bool BufferedLineReader::EmitOversize(std::string_view* line) {
  ++line_number_;
  oversize_ = true;
  *line = std::string_view();
  return true;
}

bool BufferedLineReader::Next(std::string_view* line) {
  if (finished_ || !status_.ok()) return false;
  char* const buf = buffer_.get();
  while (true) {
    const void* nl = std::memchr(buf + scan_, '\n', end_ - scan_);
    if (nl != nullptr) {
      const size_t start = begin_;
      const size_t stop = static_cast<const char*>(nl) - buf;
      begin_ = scan_ = stop + 1;
      if (skipping_) {
        skipping_ = false;
        return EmitOversize(line);
      }
      return Emit(start, stop - start, line);
    }
    scan_ = end_;
    if (input_done_) {
      finished_ = true;
      if (skipping_) return EmitOversize(line);
      if (begin_ == end_) return false;
      std::memset(buf + end_, 0, kLinePadding);
      const size_t start = begin_;
      begin_ = end_;
      return Emit(start, end_ - start, line);  // last line, without '\n'
    }
    if (skipping_) {
      begin_ = scan_ = end_ = 0;
    } else if (end_ - begin_ > kMaxLineBytes + 1) {  // +1: room for a '\r' before the '\n'
      skipping_ = true;
      begin_ = scan_ = end_ = 0;
    } else if (begin_ > 0) {
      std::memmove(buf, buf + begin_, end_ - begin_);
      end_ -= begin_;
      scan_ -= begin_;
      begin_ = 0;
    }
    Result<size_t> n = input_->Read(buf + end_, kLineBufferBytes - end_);
    if (!n.ok()) {
      status_ = n.status();
      return false;
    }
    if (*n == 0) input_done_ = true;
    end_ += *n;
  }
}

}  // namespace

Result<std::unique_ptr<LineReader>> LineReader::Open(const std::string& path) {
  auto input = DecodedInput::Open(path);
  ULNA_RETURN_IF_ERROR(input.status());
  return std::unique_ptr<LineReader>(
      std::make_unique<BufferedLineReader>(std::move(input).value()));
}

}  // namespace ulna
