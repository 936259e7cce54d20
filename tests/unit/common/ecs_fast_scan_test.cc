// Differential tests of the ECS fast scanner (common/ecs_fast_scan.h) against the simdjson path:
// on every line of the dev scenarios and on systematic mutations of small fixtures, whenever the
// scanner answers it must answer exactly as simdjson does (accept/reject, event, reason and
// detail), and Parse (scanner, then simdjson) and ParseFresh must equal the simdjson path alone.
#include "common/ecs_fast_scan.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "common/ecs_codec.h"
#include "common/ecs_fields.h"
#include "tests/unit/common/ecs_sample_lines.h"

namespace ulna {
namespace {

// Lines of the shapes the archives and AppendEcsEvent produce, plus variations in layout.
using testing_lines::kNested;  // the schema example

constexpr std::string_view kDotted =
    R"({"@timestamp":1790813192926,"event.kind":"event",)"
    R"("event.category":"network","event.type":["connection","start"],)"
    R"("event.action":"connection_accepted","host.id":"h-1","host.os.type":"linux",)"
    R"("process.pid":0,"process.name":"sshd","process.args":[],"process.start":"2026-09-10T00:26:40.000001Z",)"
    R"("process.parent.pid":1,"user.id":4294967295,"group.id":"1001",)"
    R"("source.ip":"2001:db8::7","source.port":65535,"destination.ip":"::ffff:10.0.0.1",)"
    R"("destination.port":22,"network.transport":"UDP","network.direction":"ingress",)"
    R"("container.id":"3f4e5d6c7b8a","ulna.netns":4026531840,)"
    R"("ulna.cgroup_id":18446744073709551615,"ulna.repeat_count":12})";

// Whitespace between every token, nulls, mixed nesting, an unknown object with every JSON type.
constexpr std::string_view kSpaced =
    " \t{ \"@timestamp\" : \"2026-10-01T00:06:32Z\" ,\r\n \"event\" : { \"category\" : [ "
    "\"network\" "
    "] , \"type\" : \"start\" } , \"event.action\" : null , \"network\" : { \"direction\" : "
    "\"outbound\" , \"transport\" : \"tcp\" } , \"process\" : { \"parent\" : null , \"name\" : "
    "\"curl\" , \"parent.name\" : \"bash\" , \"working_directory\" : null } , \"host\" : { "
    "\"name\" : \"db-1\" } , \"extra\" : { \"a\" : [ 1 , -2.5e+3 , 0.0 , true , false , null , "
    "{ } , [ ] , \"s\" ] , \"process\" : { \"name\" : 1 } } , \"destination.ip\" : \"10.1.2.3\" "
    "} \n";

// A document that is not a network event, and one with a missing required field.
constexpr std::string_view kFileEvent =
    R"({"@timestamp":"2026-10-01T00:06:32.926Z","event":{"category":["file"],"type":["start"],)"
    R"("action":"creation"},"host":{"name":"a"},"process":{"name":"touch"},)"
    R"("network":{"transport":"tcp"},"destination":{"ip":"10.0.0.1"}})";
constexpr std::string_view kNoTransport =
    R"({"@timestamp":"2026-10-01T00:06:32.926Z","event":{"category":"network","type":"start",)"
    R"("action":"disconnect_received"},"host":{"name":"a"},"process":{"name":"x"}})";

// Both addresses unparsable (a truncated IPv6 address, as in the archives): the first one is
// the reason, and the scanner judges it itself.
constexpr std::string_view kBadAddresses =
    R"({"@timestamp":"2026-10-01T00:06:32.926Z","event":{"category":["network"],"type":["start"],)"
    R"("action":"connection_accepted"},"host":{"name":"a"},"process":{"name":"sshd"},)"
    R"("source":{"ip":"2a00:23c7:16f0:9650:1e89:e31e","port":1},"destination":{"ip":"10.0.0.256"},)"
    R"("network":{"transport":"tcp"}})";

std::vector<std::string> Fixtures() {
  return {std::string(kNested),    std::string(kDotted),      std::string(kSpaced),
          std::string(kFileEvent), std::string(kNoTransport), std::string(kBadAddresses)};
}

// Places each line right before a PROT_NONE page, so that reading one byte past the line's end
// crashes the test instead of going unnoticed.
class GuardedLine {
 public:
  static constexpr size_t kCapacity = 1 << 20;
  GuardedLine() {
    page_ = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    size_ = kCapacity + page_;
    void* p = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) std::abort();
    base_ = static_cast<char*>(p);
    if (mprotect(base_ + kCapacity, page_, PROT_NONE) != 0) std::abort();
  }
  ~GuardedLine() { munmap(base_, size_); }
  GuardedLine(const GuardedLine&) = delete;
  GuardedLine& operator=(const GuardedLine&) = delete;

