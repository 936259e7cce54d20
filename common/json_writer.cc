#include "common/json_writer.h"

#include <charconv>
#include <cmath>
#include <cstring>

namespace ulna {
namespace {

constexpr char kHex[] = "0123456789abcdef";
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the well-formed UTF-8 sequence starting at s[0] (Unicode Table 3-7), or, when it is
// ill-formed, minus the length of its maximal subpart (at least 1) so that the caller replaces
// exactly that many bytes with one U+FFFD, as the Unicode "best practice" recommends.
int Utf8SequenceLength(const unsigned char* s, size_t n) {
  const unsigned char c = s[0];
  int len;
  unsigned char lo = 0x80, hi = 0xBF;  // bounds of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;  // no overlong forms
    if (c == 0xED) hi = 0x9F;  // no surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;  // no overlong forms
    if (c == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return -1;  // stray continuation byte, C0/C1 or F5..FF
  }
  for (int i = 1; i < len; ++i) {
    if (static_cast<size_t>(i) >= n) return -i;
    const unsigned char b = s[i];
    const unsigned char min = i == 1 ? lo : 0x80;
    const unsigned char max = i == 1 ? hi : 0xBF;
    if (b < min || b > max) return -i;
  }
  return len;
}

void AppendEscaped(std::string_view value, std::string* out) {
  const auto* s = reinterpret_cast<const unsigned char*>(value.data());
  const size_t n = value.size();
  out->push_back('"');
  size_t run_start = 0;  // plain bytes are copied in runs, not one by one
  size_t i = 0;
  while (i < n) {
    const unsigned char c = s[i];
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      const int len = Utf8SequenceLength(s + i, n - i);
      if (len > 0) {
        i += len;
        continue;
      }
      out->append(value.data() + run_start, i - run_start);
      out->append(kReplacement);
      i += -len;
      run_start = i;
      continue;
    }
    out->append(value.data() + run_start, i - run_start);
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default: {
        const char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
        out->append(esc, sizeof(esc));
      }
    }
    ++i;
    run_start = i;
  }
  out->append(value.data() + run_start, n - run_start);
  out->push_back('"');
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// Inverse of DaysFromCivil.
void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned DaysInMonth(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

void Put2(char* p, unsigned v) {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
}

// Reads exactly `count` decimal digits at text[*pos]; false when any is not a digit.
bool ReadDigits(std::string_view text, size_t* pos, int count, unsigned* value) {
  if (*pos + count > text.size()) return false;
  unsigned v = 0;
  for (int i = 0; i < count; ++i) {
    const unsigned digit = static_cast<unsigned char>(text[*pos + i]) - '0';
    if (digit > 9) return false;
    v = v * 10 + digit;
  }
  *pos += count;
  *value = v;
  return true;
}

bool Expect(std::string_view text, size_t* pos, char c) {
  if (*pos >= text.size() || text[*pos] != c) return false;
  ++*pos;
  return true;
}

}  // namespace

void JsonWriter::Separate() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (first_in_scope_.empty()) return;
  if (first_in_scope_.back()) {
    first_in_scope_.back() = false;
  } else {
    out_->push_back(',');
  }
}

void JsonWriter::BeginObject() {
  Separate();
  out_->push_back('{');
  first_in_scope_.push_back(true);
}

void JsonWriter::EndObject() {
  out_->push_back('}');
  first_in_scope_.pop_back();
}

void JsonWriter::BeginArray() {
  Separate();
  out_->push_back('[');
  first_in_scope_.push_back(true);
}

void JsonWriter::EndArray() {
  out_->push_back(']');
  first_in_scope_.pop_back();
}

void JsonWriter::Key(std::string_view key) {
  Separate();
  AppendEscaped(key, out_);
  out_->push_back(':');
  after_key_ = true;
}

void JsonWriter::String(std::string_view value) {
  Separate();
  AppendEscaped(value, out_);
}

void JsonWriter::Int(int64_t value) {
  Separate();
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof(buf), value);
  out_->append(buf, r.ptr);
}

void JsonWriter::Uint(uint64_t value) {
  Separate();
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof(buf), value);
  out_->append(buf, r.ptr);
}

void JsonWriter::Double(double value) {
  if (!std::isfinite(value)) {  // JSON has no NaN or Infinity
    Null();
    return;
  }
  Separate();
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof(buf), value);
  out_->append(buf, r.ptr);
}

void JsonWriter::Bool(bool value) {
  Separate();
  out_->append(value ? "true" : "false");
}

