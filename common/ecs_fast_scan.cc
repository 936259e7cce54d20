#include "common/ecs_fast_scan.h"

#include <charconv>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "common/ecs_fields.h"
#include "common/json_writer.h"

namespace ulna {
namespace {

using ecs::Action;
using ecs::Leaf;
using ecs::Presence;
using ecs::Scope;
using ecs::Target;

// Containers nest at most this deep (the root object is 1); deeper lines go to simdjson.
constexpr int kMaxDepth = 8;

bool IsSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Bytes that end the fast scan of a string body: the closing quote, or what the scanner leaves
// to simdjson (an escape, a control character JSON forbids, any non-ASCII byte, whose UTF-8
// validity simdjson checks).
bool IsStringSpecial(char c) {
  const auto u = static_cast<unsigned char>(c);
  return c == '"' || c == '\\' || u < 0x20 || u >= 0x80;
}

// The first string-special byte in [p, end), or end. Loads 16 bytes only while 16 remain.
inline const char* FindStringSpecial(const char* p, const char* end) {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i space = _mm_set1_epi8(0x20);
  while (end - p >= 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    // A signed compare: bytes >= 0x80 are negative, so "less than 0x20" flags them too.
    const __m128i hit =
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                     _mm_cmplt_epi8(v, space));
    const int mask = _mm_movemask_epi8(hit);
    if (mask != 0) return p + __builtin_ctz(static_cast<unsigned>(mask));
    p += 16;
  }
#endif
  while (p < end && !IsStringSpecial(*p)) ++p;
  return p;
}

}  // namespace

// Per kind of object and member position, the bytes that last led to a member's value there (the
// '{' or ',' before it, its quoted key and the ':' after it, as compact lines lay them out) and
// what the key resolved to.
struct EcsFastScanner::KeyCache {
  static constexpr int kMembers = 32;   // positions remembered per object
  static constexpr size_t kBytes = 32;  // a member's bytes up to its value, at most
  struct Slot {
    alignas(16) char bytes[kBytes] = {};  // '{' or ',', the quoted key, ':', then zeros
    uint32_t mask = 0;                    // one bit per byte to compare
    uint8_t length = 0;                   // of the bytes to compare; 0 while empty
    ecs::Target target;
  };
  Slot slots[ecs::kScopeCount][kMembers];
};

// The date and hour of the last @timestamp in the layout archives use ("2026-10-01T00" of
// "2026-10-01T00:06:32.926Z") and the time that hour starts: the lines of an archive mostly share
// it, so that only the minutes, seconds and milliseconds of the next ones need reading.
struct EcsFastScanner::RecentHour {
  static constexpr size_t kHourBytes = 13;  // "YYYY-MM-DDTHH"
  static constexpr size_t kBytes = 24;      // the whole text, "Z" included
  char hour[kHourBytes] = {};
  int64_t start_ns = 0;
  bool known = false;
};

namespace {

using RecentHour = EcsFastScanner::RecentHour;

// The time from the start of its hour of `text` ("...:MM:SS.mmmZ" after the hour), or false when
// the text is not laid out so.
bool TimeIntoHour(std::string_view text, int64_t* ns) {
  if (text.size() != RecentHour::kBytes) return false;
  const char* t = text.data();
  if (t[13] != ':' || t[16] != ':' || t[19] != '.' || t[23] != 'Z') return false;
  const auto digit = [t](int i) {
    return static_cast<unsigned>(static_cast<unsigned char>(t[i])) - '0';
  };
  const unsigned d[] = {digit(14), digit(15), digit(17), digit(18),
                        digit(20), digit(21), digit(22)};
  for (unsigned x : d) {
    if (x > 9) return false;
  }
  const unsigned minute = d[0] * 10 + d[1];
  const unsigned second = d[2] * 10 + d[3];
  if (minute > 59 || second > 59) return false;
  const unsigned ms = d[4] * 100 + d[5] * 10 + d[6];
  *ns = (int64_t{minute * 60 + second} * 1000 + ms) * 1'000'000;
  return true;
}

// One line's scan. Every member returns false when the line is not for the fast path; the
// caller then discards the partial event and hands the line to simdjson. The grammar accepted is
// strict JSON (a subset of what simdjson accepts), so a line this accepts is valid for simdjson,
// and field values are judged with the same bounds and helpers as the simdjson walk.
class Scanner {
 public:
  Scanner(std::string_view line, NetworkEvent* event, EcsFastScanner::KeyCache& keys,
          RecentHour& recent_hour, ecs::SpareArgs& spare)
      : p_(line.data()),
        end_(line.data() + line.size()),
        e_(event),
        keys_(keys),
        recent_hour_(recent_hour),
        spare_(spare) {}