  std::string_view Place(std::string_view line) {
    if (line.size() > kCapacity) return line;
    char* at = base_ + kCapacity - line.size();
    std::memcpy(at, line.data(), line.size());
    return {at, line.size()};
  }

 private:
  char* base_ = nullptr;
  size_t page_ = 0;
  size_t size_ = 0;
};

struct Tally {
  size_t lines = 0;
  size_t accepted = 0;          // by the simdjson path
  size_t fast_accepted = 0;     // accepted by the scanner itself
  size_t fast_rejected = 0;     // rejected by the scanner itself
  size_t fast_not_handled = 0;  // left to simdjson
};

class Differential {
 public:
  // Checks one line; returns false (with a gtest failure) when the paths disagree.
  bool Check(std::string_view line, Tally* tally) {
    ++tally->lines;
    const bool want = parser_.ParseWithSimdjson(line, &want_event_, &want_error_);
    if (want) ++tally->accepted;

    ecs::ResetEvent(&fast_event_);
    const FastScanResult fast = scanner_.Scan(guard_.Place(line), &fast_event_, &fast_error_);
    bool same = true;
    if (fast == FastScanResult::kNotHandled) {
      ++tally->fast_not_handled;
    } else {
      (fast == FastScanResult::kAccepted ? tally->fast_accepted : tally->fast_rejected)++;
      same &= Agree("EcsFastScanner", line, fast == FastScanResult::kAccepted, fast_event_,
                    fast_error_, want);
    }
    // Parse reuses an event that held the previous line's values.
    const bool got = parser_.Parse(guard_.Place(line), &parse_event_, &parse_error_);
    same &= Agree("Parse", line, got, parse_event_, parse_error_, want);
    // ParseFresh, as the replay uses it: each accepted line's event is kept and the next line
    // goes into a new one; after a rejection the same event (reset by the failure) is reused.
    if (fresh_accepted_) fresh_event_ = NetworkEvent();
    fresh_accepted_ = parser_.ParseFresh(guard_.Place(line), &fresh_event_, &fresh_error_);
    same &= Agree("ParseFresh", line, fresh_accepted_, fresh_event_, fresh_error_, want,
                  /*rejected_event_kept=*/false);
    if (!fresh_accepted_) {
      NetworkEvent reset = NetworkEvent();
      reset.process.args = fresh_event_.process.args;  // left for the next parse to overwrite
      EXPECT_TRUE(fresh_event_ == reset) << "ParseFresh left values after rejecting:\n" << line;
    }
    return same;
  }

 private:
  // `rejected_event_kept`: whether a rejecting path leaves what it read in the event.
  bool Agree(const char* path, std::string_view line, bool ok, const NetworkEvent& event,
             const ParseError& error, bool want, bool rejected_event_kept = true) {
    // After a malformed line the event is unspecified (the args vector keeps earlier entries).
    const bool malformed =
        !want && (want_error_.reason == RejectReason::kMalformedJson || !rejected_event_kept);
    const bool same =
        ok == want && (malformed || event == want_event_) &&
        (ok || (error.reason == want_error_.reason && error.detail == want_error_.detail));
    EXPECT_TRUE(same) << path << " differs from the simdjson path on:\n"
                      << line << "\n got " << (ok ? "accept" : "reject ")
                      << (ok ? "" : error.detail) << " (" << RejectReasonName(error.reason) << ")"
                      << "\nwant " << (want ? "accept" : "reject ")
                      << (want ? "" : want_error_.detail) << " ("
                      << RejectReasonName(want_error_.reason) << ")"
                      << (malformed || event == want_event_ ? "" : "\n(events differ)");
    return same;
  }

