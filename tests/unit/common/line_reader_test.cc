#include "common/line_reader.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <vector>

#include "common/line_block_reader.h"

namespace ulna {
namespace {

class LineReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/line_reader_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string WritePlain(const std::string& name, const std::string& content) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }
  // One gzip member holding `content`, as zlib's gzwrite makes it.
  std::string GzipBytes(const std::string& content) {
    const std::string path = dir_ + "/tmp.gz";
    gzFile gz = gzopen(path.c_str(), "wb6");
    EXPECT_NE(gz, nullptr);
    if (!content.empty()) {
      EXPECT_EQ(gzwrite(gz, content.data(), static_cast<unsigned>(content.size())),
                static_cast<int>(content.size()));
    }
    EXPECT_EQ(gzclose(gz), Z_OK);
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  // Reads every line; oversize lines come back as "<oversize>".
  static std::vector<std::string> ReadAll(LineReader* reader) {
    std::vector<std::string> lines;
    std::string_view line;
    while (reader->Next(&line)) {
      EXPECT_EQ(reader->line_number(), lines.size() + 1);
      // The padding after the line must be readable (simdjson reads it).
      volatile char touch =
          line.data() == nullptr ? 0 : line.data()[line.size() + kLinePadding - 1];
      (void)touch;
      lines.push_back(reader->oversize() ? "<oversize>" : std::string(line));
    }
    return lines;
  }

  std::unique_ptr<LineReader> Open(const std::string& path) {
    auto reader = LineReader::Open(path);
    EXPECT_TRUE(reader.ok()) << reader.status().ToString();
    return reader.ok() ? std::move(reader).value() : nullptr;
  }

  // Reads every block and splits it into lines as the replay's workers do; over-long lines
  // come back as "<oversize>", so the result compares with ReadAll's.
  static std::vector<std::string> ReadAllBlocks(LineBlockReader* reader) {
    std::vector<std::string> lines;
    TextBlock block;
    while (reader->Next(&block)) {
      std::string_view rest = block.lines();
      EXPECT_TRUE(rest.empty() || rest.back() == '\n');
      for (size_t i = 0; i < kLinePadding; ++i) EXPECT_EQ(block.bytes[block.size + i], '\0');
      while (!rest.empty()) {
        std::string_view line = rest.substr(0, rest.find('\n'));
        rest.remove_prefix(line.size() + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        lines.push_back(line.size() > kMaxLineBytes ? "<oversize>" : std::string(line));
      }
      if (block.oversize_line_after) lines.push_back("<oversize>");
    }
    return lines;
  }

  // Reads `path` with both readers, blocks of several sizes, and expects the same lines.
  void ExpectBlocksMatchLines(const std::string& path) {
    auto line_reader = Open(path);
    ASSERT_NE(line_reader, nullptr);
    const std::vector<std::string> want = ReadAll(line_reader.get());
    for (size_t block_bytes : {size_t{1}, size_t{7}, size_t{4096}, size_t{1} << 20}) {
      auto reader = LineBlockReader::Open(path, block_bytes);
      ASSERT_TRUE(reader.ok()) << reader.status().ToString();
      EXPECT_EQ(ReadAllBlocks(reader->get()), want) << path << " in blocks of " << block_bytes;
      EXPECT_EQ((*reader)->status().ToString(), line_reader->status().ToString());
      EXPECT_EQ((*reader)->bytes_read(), line_reader->bytes_read());
      TextBlock after_end;
      EXPECT_FALSE((*reader)->Next(&after_end));  // stays at the end
    }
  }

  std::string dir_;
};

const std::string kContent = "first\nsecond\r\n\nlast without newline";
const std::vector<std::string> kLines = {"first", "second", "", "last without newline"};

TEST_F(LineReaderTest, PlainFileWithCrlfEmptyLineAndNoFinalNewline) {
  auto reader = Open(WritePlain("a.ndjson", kContent));
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(ReadAll(reader.get()), kLines);
  EXPECT_TRUE(reader->status().ok());
  EXPECT_EQ(reader->bytes_read(), kContent.size());
  std::string_view line;
  EXPECT_FALSE(reader->Next(&line));  // stays at the end
}

TEST_F(LineReaderTest, EmptyFileAndMissingFile) {
  auto reader = Open(WritePlain("empty", ""));
  ASSERT_NE(reader, nullptr);
  EXPECT_TRUE(ReadAll(reader.get()).empty());
  EXPECT_TRUE(reader->status().ok());
  auto missing = LineReader::Open(dir_ + "/nope.gz");
  EXPECT_EQ(missing.status().code(), Status::Code::kNotFound);
}

TEST_F(LineReaderTest, GzipIsDetectedByMagicNotName) {
  const std::string gz = GzipBytes(kContent);
  auto reader = Open(WritePlain("events.ndjson", gz));  // no .gz suffix
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(ReadAll(reader.get()), kLines);
  EXPECT_TRUE(reader->status().ok()) << reader->status().ToString();
  EXPECT_EQ(reader->bytes_read(), gz.size());
}

TEST_F(LineReaderTest, MultiMemberGzip) {
  const std::string both = GzipBytes("one\ntwo\nthr") + GzipBytes("ee\nfour\n") + GzipBytes("");
  auto reader = Open(WritePlain("multi.gz", both));
  ASSERT_NE(reader, nullptr);
  // A line may span members: members concatenate into one stream.
  EXPECT_EQ(ReadAll(reader.get()), (std::vector<std::string>{"one", "two", "three", "four"}));
  EXPECT_TRUE(reader->status().ok()) << reader->status().ToString();
}

// Many lines of varied length, crossing every internal buffer boundary.
std::string ManyLines(std::vector<std::string>* lines) {
  std::mt19937 rng(7);
  std::string content;
  for (int i = 0; i < 60000; ++i) {
    std::string line = std::to_string(i) + ":" + std::string(rng() % 300, 'a' + i % 26);
    content += line + "\n";
    lines->push_back(line);
  }
  return content;
}

TEST_F(LineReaderTest, LargePlainAndGzipFiles) {
  std::vector<std::string> lines;
  const std::string content = ManyLines(&lines);
  ASSERT_GT(content.size(), 8u << 20);  // larger than the 4 MiB line buffer, twice
  auto plain = Open(WritePlain("big.ndjson", content));
  ASSERT_NE(plain, nullptr);
  EXPECT_EQ(ReadAll(plain.get()), lines);
  auto gz = Open(WritePlain("big.ndjson.gz", GzipBytes(content)));
  ASSERT_NE(gz, nullptr);
  EXPECT_EQ(ReadAll(gz.get()), lines);
  EXPECT_TRUE(gz->status().ok()) << gz->status().ToString();
}

TEST_F(LineReaderTest, TruncatedGzipIsAnError) {
  std::vector<std::string> lines;
  const std::string gz = GzipBytes(ManyLines(&lines));
  for (size_t cut : {gz.size() / 2, gz.size() - 4}) {  // mid-stream; trailer incomplete
    auto reader = Open(WritePlain("cut.gz", gz.substr(0, cut)));
    ASSERT_NE(reader, nullptr);
    const std::vector<std::string> got = ReadAll(reader.get());
    EXPECT_LT(got.size(), lines.size() + 1);
    EXPECT_EQ(reader->status().code(), Status::Code::kIoError) << cut;
    EXPECT_NE(reader->status().message().find("truncated"), std::string::npos)
        << reader->status().ToString();
  }
}

TEST_F(LineReaderTest, CorruptGzipIsAnError) {
  std::string gz = GzipBytes("hello\nworld\n");
  gz[gz.size() - 6] ^= 0x55;  // inside the CRC32 of the trailer
  auto reader = Open(WritePlain("crc.gz", gz));
  ASSERT_NE(reader, nullptr);
  ReadAll(reader.get());
  EXPECT_EQ(reader->status().code(), Status::Code::kIoError);
  EXPECT_NE(reader->status().message().find("corrupt"), std::string::npos)
      << reader->status().ToString();
}

TEST_F(LineReaderTest, OverLongLinesAreSkippedAndFlagged) {
  const std::string at_limit(kMaxLineBytes, 'x');
  const std::string over(kMaxLineBytes + 1, 'y');
  const std::string huge(3 * kMaxLineBytes + 17, 'z');  // longer than one buffer fill
  const std::string content =
      "a\n" + over + "\n" + at_limit + "\r\n" + huge + "\nb\n" + over;  // last without '\n'
  const std::vector<std::string> want = {"a",          "<oversize>", at_limit,
                                         "<oversize>", "b",          "<oversize>"};
  auto plain = Open(WritePlain("long.ndjson", content));
  ASSERT_NE(plain, nullptr);
  EXPECT_EQ(ReadAll(plain.get()), want);
  EXPECT_TRUE(plain->status().ok());
  auto gz = Open(WritePlain("long.gz", GzipBytes(content)));
  ASSERT_NE(gz, nullptr);
  EXPECT_EQ(ReadAll(gz.get()), want);
  EXPECT_TRUE(gz->status().ok()) << gz->status().ToString();
}

// The block reader hands out the same lines as the line reader, whatever the block size: CRLF,
// empty lines, a last line without '\n', gzip members, buffer boundaries, over-long lines.
TEST_F(LineReaderTest, BlocksHoldTheSameLines) {
  ExpectBlocksMatchLines(WritePlain("a.ndjson", kContent));
  ExpectBlocksMatchLines(WritePlain("empty", ""));
  ExpectBlocksMatchLines(WritePlain("a.gz", GzipBytes(kContent)));
  ExpectBlocksMatchLines(
      WritePlain("multi.gz", GzipBytes("one\ntwo\nthr") + GzipBytes("ee\nfour\n") + GzipBytes("")));
  std::vector<std::string> lines;
  const std::string many = ManyLines(&lines);
  ExpectBlocksMatchLines(WritePlain("big.ndjson", many));
  ExpectBlocksMatchLines(WritePlain("big.gz", GzipBytes(many)));
  const std::string at_limit(kMaxLineBytes, 'x');
  const std::string over(kMaxLineBytes + 1, 'y');
  const std::string huge(3 * kMaxLineBytes + 17, 'z');
  const std::string long_lines = "a\n" + over + "\n" + at_limit + "\r\n" + huge + "\nb\n" + over +
                                 "\n" + over + "\n" + over;  // consecutive, last without '\n'
  ExpectBlocksMatchLines(WritePlain("long.ndjson", long_lines));
  ExpectBlocksMatchLines(WritePlain("long.gz", GzipBytes(long_lines)));
  ExpectBlocksMatchLines(WritePlain("at-limit-last.ndjson", "a\n" + at_limit));
}

TEST_F(LineReaderTest, BlockReaderReportsMissingAndCorruptInput) {
  EXPECT_EQ(LineBlockReader::Open(dir_ + "/nope", 1 << 20).status().code(),
            Status::Code::kNotFound);
  std::vector<std::string> lines;
  const std::string gz = GzipBytes(ManyLines(&lines));
  auto reader = LineBlockReader::Open(WritePlain("cut.gz", gz.substr(0, gz.size() / 2)), 4096);
  ASSERT_TRUE(reader.ok());
  TextBlock block;
  size_t blocks = 0;
  while ((*reader)->Next(&block)) ++blocks;
  EXPECT_GT(blocks, 0u);
  EXPECT_EQ((*reader)->status().code(), Status::Code::kIoError);
  EXPECT_NE((*reader)->status().message().find("truncated"), std::string::npos);
}

}  // namespace
}  // namespace ulna