  FastScanResult Run(ParseError* error) {
    SkipSpace();
    if (!At('{') || !Object(Scope::kRoot, 1)) return FastScanResult::kNotHandled;
    SkipSpace();
    if (p_ != end_) return FastScanResult::kNotHandled;  // trailing content
    return ecs::FinishEvent(state_, spare_, e_, error) ? FastScanResult::kAccepted
                                                       : FastScanResult::kRejected;
  }

 private:
  bool At(char c) const { return p_ < end_ && *p_ == c; }
  void SkipSpace() {
    // Compact lines have no whitespace: one compare settles the common case.
    while (p_ < end_ && static_cast<unsigned char>(*p_) <= ' ' && IsSpace(*p_)) ++p_;
  }
  bool Expect(char c) {
    if (!At(c)) return false;
    ++p_;
    return true;
  }
  // After a member or an element: true with *more set when a ',' follows, or on the closing
  // bracket; false on anything else.
  bool NextOrClose(char close, bool* more) {
    if (!At(',')) SkipSpace();  // compact lines: the ',' is right there
    if (At(',')) {
      ++p_;
      SkipSpace();
      *more = true;
      return true;
    }
    *more = false;
    return Expect(close);
  }

  bool String(std::string_view* out);
  bool StringValue(std::string_view* out) { return At('"') && String(out); }
  bool Member(Scope scope, int index, EcsFastScanner::KeyCache::Slot* slot, Target* target,
              bool* end);
  bool CachedMember(const EcsFastScanner::KeyCache::Slot& slot);
  bool Literal(std::string_view word);
  bool SkipNumber();
  bool Skip(int depth);
  bool Object(Scope scope, int depth);
  bool Field(Leaf leaf);
  template <typename StringT>  // std::string (the host) or EventString (the process)
  bool Text(size_t max, StringT* out);
  bool Uint(uint64_t max, uint64_t* out);
  bool Id(uint32_t* out);
  bool Ip(Leaf leaf, IpAddress* out, bool* seen);
  bool Timestamp(int64_t* out, bool* ok, RecentHour* recent);
  bool Marker(std::string_view wanted, Presence* presence);
  bool Args();

  const char* p_;
  const char* const end_;
  NetworkEvent* const e_;
  EcsFastScanner::KeyCache& keys_;
  RecentHour& recent_hour_;
  ecs::SpareArgs& spare_;
  ecs::DocumentState state_;
  uint32_t seen_ = 0;  // one bit per Leaf: a second occurrence goes to simdjson
  static_assert(ecs::kLeafCount <= 32);
};

// At the opening quote; ends after the closing one. The body has no escapes, so it is the value.
inline bool Scanner::String(std::string_view* out) {
  const char* body = p_ + 1;
  const char* q = FindStringSpecial(body, end_);
  if (q == end_ || *q != '"') return false;
  *out = std::string_view(body, static_cast<size_t>(q - body));
  p_ = q + 1;
  return true;
}

// True, past the member's ':', when the bytes at p_ are those of `slot`: then nothing between the
// previous value (or the '{') and this member's value needs looking at.
inline bool Scanner::CachedMember(const EcsFastScanner::KeyCache::Slot& slot) {
  const ptrdiff_t left = end_ - p_;
  if (left < 16 || slot.length == 0) return false;
#if defined(__SSE2__)
  const auto equal = [](const char* a, const char* b) {
    return static_cast<uint32_t>(
        _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a)),
                                         _mm_load_si128(reinterpret_cast<const __m128i*>(b)))));
  };
  uint32_t same = equal(p_, slot.bytes);
  if (slot.length > 16) {
    if (left < 32) return false;
    same |= equal(p_ + 16, slot.bytes + 16) << 16;
  }
  if ((same & slot.mask) != slot.mask) return false;