  EcsEventParser parser_;
  EcsFastScanner scanner_;
  GuardedLine guard_;
  NetworkEvent want_event_, fast_event_, parse_event_, fresh_event_;
  ParseError want_error_, fast_error_, parse_error_, fresh_error_;
  bool fresh_accepted_ = false;
};

// Where a JSON value that starts at `at` ends (one past it), for the value-replacing mutations.
// Only used on the well-formed fixtures.
size_t ValueEnd(const std::string& s, size_t at) {
  if (s[at] == '"') {
    size_t i = at + 1;
    while (s[i] != '"') i += s[i] == '\\' ? 2 : 1;
    return i + 1;
  }
  if (s[at] == '{' || s[at] == '[') {
    int depth = 0;
    for (size_t i = at; i < s.size(); ++i) {
      if (s[i] == '"') {
        i = ValueEnd(s, i) - 1;
      } else if (s[i] == '{' || s[i] == '[') {
        ++depth;
      } else if ((s[i] == '}' || s[i] == ']') && --depth == 0) {
        return i + 1;
      }
    }
    return s.size();
  }
  size_t i = at;
  while (i < s.size() && std::strchr(",}] \t\r\n", s[i]) == nullptr) ++i;
  return i;
}

// Positions where a value starts: after each ':' and each array '[' or ',' (outside strings).
std::vector<size_t> ValueStarts(const std::string& s) {
  std::vector<size_t> starts;
  std::vector<char> open;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '"') {
      i = ValueEnd(s, i) - 1;
      continue;
    }
    if (c == '{' || c == '[') open.push_back(c);
    if ((c == '}' || c == ']') && !open.empty()) open.pop_back();
    const bool in_array = !open.empty() && open.back() == '[';
    if (c == ':' || (c == '[') || (c == ',' && in_array)) {
      size_t v = i + 1;
      while (v < s.size() && std::strchr(" \t\r\n", s[v]) != nullptr) ++v;
      if (v < s.size() && s[v] != ']') starts.push_back(v);
    }
  }
  return starts;
}

// Positions of each key's opening quote (a string followed by ':').
std::vector<size_t> KeyStarts(const std::string& s) {
  std::vector<size_t> starts;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '"') continue;
    const size_t end = ValueEnd(s, i);
    size_t j = end;
    while (j < s.size() && s[j] == ' ') ++j;
    if (j < s.size() && s[j] == ':') starts.push_back(i);
    i = end - 1;
  }
  return starts;
}

