#include "common/json_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace ulna {
namespace {

std::string Escaped(std::string_view s) {
  std::string out;
  JsonWriter(&out).String(s);
  return out;
}

TEST(JsonWriterTest, EscapesQuotesBackslashAndControlBytes) {
  EXPECT_EQ(Escaped("plain / text"), "\"plain / text\"");
  EXPECT_EQ(Escaped("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(Escaped("\n\t\r\b\f"), "\"\\n\\t\\r\\b\\f\"");
  EXPECT_EQ(Escaped(std::string_view("\x01\x1f\x00", 3)), "\"\\u0001\\u001f\\u0000\"");
  EXPECT_EQ(Escaped("\x7f"), "\"\x7f\"");  // DEL needs no escape in JSON
}

TEST(JsonWriterTest, KeepsValidUtf8) {
  const std::string text = "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80";  // café € 😀
  EXPECT_EQ(Escaped(text), "\"" + text + "\"");
}

TEST(JsonWriterTest, ReplacesInvalidUtf8WithReplacementCharacter) {
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(Escaped("a\xFF"
                    "b"),
            "\"a" + fffd + "b\"");
  // Truncated 3-byte sequence: its maximal subpart (2 bytes) becomes one U+FFFD.
  EXPECT_EQ(Escaped("\xE2\x82"
                    "A"),
            "\"" + fffd + "A\"");
  // Overlong '/' (C0 AF): two ill-formed bytes, two replacements.
  EXPECT_EQ(Escaped("\xC0\xAF"), "\"" + fffd + fffd + "\"");
  // UTF-16 surrogate encoded in UTF-8 (ED A0 80) is not valid UTF-8: three replacements.
  EXPECT_EQ(Escaped("\xED\xA0\x80"), "\"" + fffd + fffd + fffd + "\"");
  // Above U+10FFFF.
  EXPECT_EQ(Escaped("\xF4\x90\x80\x80"), "\"" + fffd + fffd + fffd + fffd + "\"");
  // Sequence cut by the end of the string.
  EXPECT_EQ(Escaped("x\xF0\x9F\x98"), "\"x" + fffd + "\"");
}

TEST(JsonWriterTest, NestsObjectsAndArraysWithCommas) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Field("a", int64_t{1});
  w.Key("b");
  w.BeginArray();
  w.Int(1);
  w.Uint(2);
  w.BeginObject();
  w.Key("c");
  w.Null();
  w.EndObject();
  w.EndArray();
  w.Key("d");
  w.Bool(true);
  w.StringArray("e", {"x", "y"});
  w.StringArray("f", {});
  w.Field("g", "h");
  w.EndObject();
  EXPECT_EQ(out, R"({"a":1,"b":[1,2,{"c":null}],"d":true,"e":["x","y"],"f":[],"g":"h"})");
}

TEST(JsonWriterTest, WritesNumbers) {
  std::string out;
  JsonWriter w(&out);
  w.BeginArray();
  w.Int(std::numeric_limits<int64_t>::min());
  w.Uint(std::numeric_limits<uint64_t>::max());
  w.Double(0.1);
  w.Double(1e21);
  w.Double(-2.5);
  w.Double(std::nan(""));
  w.Double(std::numeric_limits<double>::infinity());
  w.EndArray();
  EXPECT_EQ(out, "[-9223372036854775808,18446744073709551615,0.1,1e+21,-2.5,null,null]");
}

TEST(TimestampTest, FormatsMilliseconds) {
  EXPECT_EQ(FormatTimestamp(0), "1970-01-01T00:00:00.000Z");
  // 1790813192926 ms = 2026-10-01T00:06:32.926Z (computed with Python's datetime).
  EXPECT_EQ(FormatTimestamp(1790813192926'000'000 + 999'999), "2026-10-01T00:06:32.926Z");
  EXPECT_EQ(FormatTimestamp(1709208000000'000'000), "2024-02-29T12:00:00.000Z");
  EXPECT_EQ(FormatTimestamp(-1), "1969-12-31T23:59:59.999Z");  // floors, never "-0.001"
  EXPECT_EQ(FormatTimestamp(-2203891200000'000'000), "1900-03-01T00:00:00.000Z");
}

TEST(TimestampTest, FormatsExactFractions) {
  const int64_t t = 1790813192926'000'000;
  EXPECT_EQ(FormatTimestampExact(t), "2026-10-01T00:06:32.926Z");
  EXPECT_EQ(FormatTimestampExact(t + 5'000), "2026-10-01T00:06:32.926005Z");
  EXPECT_EQ(FormatTimestampExact(t + 7), "2026-10-01T00:06:32.926000007Z");
}

TEST(TimestampTest, ParsesUtcForms) {
  int64_t ns = 0;
  ASSERT_TRUE(ParseTimestamp("2026-10-01T00:06:32.926Z", &ns));
  EXPECT_EQ(ns, 1790813192926'000'000);
  ASSERT_TRUE(ParseTimestamp("2026-10-01T00:06:32.926+00:00", &ns));
  EXPECT_EQ(ns, 1790813192926'000'000);
  ASSERT_TRUE(ParseTimestamp("2026-10-01T00:06:32Z", &ns));
  EXPECT_EQ(ns, 1790813192'000'000'000);
  ASSERT_TRUE(ParseTimestamp("2026-10-01T00:06:32.5Z", &ns));
  EXPECT_EQ(ns, 1790813192'500'000'000);
  ASSERT_TRUE(ParseTimestamp("2026-10-01T00:06:32.123456789Z", &ns));
  EXPECT_EQ(ns, 1790813192'123'456'789);
  ASSERT_TRUE(ParseTimestamp("1970-01-01T00:00:00Z", &ns));
  EXPECT_EQ(ns, 0);
  ASSERT_TRUE(ParseTimestamp("1969-12-31T23:59:59.999Z", &ns));
  EXPECT_EQ(ns, -1'000'000);
}

TEST(TimestampTest, LeapYears) {
  int64_t ns = 0;
  ASSERT_TRUE(ParseTimestamp("2024-02-29T12:00:00Z", &ns));
  EXPECT_EQ(ns, 1709208000000'000'000);
  ASSERT_TRUE(ParseTimestamp("2000-02-29T00:00:00Z", &ns));  // divisible by 400: leap
  EXPECT_EQ(ns, 951782400000'000'000);
  EXPECT_FALSE(ParseTimestamp("2023-02-29T00:00:00Z", &ns));
  EXPECT_FALSE(ParseTimestamp("2100-02-29T00:00:00Z", &ns));  // divisible by 100: not leap
  ASSERT_TRUE(ParseTimestamp("2100-03-01T00:00:00Z", &ns));
  EXPECT_EQ(ns, 4107542400000'000'000);
}

TEST(TimestampTest, RejectsMalformed) {
  int64_t ns = 42;
  for (const char* bad : {
           "", "2026-10-01", "2026-10-01T00:06:32", "2026-10-01T00:06:32.926",  // no zone
           "2026-10-01T00:06:32.Z", "2026-10-01T00:06:32.1234567891Z",          // fraction
           "2026-10-01T00:06:32+01:00", "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z",
           "2026-04-31T00:00:00Z", "2026-10-01T24:00:00Z", "2026-10-01T00:60:00Z",
           "2026-10-01T00:00:60Z", "2026-10-01 00:00:00Z", "2026-1-01T00:00:00Z",
           "2026-10-01T00:06:32ZZ", "x026-10-01T00:00:00Z",
           "2263-01-01T00:00:00Z",  // beyond int64 nanoseconds
       }) {
    EXPECT_FALSE(ParseTimestamp(bad, &ns)) << bad;
  }
  EXPECT_EQ(ns, 42);  // untouched on failure
}

TEST(TimestampTest, ExactFormatRoundTrips) {
  for (int64_t t : {int64_t{0}, int64_t{1790813192123456789}, int64_t{1790813192000001000},
                    int64_t{-1}, int64_t{951782400000000001}}) {
    int64_t back = 0;
    ASSERT_TRUE(ParseTimestamp(FormatTimestampExact(t), &back)) << t;
    EXPECT_EQ(back, t);
  }
}

}  // namespace
}  // namespace ulna
