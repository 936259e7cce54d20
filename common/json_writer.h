// JsonWriter: appends compact, correctly escaped JSON to a string, for the ECS documents both
// sides write (events, alerts). No DOM: callers emit keys and values in order.
// Not thread-safe; one writer per output string.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace ulna {

class JsonWriter {
 public:
  explicit JsonWriter(std::string* out) : out_(out) {}

  void BeginObject();
  void EndObject();
  void BeginArray();
  void EndArray();
  void Key(std::string_view key);       // inside an object, before its value
  void String(std::string_view value);  // escapes quotes, control bytes; invalid UTF-8 -> U+FFFD
  void Int(int64_t value);
  void Uint(uint64_t value);
  void Double(double value);  // shortest round-trip form; NaN/Inf written as null
  void Bool(bool value);
  void Null();
  // Convenience: Key + value.
  void Field(std::string_view key, std::string_view value) {
    Key(key);
    String(value);
  }
  void Field(std::string_view key, const char* value) {
    Key(key);
    String(value);
  }
  void Field(std::string_view key, int64_t value) {
    Key(key);
    Int(value);
  }
  // Key + an array of strings: any range of them (an event's args, a list of names).
  template <typename Strings>
  void StringArray(std::string_view key, const Strings& values) {
    Key(key);
    BeginArray();
    for (const auto& v : values) String(v);
    EndArray();
  }
  void StringArray(std::string_view key, std::initializer_list<std::string_view> values) {
    StringArray<std::initializer_list<std::string_view>>(key, values);
  }

 private:
  void Separate();
  std::string* out_;
  std::vector<bool> first_in_scope_;  // one entry per open object/array
  bool after_key_ = false;
};

// "2026-10-01T00:06:32.926Z" from Unix epoch ns (millisecond precision, like ECS @timestamp).
std::string FormatTimestamp(int64_t time_ns);
// Like FormatTimestamp but exact: 3, 6 or 9 fraction digits, the fewest that lose nothing, so that
// documents carrying kernel (ns) times parse back to the same value.
std::string FormatTimestampExact(int64_t time_ns);
// Parses ISO-8601 UTC ("...Z" or "+00:00", optional fraction up to ns); false when malformed.
bool ParseTimestamp(std::string_view text, int64_t* time_ns);

}  // namespace ulna
