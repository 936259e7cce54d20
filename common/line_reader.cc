#include "common/line_reader.h"

#include <errno.h>
#include <fcntl.h>
#include <isa-l/igzip_lib.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace ulna {
namespace {

constexpr size_t kReadChunkBytes = 1 << 20;
// Holds a whole line of kMaxLineBytes plus its terminator, and several ordinary lines.
constexpr size_t kLineBufferBytes = 4 * kMaxLineBytes;

// Owns a file descriptor; reads count the bytes taken from the file.
class InputFile {
 public:
  InputFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~InputFile() { ::close(fd_); }
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  // Reads up to `n` bytes; 0 at end of file.
  Result<size_t> Read(void* dst, size_t n) {
    while (true) {
      const ssize_t r = ::read(fd_, dst, n);
      if (r >= 0) {
        bytes_read_ += static_cast<uint64_t>(r);
        return static_cast<size_t>(r);
      }
      if (errno != EINTR) return Status::IoError(path_ + ": read: " + std::strerror(errno));
    }
  }
  uint64_t bytes_read() const { return bytes_read_; }
  const std::string& path() const { return path_; }

 private:
  int fd_;
  std::string path_;
  uint64_t bytes_read_ = 0;
};

// Produces the decoded bytes of the file, in order.
class Source {
 public:
  virtual ~Source() = default;
  // Writes up to `cap` bytes to dst; 0 only at the end of the data.
  virtual Result<size_t> Fill(char* dst, size_t cap) = 0;
};

class PlainSource : public Source {
 public:
  PlainSource(InputFile* file, std::vector<uint8_t> head) : file_(file), head_(std::move(head)) {}

  Result<size_t> Fill(char* dst, size_t cap) override {
    if (head_pos_ < head_.size()) {  // the bytes read to sniff the format come first
      const size_t n = std::min(cap, head_.size() - head_pos_);
      std::memcpy(dst, head_.data() + head_pos_, n);
      head_pos_ += n;
      return n;
    }
    return file_->Read(dst, cap);
  }

 private:
  InputFile* file_;
  std::vector<uint8_t> head_;
  size_t head_pos_ = 0;
};

// Inflates gzip with ISA-L, member after member (files made by concatenation or by parallel
// compressors have several), verifying every member's CRC.
class GzipSource : public Source {
 public:
  // `input` is the read buffer, whose first `input_bytes` bytes were already read from the file.
  GzipSource(InputFile* file, std::vector<uint8_t> input, size_t input_bytes)
      : file_(file), in_(std::move(input)) {
    isal_inflate_init(&state_);
    state_.crc_flag = ISAL_GZIP;
    state_.next_in = in_.data();
    state_.avail_in = static_cast<uint32_t>(input_bytes);
  }

  Result<size_t> Fill(char* dst, size_t cap) override {
    state_.next_out = reinterpret_cast<uint8_t*>(dst);
    state_.avail_out = static_cast<uint32_t>(cap);
    while (state_.avail_out > 0) {
      if (state_.avail_in == 0 && !input_eof_) {
        Result<size_t> n = file_->Read(in_.data(), in_.size());
        if (!n.ok()) return n.status();
        if (*n == 0) input_eof_ = true;
        state_.next_in = in_.data();
        state_.avail_in = static_cast<uint32_t>(*n);
      }
      if (state_.block_state == ISAL_BLOCK_FINISH) {
        if (state_.avail_in == 0) break;  // end of the last member, end of the file
        StartNextMember();
      }
      const uint32_t in_before = state_.avail_in;
      const uint32_t out_before = state_.avail_out;
      const int ret = isal_inflate(&state_);
      if (ret < 0) {
        return Status::IoError(file_->path() + ": corrupt gzip data (" + ErrorName(ret) +
                               ") near compressed byte " + std::to_string(Position()));
      }
      const bool progress = state_.avail_in != in_before || state_.avail_out != out_before;
      if (!progress && input_eof_ && state_.block_state != ISAL_BLOCK_FINISH) {
        return Status::IoError(file_->path() + ": truncated gzip data (file ends inside a member)");
      }
    }
    return cap - state_.avail_out;
  }

 private:
  void StartNextMember() {
    uint8_t* next_in = state_.next_in;
    const uint32_t avail_in = state_.avail_in;
    isal_inflate_reset(&state_);
    state_.crc_flag = ISAL_GZIP;
    state_.next_in = next_in;
    state_.avail_in = avail_in;
  }

  uint64_t Position() const { return file_->bytes_read() - state_.avail_in; }

  static const char* ErrorName(int ret) {
    switch (ret) {
      case ISAL_INVALID_BLOCK:
        return "invalid deflate block";
      case ISAL_INVALID_SYMBOL:
        return "invalid deflate symbol";
      case ISAL_INVALID_LOOKBACK:
        return "invalid lookback distance";
      case ISAL_INVALID_WRAPPER:
        return "invalid gzip header";
      case ISAL_UNSUPPORTED_METHOD:
        return "unsupported compression method";
      case ISAL_INCORRECT_CHECKSUM:
        return "CRC mismatch";
      default:
        return "inflate error";
    }
  }

  InputFile* file_;
  std::vector<uint8_t> in_;
  bool input_eof_ = false;
  inflate_state state_;
};

class BufferedLineReader : public LineReader {
 public:
  BufferedLineReader(std::unique_ptr<InputFile> file, std::unique_ptr<Source> source)
      : file_(std::move(file)),
        source_(std::move(source)),
        buffer_(new char[kLineBufferBytes + kLinePadding]()) {}

  bool Next(std::string_view* line) override;
  uint64_t line_number() const override { return line_number_; }
  bool oversize() const override { return oversize_; }
  uint64_t bytes_read() const override { return file_->bytes_read(); }
  const Status& status() const override { return status_; }

 private:
  bool Emit(size_t start, size_t length, std::string_view* line);
  bool EmitOversize(std::string_view* line);

  std::unique_ptr<InputFile> file_;
  std::unique_ptr<Source> source_;
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
    Result<size_t> n = source_->Fill(buf + end_, kLineBufferBytes - end_);
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
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const std::string message = path + ": " + std::strerror(errno);
    return errno == ENOENT ? Status::NotFound(message) : Status::IoError(message);
  }
  auto file = std::make_unique<InputFile>(fd, path);
  // Sniff the format from the first bytes: gzip starts with 1f 8b whatever the file is called.
  std::vector<uint8_t> head(kReadChunkBytes);
  size_t have = 0;
  while (have < 2) {
    Result<size_t> n = file->Read(head.data() + have, head.size() - have);
    if (!n.ok()) return n.status();
    if (*n == 0) break;
    have += *n;
  }
  const bool gzip = have >= 2 && head[0] == 0x1f && head[1] == 0x8b;
  std::unique_ptr<Source> source;
  if (gzip) {
    source = std::make_unique<GzipSource>(file.get(), std::move(head), have);
  } else {
    head.resize(have);
    source = std::make_unique<PlainSource>(file.get(), std::move(head));
  }
  return std::unique_ptr<LineReader>(
      std::make_unique<BufferedLineReader>(std::move(file), std::move(source)));
}

}  // namespace ulna
