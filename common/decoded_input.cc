#include "common/decoded_input.h"

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

class PlainInput : public DecodedInput {
 public:
  PlainInput(std::unique_ptr<InputFile> file, std::vector<uint8_t> head)
      : file_(std::move(file)), head_(std::move(head)) {}

  Result<size_t> Read(char* out, size_t capacity) override {
    if (head_pos_ < head_.size()) {  // the bytes read to sniff the format come first
      const size_t n = std::min(capacity, head_.size() - head_pos_);
      std::memcpy(out, head_.data() + head_pos_, n);
      head_pos_ += n;
      return n;
    }
    return file_->Read(out, capacity);
  }
  uint64_t bytes_read() const override { return file_->bytes_read(); }
  const std::string& path() const override { return file_->path(); }

 private:
  std::unique_ptr<InputFile> file_;
  std::vector<uint8_t> head_;
  size_t head_pos_ = 0;
};

// Inflates gzip with ISA-L, member after member (files made by concatenation or by parallel
// compressors have several), verifying every member's CRC.
class GzipInput : public DecodedInput {
 public:
  // `input` is the read buffer, whose first `input_bytes` bytes were already read from the file.
  GzipInput(std::unique_ptr<InputFile> file, std::vector<uint8_t> input, size_t input_bytes)
      : file_(std::move(file)), in_(std::move(input)) {
    isal_inflate_init(&state_);
    state_.crc_flag = ISAL_GZIP;
    state_.next_in = in_.data();
    state_.avail_in = static_cast<uint32_t>(input_bytes);
  }

  Result<size_t> Read(char* out, size_t capacity) override {
    state_.next_out = reinterpret_cast<uint8_t*>(out);
    state_.avail_out = static_cast<uint32_t>(std::min<size_t>(capacity, UINT32_MAX));
    const uint32_t wanted = state_.avail_out;
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
    return static_cast<size_t>(wanted - state_.avail_out);
  }
  uint64_t bytes_read() const override { return file_->bytes_read(); }
  const std::string& path() const override { return file_->path(); }

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

  std::unique_ptr<InputFile> file_;
  std::vector<uint8_t> in_;
  bool input_eof_ = false;
  inflate_state state_;
};

}  // namespace

Result<std::unique_ptr<DecodedInput>> DecodedInput::Open(const std::string& path) {
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
  if (have >= 2 && head[0] == 0x1f && head[1] == 0x8b) {
    return std::unique_ptr<DecodedInput>(
        std::make_unique<GzipInput>(std::move(file), std::move(head), have));
  }
  head.resize(have);
  return std::unique_ptr<DecodedInput>(
      std::make_unique<PlainInput>(std::move(file), std::move(head)));
}

}  // namespace ulna