#else
  if (left < static_cast<ptrdiff_t>(slot.length) || std::memcmp(p_, slot.bytes, slot.length) != 0) {
    return false;
  }
#endif
  p_ += slot.length;
  return true;
}

// Past the '{' (index 0) or the previous member's value: the next member's key and the ':' after
// it, with *target what the key names inside `scope`, or the object's end (*end set). `index` is
// the member's position in its object, `slot` its key cache slot (null past the cached ones).
bool Scanner::Member(Scope scope, int index, EcsFastScanner::KeyCache::Slot* slot, Target* target,
                     bool* end) {
  using Cache = EcsFastScanner::KeyCache;
  if (slot != nullptr && CachedMember(*slot)) {
    // The same bytes as a member already resolved here: the same key and target (Resolve reads
    // nothing past the closing quote that could change its answer).
    *target = slot->target;
    *end = false;
    SkipSpace();
    return true;
  }
  const char* const punctuation = p_;
  if (index == 0) {
    ++p_;  // the '{'
  } else {
    SkipSpace();
    if (At('}')) {
      ++p_;
      *end = true;
      return true;
    }
    if (!Expect(',')) return false;
  }
  SkipSpace();
  const bool compact = p_ == punctuation + 1;
  if (index == 0 && At('}')) {
    ++p_;
    *end = true;
    return true;
  }
  *end = false;
  std::string_view key;
  if (!At('"') || !String(&key)) return false;
  const char* close = key.data() + key.size();
  if (end_ - close >= static_cast<ptrdiff_t>(ecs::kResolveReadAhead)) {
    *target = ecs::Resolve(scope, key.data());
  } else {
    // Near the end of the line the matcher's read-ahead would leave it: match a padded copy.
    constexpr size_t kMaxCopied = 64;
    if (key.size() > kMaxCopied) return false;
    char padded[kMaxCopied + 1 + ecs::kResolveReadAhead] = {};
    std::memcpy(padded, key.data(), key.size());
    padded[key.size()] = '"';
    *target = ecs::Resolve(scope, padded);
  }
  // Remembered when the punctuation, the key and the ':' touch, as in compact lines.
  const size_t length = key.size() + 4;  // the punctuation, two quotes and the ':'
  if (slot != nullptr && compact && At(':') && length <= Cache::kBytes) {
    *slot = {};
    std::memcpy(slot->bytes, punctuation, length);
    slot->length = static_cast<uint8_t>(length);
    slot->mask = length == 32 ? ~uint32_t{0} : (uint32_t{1} << length) - 1;
    slot->target = *target;
  }
  SkipSpace();
  if (!Expect(':')) return false;
  SkipSpace();
  return true;
}

// true, false or null; the caller checks what follows.
bool Scanner::Literal(std::string_view word) {
  if (static_cast<size_t>(end_ - p_) < word.size() || std::memcmp(p_, word.data(), word.size())) {
    return false;
  }
  p_ += word.size();
  return true;
}

// Any JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
bool Scanner::SkipNumber() {
  const char* q = p_;
  auto digits = [&q, this] {
    const char* start = q;
    while (q < end_ && IsDigit(*q)) ++q;
    return q != start;
  };
  if (q < end_ && *q == '-') ++q;
  if (q < end_ && *q == '0') {
    ++q;
  } else if (!digits()) {
    return false;
  }
  if (q < end_ && *q == '.') {
    ++q;
    if (!digits()) return false;
  }
  if (q < end_ && (*q == 'e' || *q == 'E')) {
    ++q;
    if (q < end_ && (*q == '+' || *q == '-')) ++q;
    if (!digits()) return false;
  }
  p_ = q;
  return true;
}