// Every mutation of `line` the test tries.
std::vector<std::string> Mutations(const std::string& line) {
  std::vector<std::string> out;
  // Truncation at every byte offset.
  for (size_t i = 0; i <= line.size(); ++i) out.push_back(line.substr(0, i));
  // Per byte: deletion, duplication, replacement and insertion of structural and odd bytes.
  static constexpr char kBytes[] = {'{', '}', '[', ']', ':', ',', '"',    '\\',   ' ',  '\t',  '\n',
                                    'x', '0', '1', '-', '.', 'e', '\x80', '\xC3', '\0', '\x1F'};
  for (size_t i = 0; i < line.size(); ++i) {
    out.push_back(line.substr(0, i) + line.substr(i + 1));
    out.push_back(line.substr(0, i + 1) + line.substr(i));
    for (char c : kBytes) {
      std::string replaced = line;
      replaced[i] = c;
      out.push_back(replaced);
      out.push_back(line.substr(0, i) + c + line.substr(i));
    }
  }
  // Trailing content and garbage.
  for (std::string_view tail : {" ", "\n", " {}", "}", ",", "x", "\0", "[]", " 1"}) {
    out.push_back(line + std::string(tail));
  }
  // Every value replaced by values of every type and number form, and by escaped strings.
  static const char* kValues[] = {"null",
                                  "true",
                                  "false",
                                  "0",
                                  "1",
                                  "-1",
                                  "-0",
                                  "00",
                                  "01",
                                  "1.5",
                                  "1e3",
                                  "1E+2",
                                  "65536",
                                  "4294967296",
                                  "18446744073709551616",
                                  "99999999999999999999999",
                                  "9223372036854775807",
                                  R"("")",
                                  R"("x")",
                                  R"("tcp")",
                                  R"("network")",
                                  R"("start")",
                                  R"("connection_accepted")",
                                  R"("33")",
                                  R"("-1")",
                                  R"("1.2.3.4")",
                                  R"("1.2.3.04")",
                                  R"("::1")",
                                  R"("2026-10-01T00:06:32Z")",
                                  R"("2026-13-01T00:00:00Z")",
                                  R"("\u0041")",
                                  R"("a\"b")",
                                  R"("caf\u00e9")",
                                  "\"caf\xC3\xA9\"",
                                  "\"\xFF\"",
                                  "[]",
                                  R"(["network"])",
                                  R"(["start",1])",
                                  R"([null])",
                                  R"(["a",["b"]])",
                                  "{}",
                                  R"({"ip":"1.1.1.1"})",
                                  R"({"a":{"b":{"c":{"d":{}}}}})",
                                  "[[[[[[[[[[1]]]]]]]]]]"};
  for (size_t at : ValueStarts(line)) {
    const size_t end = ValueEnd(line, at);
    for (const char* v : kValues) out.push_back(line.substr(0, at) + v + line.substr(end));
  }
  // Keys: renamed, escaped, dotted differently, and each member duplicated.
  for (size_t at : KeyStarts(line)) {
    const size_t key_end = ValueEnd(line, at);
    const std::string key = line.substr(at + 1, key_end - at - 2);
    auto with_key = [&](const std::string& k) {
      return line.substr(0, at) + "\"" + k + "\"" + line.substr(key_end);
    };
    out.push_back(with_key(key + "x"));
    out.push_back(with_key(key + "."));
    out.push_back(with_key("." + key));
    out.push_back(with_key(key + ".pid"));
    out.push_back(with_key("process." + key));
    out.push_back(with_key("\\u00" + std::string(key[0] == 'p' ? "70" : "41") + key.substr(1)));
    if (!key.empty()) out.push_back(with_key(key.substr(0, key.size() - 1)));
    // The whole member, copied right after itself: a duplicate key.
    size_t colon = key_end;
    while (line[colon] != ':') ++colon;
    size_t value = colon + 1;
    while (line[value] == ' ') ++value;
    const size_t member_end = ValueEnd(line, value);
    const std::string member = line.substr(at, member_end - at);
    out.push_back(line.substr(0, member_end) + "," + member + line.substr(member_end));
  }
  // An unknown object with every JSON type at the start of each object.
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] != '{') continue;
    const bool empty = line[i + 1] == '}';
    out.push_back(line.substr(0, i + 1) +
                  R"("zz":{"a":[1,-2.5e+3,0.0,true,false,null,{},[],"s"],"b":{"c":null}})" +
                  (empty ? "" : ",") + line.substr(i + 1));
  }
  return out;
}

std::string SharedDir() {
  const char* env = std::getenv("ULNA_SHARED");
  return env != nullptr ? env : ULNA_SHARED_DIR;
}

// Reads every line of a gzip file (zlib, independent of the LineReader under test elsewhere).
bool ForEachLine(const std::string& path, const std::function<void(std::string_view)>& fn) {
  gzFile gz = gzopen(path.c_str(), "rb");
  if (gz == nullptr) return false;
  gzbuffer(gz, 1 << 20);
  std::vector<char> chunk(1 << 16);
  std::string line;
  while (gzgets(gz, chunk.data(), static_cast<int>(chunk.size())) != nullptr) {
    line.append(chunk.data());
    if (line.empty() || line.back() != '\n') continue;  // a longer line: keep reading
    line.pop_back();
    if (!line.empty() && line.back() == '\r') line.pop_back();
    fn(line);
    line.clear();
  }
  if (!line.empty()) fn(line);
  int err = Z_OK;
  gzerror(gz, &err);
  gzclose(gz);
  return err == Z_OK || err == Z_STREAM_END;
}

TEST(EcsFastScanTest, FixturesAreHandledAndAgree) {
  Differential diff;
  for (const std::string& line : Fixtures()) {
    Tally tally;
    EXPECT_TRUE(diff.Check(line, &tally));
    EXPECT_EQ(tally.fast_not_handled, 0u) << "the scanner should handle:\n" << line;
  }
}