void JsonWriter::Null() {
  Separate();
  out_->append("null");
}

namespace {

// Formats with `digits` (3, 6 or 9) fraction digits, truncating toward the past.
std::string FormatWithFraction(int64_t time_ns, int digits) {
  int64_t unit = 1;
  for (int i = digits; i < 9; ++i) unit *= 10;
  // Floor division so that times before 1970 still print a valid clock time.
  int64_t seconds = time_ns / 1'000'000'000;
  int64_t ns = time_ns % 1'000'000'000;
  if (ns < 0) {
    ns += 1'000'000'000;
    --seconds;
  }
  int64_t days = seconds / 86400;
  int64_t sec_of_day = seconds % 86400;
  if (sec_of_day < 0) {
    sec_of_day += 86400;
    --days;
  }
  int64_t year;
  unsigned month, day;
  CivilFromDays(days, &year, &month, &day);

  char buf[48];
  char* p = buf;
  if (year >= 0 && year <= 9999) {
    const auto y = static_cast<unsigned>(year);
    Put2(p, y / 100);
    Put2(p + 2, y % 100);
    p += 4;
  } else {  // outside ISO-8601's 4-digit years; still readable, never parsed back
    p = std::to_chars(p, buf + 20, year).ptr;
  }
  const auto sod = static_cast<unsigned>(sec_of_day);
  *p++ = '-';
  Put2(p, month);
  p += 2;
  *p++ = '-';
  Put2(p, day);
  p += 2;
  *p++ = 'T';
  Put2(p, sod / 3600);
  p += 2;
  *p++ = ':';
  Put2(p, sod / 60 % 60);
  p += 2;
  *p++ = ':';
  Put2(p, sod % 60);
  p += 2;
  *p++ = '.';
  auto fraction = static_cast<uint32_t>(ns / unit);
  for (int i = digits - 1; i >= 0; --i) {
    p[i] = static_cast<char>('0' + fraction % 10);
    fraction /= 10;
  }
  p += digits;
  *p++ = 'Z';
  return std::string(buf, p);
}

}  // namespace

std::string FormatTimestamp(int64_t time_ns) { return FormatWithFraction(time_ns, 3); }

std::string FormatTimestampExact(int64_t time_ns) {
  const int64_t sub_ms = time_ns % 1'000'000;
  const int digits = sub_ms == 0 ? 3 : sub_ms % 1000 == 0 ? 6 : 9;
  return FormatWithFraction(time_ns, digits);
}

bool ParseTimestamp(std::string_view text, int64_t* time_ns) {
  size_t pos = 0;
  unsigned year, month, day, hour, minute, second;
  if (!ReadDigits(text, &pos, 4, &year) || !Expect(text, &pos, '-') ||
      !ReadDigits(text, &pos, 2, &month) || !Expect(text, &pos, '-') ||
      !ReadDigits(text, &pos, 2, &day)) {
    return false;
  }
  if (pos >= text.size() || (text[pos] != 'T' && text[pos] != 't')) return false;
  ++pos;
  if (!ReadDigits(text, &pos, 2, &hour) || !Expect(text, &pos, ':') ||
      !ReadDigits(text, &pos, 2, &minute) || !Expect(text, &pos, ':') ||
      !ReadDigits(text, &pos, 2, &second)) {
    return false;
  }
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month) || hour > 23 ||
      minute > 59 || second > 59) {
    return false;
  }
  int64_t fraction_ns = 0;
  if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
    ++pos;
    int digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits == 9) return false;  // finer than a nanosecond
      fraction_ns = fraction_ns * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return false;
    for (int i = digits; i < 9; ++i) fraction_ns *= 10;
  }
  // Only UTC is accepted: "Z" or a zero offset ("+00:00", "+0000", "-00:00").
  const std::string_view zone = text.substr(pos);
  if (zone != "Z" && zone != "z" && zone != "+00:00" && zone != "+0000" && zone != "-00:00") {
    return false;
  }
  const int64_t seconds =
      DaysFromCivil(year, month, day) * 86400 + int64_t{hour} * 3600 + minute * 60 + second;
  int64_t ns;
  if (__builtin_mul_overflow(seconds, int64_t{1'000'000'000}, &ns) ||
      __builtin_add_overflow(ns, fraction_ns, &ns)) {
    return false;  // outside 1677..2262, the range of int64 nanoseconds
  }
  *time_ns = ns;
  return true;
}

}  // namespace ulna