// Validates and skips a value the parser does not read, inside a container at `depth`.
bool Scanner::Skip(int depth) {
  if (p_ >= end_) return false;
  bool more = false;
  switch (*p_) {
    case '"': {
      std::string_view unused;
      return String(&unused);
    }
    case '{':
      if (depth >= kMaxDepth) return false;
      ++p_;
      SkipSpace();
      if (At('}')) {
        ++p_;
        return true;
      }
      do {
        std::string_view key;
        if (!At('"') || !String(&key)) return false;
        SkipSpace();
        if (!Expect(':')) return false;
        SkipSpace();
        if (!Skip(depth + 1) || !NextOrClose('}', &more)) return false;
      } while (more);
      return true;
    case '[':
      if (depth >= kMaxDepth) return false;
      ++p_;
      SkipSpace();
      if (At(']')) {
        ++p_;
        return true;
      }
      do {
        if (!Skip(depth + 1) || !NextOrClose(']', &more)) return false;
      } while (more);
      return true;
    case 't':
      return Literal("true");
    case 'f':
      return Literal("false");
    case 'n':
      return Literal("null");
    default:
      return SkipNumber();
  }
}

// At '{' of an object whose members resolve inside `scope`.
bool Scanner::Object(Scope scope, int depth) {
  using Cache = EcsFastScanner::KeyCache;
  // The object's row of cache slots, found once rather than per member.
  Cache::Slot* const slots = keys_.slots[static_cast<int>(scope)];
  for (int index = 0;; ++index) {
    Target target;
    bool end = false;
    Cache::Slot* const slot = index < Cache::kMembers ? slots + index : nullptr;
    if (!Member(scope, index, slot, &target, &end)) return false;
    if (end) return true;
    switch (target.kind) {
      case Target::kLeaf:
        if (!Field(target.leaf)) return false;
        break;
      case Target::kScope:
        if (At('{')) {
          if (depth >= kMaxDepth || !Object(target.scope, depth + 1)) return false;
        } else if (!Literal("null")) {  // null reads as absent; other types are field errors
          return false;
        }
        break;
      case Target::kUnknown:
        // Most skipped values are strings: skipped here without Skip's call and dispatch.
        if (At('"')) {
          std::string_view unused;
          if (!String(&unused)) return false;
        } else if (!Skip(depth)) {
          return false;
        }
        break;
    }
  }
}

// At the value of a field the parser reads. Mirrors Walker::Visit in ecs_codec.cc.
bool Scanner::Field(Leaf leaf) {
  if (p_ >= end_) return false;
  const uint32_t bit = uint32_t{1} << static_cast<int>(leaf);
  if (seen_ & bit) return false;  // a duplicate: which occurrence wins is simdjson's to say
  seen_ |= bit;
  if (*p_ == 'n') return Literal("null");  // null reads as absent
  ProcessInfo& p = e_->process;
  std::string_view s;
  uint64_t n = 0;
  constexpr uint64_t kMaxU32 = std::numeric_limits<uint32_t>::max();
  switch (leaf) {
    case Leaf::kTimestamp:
      return Timestamp(&e_->time_ns, &state_.have_time, &recent_hour_);
    case Leaf::kCategory:
      return Marker("network", &state_.category);
    case Leaf::kType:
      return Marker("start", &state_.type);
    case Leaf::kAction:
      if (!StringValue(&s)) return false;
      ecs::NoteAction(s, &state_);
      return true;
    case Leaf::kDirection:
      if (!StringValue(&s)) return false;
      ecs::NoteDirection(s, &state_);
      return true;
    case Leaf::kTransport:
      return StringValue(&s) && ecs::NoteTransport(s, &state_, e_);
    case Leaf::kHostName:
      return Text(kMaxNameBytes, &e_->host.name);
    case Leaf::kHostId:
      return Text(kMaxNameBytes, &e_->host.id);
    case Leaf::kName:
      return Text(kMaxNameBytes, &p.name);
    case Leaf::kExecutable:
      return Text(kMaxPathBytes, &p.executable);
    case Leaf::kWorkingDirectory:
      return Text(kMaxPathBytes, &p.working_directory);
    case Leaf::kEntityId:
      return Text(kMaxNameBytes, &p.entity_id);
    case Leaf::kParentName:
      return Text(kMaxNameBytes, &p.parent_name);
    case Leaf::kParentExecutable:
      return Text(kMaxPathBytes, &p.parent_executable);
    case Leaf::kUserName:
      return Text(kMaxNameBytes, &p.user_name);
    case Leaf::kContainerId:
      return Text(kMaxNameBytes, &p.container_id);
    case Leaf::kArgs:
      return Args();
    case Leaf::kStart: {
      bool ok;
      return Timestamp(&p.start_time_ns, &ok, nullptr);
    }
    case Leaf::kPid:
    case Leaf::kParentPid:
    case Leaf::kNetns:
    case Leaf::kRepeatCount: {
      if (!Uint(kMaxU32, &n)) return false;
      const auto v = static_cast<uint32_t>(n);
      if (leaf == Leaf::kPid) p.pid = v;
      if (leaf == Leaf::kParentPid) p.ppid = v;
      if (leaf == Leaf::kNetns) e_->netns_inode = v;
      if (leaf == Leaf::kRepeatCount) e_->repeat_count = v;
      return true;
    }
    case Leaf::kCgroupId:
      return Uint(std::numeric_limits<uint64_t>::max(), &e_->cgroup_id);
    case Leaf::kSourcePort:
    case Leaf::kDestinationPort:
      if (!Uint(65535, &n)) return false;
      (leaf == Leaf::kSourcePort ? e_->source_port : e_->destination_port) =
          static_cast<uint16_t>(n);
      return true;
    case Leaf::kUserId:
      return Id(&p.uid);
    case Leaf::kGroupId:
      return Id(&p.gid);
    case Leaf::kSourceIp:
      return Ip(leaf, &e_->source_ip, &state_.have_source_ip);
    case Leaf::kDestinationIp:
      return Ip(leaf, &e_->destination_ip, &state_.have_destination_ip);
  }
  return false;
}