TEST(EcsFastScanTest, RejectsAnUnparsableAddressItself) {
  EcsFastScanner scanner;
  NetworkEvent event;
  ParseError error;
  ecs::ResetEvent(&event);
  ASSERT_EQ(scanner.Scan(kBadAddresses, &event, &error), FastScanResult::kRejected);
  EXPECT_EQ(error.reason, RejectReason::kInvalidValue);
  EXPECT_EQ(error.detail, R"(source.ip "2a00:23c7:16f0:9650:1e89:e31e" is not an IP address)");
}

// The key cache remembers the bytes from the '{' or ',' before a member to its ':' in compact
// lines; the same members laid out otherwise (whitespace around any of those bytes), or an object
// that ends where a member was remembered, must still be scanned, and alike, after it is warm.
TEST(EcsFastScanTest, CachedMembersFollowLayoutChanges) {
  const std::string compact(kNested);
  // `space` before or after each `c` outside strings (kNested's strings have no escapes).
  auto spaced = [&compact](char c, const char* space, bool after) {
    std::string out;
    bool in_string = false;
    for (char x : compact) {
      const bool here = x == c && !in_string;
      if (here && !after) out += space;
      out += x;
      if (here && after) out += space;
      if (x == '"') in_string = !in_string;
    }
    return out;
  };
  // kNested's "event" object, its first member gone: a ',' where `{"kind":` was remembered.
  std::string first_dropped = compact;
  const std::string kind = R"("kind":"event",)";
  first_dropped.erase(first_dropped.find(kind), kind.size());
  // And emptied: a '}' where the cached member began.
  std::string emptied = compact;
  const size_t event_open = emptied.find(R"("event":{)") + 8;
  emptied.replace(event_open, emptied.find('}', event_open) + 1 - event_open, "{}");
  Differential diff;
  for (const std::string& line :
       {compact, spaced(',', " ", true), compact, spaced(',', "\t", false), compact,
        spaced('{', "\n", true), compact, spaced(':', " ", true), compact, spaced(':', " ", false),
        compact, first_dropped, compact, emptied, compact}) {
    Tally tally;
    EXPECT_TRUE(diff.Check(line, &tally));
    EXPECT_EQ(tally.fast_not_handled, 0u) << "the scanner should handle:\n" << line;
  }
}

// The scanner reads a @timestamp in the hour of the previous one from its minutes on: times in,
// across and out of a remembered hour, malformed ones, and hours at the ends of the int64
// nanosecond range must read as ParseTimestamp reads them (the simdjson path).
TEST(EcsFastScanTest, TimestampsInARememberedHourAgree) {
  const std::string compact(kNested);
  const std::string original = "2026-10-01T00:06:32.926Z";
  ASSERT_NE(compact.find(original), std::string::npos);
  auto at = [&](const std::string& time) {
    std::string line = compact;
    line.replace(line.find(original), original.size(), time);
    return line;
  };
  Differential diff;
  Tally tally;
  for (const char* time :
       {"2026-10-01T00:06:32.926Z",  "2026-10-01T00:00:00.000Z", "2026-10-01T00:59:59.999Z",
        "2026-10-01T00:60:00.000Z",  "2026-10-01T00:59:60.000Z", "2026-10-01T00:5a:00.000Z",
        "2026-10-01T00:05:00.00aZ",  "2026-10-01T00:05:00,000Z", "2026-10-01T00:05:00.000z",
        "2026-10-01T00:05:00.0000Z", "2026-10-01T00:05:00.00Z",  "2026-10-01T00:05:00.000+00:00",
        "2026-10-01T00:05:00Z",      "2026-10-01T01:00:00.000Z", "2026-10-01T00:05:00.000Z",
        "2026-10-02T00:05:00.000Z",  "2026-10-01t00:05:00.000Z", "2026-10-01t00:05:01.000Z",
        "2024-02-29T10:00:00.000Z",  "2024-02-29T10:30:00.500Z", "2025-02-29T10:30:00.500Z",
        "1969-12-31T23:59:59.999Z",  "1969-12-31T23:00:00.000Z", "1677-09-21T00:12:43.146Z",
        "1677-09-21T00:12:43.145Z",  "2262-04-11T23:00:00.000Z", "2262-04-11T23:47:16.854Z",
        "2262-04-11T23:47:16.855Z",  "2262-04-11T22:59:59.999Z", "2262-04-11T22:00:00.000Z",
        "2026-10-01T00:06:32.926Z"}) {
    EXPECT_TRUE(diff.Check(at(time), &tally)) << time;
  }
  EXPECT_GT(tally.fast_accepted, 20u);  // the scanner answered, not only simdjson
}

// The dotted-quad fast path of ParseIpField must read IPv4 exactly as the general parser does.
TEST(EcsFastScanTest, Ipv4FastPathAgreesWithTheGeneralParser) {
  for (std::string_view text :
       {"0.0.0.0",   "1.2.3.4",         "10.244.2.227",    "255.255.255.255", "256.1.1.1",
        "1.2.3.256", "01.2.3.4",        "1.2.3.04",        "1.2.3.0",         "1.2.3",
        "1.2.3.4.",  ".1.2.3.4",        "1..2.3",          "1.2.3.1234",      "1234.1.1.1",
        "1.2.3.4 ",  " 1.2.3.4",        "1.2.3.-4",        "a.b.c.d",         "",
        "1",         "999.999.999.999", "100.200.250.199", "::ffff:1.2.3.4",  "2001:db8::1"}) {
    const std::optional<IpAddress> fast = ecs::ParseIpField(text);
    const std::optional<IpAddress> general = IpAddress::Parse(text);
    EXPECT_EQ(fast.has_value(), general.has_value()) << text;
    if (fast && general) {
      EXPECT_TRUE(*fast == *general) << text;
    }
  }
}

TEST(EcsFastScanTest, MutatedFixturesAgree) {
  Differential diff;
  Tally tally;
  size_t failures = 0;
  for (const std::string& fixture : Fixtures()) {
    for (const std::string& line : Mutations(fixture)) {
      if (!diff.Check(line, &tally) && ++failures >= 20) FAIL() << "too many differences";
    }
  }
  std::printf(
      "[ mutations ] %zu lines, %zu accepted by simdjson; scanner: %zu accepted, %zu "
      "rejected, %zu left to simdjson\n",
      tally.lines, tally.accepted, tally.fast_accepted, tally.fast_rejected,
      tally.fast_not_handled);
  // The mutations must exercise both sides of the scanner, or they test nothing.
  EXPECT_GT(tally.fast_accepted, 1000u);
  EXPECT_GT(tally.fast_rejected, 100u);
  EXPECT_GT(tally.fast_not_handled, 10000u);
}

class EcsFastScanScenarioTest : public ::testing::TestWithParam<const char*> {};

TEST_P(EcsFastScanScenarioTest, EveryLineAgrees) {
  const std::string path = SharedDir() + "/scenarios/" + GetParam() + "/events.ndjson.gz";
  if (!std::filesystem::exists(path)) {
    GTEST_SKIP() << "SKIPPED: scenario archive " << path
                 << " not found (set ULNA_SHARED to the shared folder); the differential test "
                    "on real lines did NOT run";
  }
  Differential diff;
  Tally tally;
  size_t failures = 0;
  ASSERT_TRUE(ForEachLine(path, [&](std::string_view line) {
    if (failures < 20 && !diff.Check(line, &tally)) ++failures;
  })) << path;
  std::printf(
      "[ %s ] %zu lines, %zu accepted by simdjson; scanner: %zu accepted, %zu rejected, "
      "%zu left to simdjson\n",
      GetParam(), tally.lines, tally.accepted, tally.fast_accepted, tally.fast_rejected,
      tally.fast_not_handled);
  EXPECT_GT(tally.lines, 100000u);
  // Nearly every valid line takes the fast path (the rest have escapes in process.args).
  EXPECT_GE(tally.fast_accepted, tally.accepted * 999 / 1000);
  // And nearly every rejected one (truncated IPv6 addresses, judged by the scanner too).
  EXPECT_GE(tally.fast_rejected, (tally.lines - tally.accepted) * 99 / 100);
}

INSTANTIATE_TEST_SUITE_P(Scenarios, EcsFastScanScenarioTest, ::testing::Values("dev1", "dev2"));

}  // namespace
}  // namespace ulna