template <typename StringT>
bool Scanner::Text(size_t max, StringT* out) {
  std::string_view s;
  if (!StringValue(&s) || s.size() > max) return false;
  // clear + append: the same result as assign, without assign's checks for a source inside the
  // string itself (a third of the copy's instructions for these short values).
  out->clear();
  out->append(s);
  return true;
}

// A non-negative integer in 0..max, the only number form read here: a sign, a fraction, an
// exponent, leading zeros or an overflow are left to simdjson's number parser.
bool Scanner::Uint(uint64_t max, uint64_t* out) {
  const char* q = p_;
  if (q >= end_ || !IsDigit(*q)) return false;
  uint64_t v = static_cast<uint64_t>(*q++ - '0');
  if (v != 0) {
    while (q < end_ && IsDigit(*q)) {
      if (__builtin_mul_overflow(v, uint64_t{10}, &v) ||
          __builtin_add_overflow(v, static_cast<uint64_t>(*q - '0'), &v)) {
        return false;
      }
      ++q;
    }
  }
  if (v > max) return false;
  if (q < end_ && (IsDigit(*q) || *q == '.' || *q == 'e' || *q == 'E')) return false;
  *out = v;
  p_ = q;
  return true;
}

// user.id / group.id: a string of digits ("33") or a number, as Walker::ReadId reads them.
bool Scanner::Id(uint32_t* out) {
  if (!At('"')) {
    uint64_t v;
    if (!Uint(std::numeric_limits<uint32_t>::max(), &v)) return false;
    *out = static_cast<uint32_t>(v);
    return true;
  }
  std::string_view s;
  if (!String(&s)) return false;
  if (s.empty()) return true;
  uint32_t v;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return false;
  *out = v;
  return true;
}

bool Scanner::Ip(Leaf leaf, IpAddress* out, bool* seen) {
  std::string_view s;
  if (!StringValue(&s)) return false;
  const auto ip = ecs::ParseIpField(s);
  if (!ip) {
    // The one field error judged here, as the simdjson walk does (archives carry ~2 % of lines
    // with truncated IPv6 addresses): the walk goes on, and the line is rejected at the end.
    ecs::NoteInvalidIp(leaf, s, &state_);
    return true;
  }
  *out = *ip;
  *seen = true;
  return true;
}

// ISO-8601 text, or an integer taken as epoch milliseconds, as Walker::ReadTimestamp reads them.
// Text in the hour of `recent` (when given) is read from its minutes on; ParseTimestamp reads the
// rest, and its hours are remembered in `recent`.
bool Scanner::Timestamp(int64_t* out, bool* ok, RecentHour* recent) {
  int64_t ns;
  if (At('"')) {
    std::string_view s;
    if (!String(&s)) return false;
    int64_t into_hour;
    if (recent != nullptr && recent->known && TimeIntoHour(s, &into_hour) &&
        std::memcmp(s.data(), recent->hour, RecentHour::kHourBytes) == 0) {
      // The same sum as ParseTimestamp's, which accepted this hour; no overflow, as below.
      ns = recent->start_ns + into_hour;
    } else {
      if (!ParseTimestamp(s, &ns)) return false;
      // Remembered only where the whole hour is representable (ns >= 0 and an hour below the
      // int64 limit), so that any time read into it is ParseTimestamp's exactly.
      constexpr int64_t kHourNs = int64_t{3600} * 1'000'000'000;
      if (recent != nullptr && ns >= 0 && ns <= std::numeric_limits<int64_t>::max() - kHourNs &&
          TimeIntoHour(s, &into_hour)) {
        std::memcpy(recent->hour, s.data(), RecentHour::kHourBytes);
        recent->start_ns = ns - into_hour;
        recent->known = true;
      }
    }
  } else {
    uint64_t ms;
    if (!Uint(std::numeric_limits<int64_t>::max(), &ms) ||
        __builtin_mul_overflow(static_cast<int64_t>(ms), int64_t{1'000'000}, &ns)) {
      return false;
    }
  }
  *out = ns;
  *ok = true;
  return true;
}

// event.category / event.type: a string, or an array of strings, that must contain `wanted`.
bool Scanner::Marker(std::string_view wanted, Presence* presence) {
  std::string_view s;
  if (At('"')) {
    if (!String(&s)) return false;
    *presence = s == wanted ? Presence::kWith : Presence::kWithout;
    return true;
  }
  if (!Expect('[')) return false;
  SkipSpace();
  Presence found = Presence::kWithout;
  if (!At(']')) {
    bool more = false;
    do {
      if (!StringValue(&s)) return false;  // other element types: left to simdjson
      if (s == wanted) found = Presence::kWith;
      if (!NextOrClose(']', &more)) return false;
    } while (more);
  } else {
    ++p_;
  }
  *presence = found;
  return true;
}

bool Scanner::Args() {
  if (!Expect('[')) return false;
  SkipSpace();
  // The values are gathered before any is stored, so that the vector of a fresh event (the
  // replay's) is sized once: grown one push at a time, it moved its strings at every doubling.
  struct Value {
    const char* data;
    size_t size;
  };
  Value values[kMaxArgs];  // left uninitialized: only the first `count` are read
  size_t count = 0;
  size_t total = 0;
  if (!At(']')) {
    bool more = false;
    do {
      std::string_view s;
      if (!StringValue(&s) || count >= kMaxArgs || s.size() > kMaxArgBytes) return false;
      total += s.size();
      if (total > kMaxArgsTotalBytes) return false;
      values[count++] = {s.data(), s.size()};
      if (!NextOrClose(']', &more)) return false;
    } while (more);
  } else {
    ++p_;
  }
  EventStrings& args = e_->process.args;
  if (args.capacity() < count) args.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    spare_.Set(args, i, std::string_view(values[i].data, values[i].size));
  }
  state_.args_count = count;
  return true;
}

}  // namespace

EcsFastScanner::EcsFastScanner()
    : keys_(std::make_unique<KeyCache>()), recent_hour_(std::make_unique<RecentHour>()) {}
EcsFastScanner::~EcsFastScanner() = default;

FastScanResult EcsFastScanner::Scan(std::string_view line, NetworkEvent* event, ParseError* error) {
  return Scanner(line, event, *keys_, *recent_hour_, spare_args_).Run(error);
}

}  // namespace ulna
