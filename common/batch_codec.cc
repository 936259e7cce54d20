#include "common/batch_codec.h"

#include <algorithm>
#include <cstring>
#include <string_view>

#include "common/hash_index.h"
#include "common/proto_wire_writer.h"
#include "common/short_bytes.h"

namespace ulna {
namespace {

std::string_view IpBytes(const IpAddress& ip) {
  return std::string_view(reinterpret_cast<const char*>(ip.bytes().data()), ip.is_v4() ? 4 : 16);
}

// Field numbers of ulna.v1 EventBatch, CompactProcess and CompactEvent (events.proto); the
// encoder writes each message's fields in this order, as protobuf's serializer does.
namespace batch_field {
constexpr uint32_t kSequence = 1, kStringBase = 2, kStrings = 3, kBaseTimeNs = 4, kProcesses = 5,
                   kEvents = 6, kSelfContained = 8;
}  // namespace batch_field
namespace process_field {
constexpr uint32_t kPid = 1, kPpid = 2, kStartTimeNs = 3, kUid = 4, kGid = 5, kName = 6,
                   kExecutable = 7, kArgs = 8, kWorkingDirectory = 9, kUserName = 10,
                   kParentName = 11, kParentExecutable = 12, kContainerId = 13, kEntityId = 14,
                   kHostId = 15, kHostName = 16;
}  // namespace process_field
namespace event_field {
constexpr uint32_t kTimeDeltaNs = 1, kProcess = 2, kIngress = 3, kUdp = 4, kSourceIp = 5,
                   kSourcePort = 6, kDestinationIp = 7, kDestinationPort = 8, kNetnsInode = 9,
                   kCgroupId = 10, kRepeatCount = 11;
}  // namespace event_field

// The most a CompactEvent takes, with its tag and length byte: the tags and varints of its
// fields (uint32: 5 bytes, 64-bit: 10), two 16-byte addresses. Under 128 bytes of body, so that
// its length fits in one byte.
constexpr size_t kMaxEventBodyBytes = (1 + 10) + (1 + 5) + 2 + 2 + (2 + 16) + (1 + 3) + (2 + 16) +
                                      (1 + 3) + (1 + 5) + (1 + 10) + (1 + 5);
static_assert(kMaxEventBodyBytes < 128);
constexpr size_t kMaxEventBytes = 2 + kMaxEventBodyBytes;
// Distinct strings a self-contained batch is assumed to hold per event, for sizing its
// dictionary's table: generous (dev1 averages ~3.1, and only 2 of its 4,552 archive batches
// would outgrow 8), since a sparse table probes less and seldom grows mid-batch (3: 848 grows,
// 4: 180) at the price of a 16 KB memset per 76-event batch; BM_BatchEncodeArchive ran 6 %
// faster with 4 than with 3, and another 6 % with 8 (15 alternating runs each), 16 no faster.
constexpr size_t kExpectedStringsPerEvent = 8;
// The tag of one EventBatch.strings element (length-delimited).
constexpr uint32_t kStringsTag = batch_field::kStrings << 3 | 2;
// The most a CompactProcess body takes besides its args' ids (5 bytes each): five numbers, ten
// string ids (uint32), host_name's two-byte tag, the args' tag and length.
constexpr size_t kMaxProcessBytesWithoutArgs = 4 * (1 + 5) + (1 + 10) + 10 * (1 + 5) + 1 + 1 + 10;

// Resolves dictionary ids of one batch: the stream dictionary, or the batch's own strings when
// it is self-contained (id i is strings[i - 1]), without copying them.
class Dictionary {
 public:
  Dictionary(const std::vector<std::string>* stream, const v1::EventBatch* batch)
      : stream_(stream), batch_(batch) {}

  size_t size() const {
    return stream_ != nullptr ? stream_->size() : static_cast<size_t>(batch_->strings_size()) + 1;
  }

  // Copies string `id` into *out; false with *error filled when the id is unknown or the string
  // is longer than `max_bytes`.
  template <typename StringT>  // std::string (the host) or EventString (the process)
  bool Get(uint32_t id, size_t max_bytes, const char* field, StringT* out,
           ParseError* error) const {
    if (id >= size()) {
      error->reason = RejectReason::kInvalidValue;
      error->detail = std::string(field) + ": string id " + std::to_string(id) +
                      " out of range (dictionary size " + std::to_string(size()) + ")";
      return false;
    }
    const std::string& s = id == 0              ? kEmpty
                           : stream_ != nullptr ? (*stream_)[id]
                                                : batch_->strings(static_cast<int>(id - 1));
    if (s.size() > max_bytes) {
      error->reason = RejectReason::kOversizeField;
      error->detail = std::string(field) + " longer than " + std::to_string(max_bytes) + " bytes";
      return false;
    }
    out->assign(s);
    return true;
  }

 private:
  static inline const std::string kEmpty;
  const std::vector<std::string>* stream_;
  const v1::EventBatch* batch_;
};

// A process table entry decoded once per batch; events referring to a bad entry inherit its
// error.
struct DecodedProcess {
  bool ok = false;
  ParseError error;
  ProcessInfo info;
  HostInfo host;
};

bool DecodeProcess(const v1::CompactProcess& p, const Dictionary& dict, DecodedProcess* out) {
  ProcessInfo& info = out->info;
  info.pid = p.pid();
  info.ppid = p.ppid();
  info.start_time_ns = p.start_time_ns();
  info.uid = p.uid();
  info.gid = p.gid();
  ParseError* err = &out->error;
  if (!dict.Get(p.name(), kMaxNameBytes, "process.name", &info.name, err) ||
      !dict.Get(p.executable(), kMaxPathBytes, "process.executable", &info.executable, err) ||
      !dict.Get(p.working_directory(), kMaxPathBytes, "process.working_directory",
                &info.working_directory, err) ||
      !dict.Get(p.user_name(), kMaxNameBytes, "user.name", &info.user_name, err) ||
      !dict.Get(p.parent_name(), kMaxNameBytes, "process.parent.name", &info.parent_name, err) ||
      !dict.Get(p.parent_executable(), kMaxPathBytes, "process.parent.executable",
                &info.parent_executable, err) ||
      !dict.Get(p.container_id(), kMaxNameBytes, "container.id", &info.container_id, err) ||
      !dict.Get(p.entity_id(), kMaxNameBytes, "process.entity_id", &info.entity_id, err) ||
      !dict.Get(p.host_id(), kMaxNameBytes, "host.id", &out->host.id, err) ||
      !dict.Get(p.host_name(), kMaxNameBytes, "host.name", &out->host.name, err)) {
    return false;
  }
  if (static_cast<size_t>(p.args_size()) > kMaxArgs) {
    err->reason = RejectReason::kOversizeField;
    err->detail = "process.args has " + std::to_string(p.args_size()) + " entries, over " +
                  std::to_string(kMaxArgs);
    return false;
  }
  info.args.resize(p.args_size());
  size_t total = 0;
  for (int i = 0; i < p.args_size(); ++i) {
    const std::string field = "process.args[" + std::to_string(i) + "]";
    if (!dict.Get(p.args(i), kMaxArgBytes, field.c_str(), &info.args[i], err)) return false;
    total += info.args[i].size();
  }
  if (total > kMaxArgsTotalBytes) {
    err->reason = RejectReason::kOversizeField;
    err->detail = "process.args total " + std::to_string(total) + " bytes, over " +
                  std::to_string(kMaxArgsTotalBytes);
    return false;
  }
  out->ok = true;
  return true;
}

bool DecodeIp(const std::string& bytes, const char* field, IpAddress* ip, ParseError* error) {
  if (bytes.size() == 4) {
    uint32_t v;
    std::memcpy(&v, bytes.data(), 4);
    *ip = IpAddress::FromV4(__builtin_bswap32(v));
    return true;
  }
  if (bytes.size() == 16) {
    std::array<uint8_t, 16> b;
    std::memcpy(b.data(), bytes.data(), 16);
    *ip = IpAddress::FromV6(b);  // folds v4-mapped addresses to IPv4
    return true;
  }
  error->reason = RejectReason::kInvalidValue;
  error->detail =
      std::string(field) + ": address of " + std::to_string(bytes.size()) + " bytes (want 4 or 16)";
  return false;
}

bool DecodePort(uint32_t port, const char* field, uint16_t* out, ParseError* error) {
  if (port > 65535) {
    error->reason = RejectReason::kInvalidValue;
    error->detail = std::string(field) + " " + std::to_string(port) + " over 65535";
    return false;
  }
  *out = static_cast<uint16_t>(port);
  return true;
}

}  // namespace

// A call of its own (a new process makes up to a dozen, dev1: ~5 an event, two thirds of them
// strings already in the batch), with the probe and the compare inlined into it.
uint32_t BatchEncoder::InternHashed(std::string_view s, uint64_t hash) {
  if (s.empty()) return 0;
  bool inserted = false;
  const uint32_t id = string_index_.FindOrInsert(
      hash, static_cast<uint32_t>(strings_.size()),
      [&](uint32_t candidate) { return SameString(strings_[candidate], s); }, &inserted);
  if (inserted) {
    // Written through a cursor: one room check per new string instead of one per append.
    const size_t most = 1 + WireCursor::kMaxVarintBytes + s.size();
    if (strings_field_.size() - strings_bytes_ < most) {
      strings_field_.resize(std::max(2 * strings_field_.size(), strings_bytes_ + most));
    }
    WireCursor w(strings_field_.data() + strings_bytes_);
    w.Varint(kStringsTag);
    w.Varint(s.size());
    std::memcpy(w.position(), s.data(), s.size());
    strings_bytes_ = static_cast<size_t>(w.position() + s.size() - strings_field_.data());
    if (self_contained_) {
      strings_.push_back(s);
    } else {
      strings_.push_back(owned_strings_.emplace_back(s));  // deque: earlier views stay valid
    }
  }
  return id;
}

// The hash is taken at the call site: empty strings (most container ids) make no call.
[[gnu::always_inline]] inline uint32_t BatchEncoder::Intern(std::string_view s) {
  return s.empty() ? 0 : InternHashed(s, HashBytes(s));
}

namespace {

// A new field of ProcessInfo must be compared below and written by WriteProcess.
static_assert(sizeof(ProcessInfo) == 4 * 4 + 8 + 8 * sizeof(EventString) + sizeof(EventStrings));

bool SameArgs(const EventStrings& a, const EventStrings& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!SameString(a[i], b[i])) return false;
  }
  return true;
}

// Whether `a` and `b` have the same program fields (CompactProcess name to container_id).
// Inlined compares (the defaulted operator== called memcmp for each string).
[[gnu::always_inline]] inline bool SameProgram(const ProcessInfo& a, const ProcessInfo& b) {
  return SameString(a.executable, b.executable) && SameString(a.name, b.name) &&
         SameArgs(a.args, b.args) && SameString(a.working_directory, b.working_directory) &&
         SameString(a.user_name, b.user_name) && SameString(a.parent_name, b.parent_name) &&
         SameString(a.parent_executable, b.parent_executable) &&
         SameString(a.container_id, b.container_id);
}

// ProcessInfo's operator==, inlined.
[[gnu::always_inline]] inline bool SameProcess(const ProcessInfo& a, const ProcessInfo& b) {
  return a.pid == b.pid && a.ppid == b.ppid && a.start_time_ns == b.start_time_ns &&
         a.uid == b.uid && a.gid == b.gid && SameString(a.entity_id, b.entity_id) &&
         SameProgram(a, b);
}

}  // namespace

uint32_t BatchEncoder::InternProcess(const NetworkEvent& event) {
  // Events of one process share a table entry: many events repeat a process seen earlier in
  // the batch (dev1: a quarter of them), and comparing them with its first event is cheaper
  // than interning its dozen strings again. Fields that decide the entry are hashed only where
  // cheap (numbers, sizes, the short host id); the comparison settles the rest.
  const ProcessInfo& p = event.process;
  const uint64_t host_id_hash = self_contained_ ? HashBytes(event.host.id) : 0;
  uint64_t hash = HashCombine(host_id_hash, (uint64_t{p.pid} << 32) | p.ppid);
  hash = HashCombine(hash, static_cast<uint64_t>(p.start_time_ns));
  hash = HashCombine(hash, (uint64_t{p.uid} << 32) | p.gid);
  hash = HashCombine(hash, (p.name.size() << 48) ^ (p.executable.size() << 32) ^
                               (p.args.size() << 16) ^ p.entity_id.size());
  bool inserted = false;
  const uint32_t index = process_index_.FindOrInsert(
      hash, static_cast<uint32_t>(process_events_.size()),
      [&](uint32_t candidate) {
        const NetworkEvent& first = *process_events_[candidate];
        return SameProcess(first.process, p) &&
               (!self_contained_ || (SameString(first.host.id, event.host.id) &&
                                     SameString(first.host.name, event.host.name)));
      },
      &inserted);
  if (inserted) {
    process_events_.push_back(&event);
    WriteProcess(event, host_id_hash);
  }
  return index;
}

// Strings are interned in field order, as the dictionary ids then follow first use. The entry is
// written through a cursor into reserved room at the end of processes_field_.
void BatchEncoder::WriteProcess(const NetworkEvent& event, uint64_t host_id_hash) {
  using namespace process_field;
  const ProcessInfo& p = event.process;
  // Room from the args' count: encoders also take events that no parser bounded. The tag and
  // a length of up to three bytes come first.
  const size_t room = 4 + kMaxProcessBytesWithoutArgs + 5 * p.args.size();
  if (processes_field_.size() - processes_bytes_ < room) {
    processes_field_.resize(std::max(2 * processes_field_.size(), processes_bytes_ + room));
  }
  WireCursor w(processes_field_.data() + processes_bytes_);
  // One length byte, for bodies under 128 bytes (nearly all); a longer body moves up below.
  char* const length_at = w.BeginShortNested(batch_field::kProcesses);
  char* const body = w.position();
  w.Uint(kPid, p.pid);
  w.Uint(kPpid, p.ppid);
  w.Int(kStartTimeNs, p.start_time_ns);
  w.Uint(kUid, p.uid);
  w.Uint(kGid, p.gid);
  const size_t programs_before = programs_.size();
  WriteProgram(p, &w);
  w.Uint(kEntityId, Intern(p.entity_id));
  if (self_contained_) {
    w.Uint(kHostId, InternHashed(event.host.id, host_id_hash));
    w.Uint(kHostName, Intern(event.host.name));
  }
  const size_t body_size = static_cast<size_t>(w.position() - body);
  size_t end = static_cast<size_t>(w.position() - processes_field_.data());
  if (body_size < 0x80) {
    *length_at = static_cast<char>(body_size);
  } else {
    const size_t more_length_bytes = WireCursor::VarintSize(body_size) - 1;
    std::memmove(body + more_length_bytes, body, body_size);
    WireCursor(length_at).Varint(body_size);
    end += more_length_bytes;
    // A program first written in this entry moved with it.
    if (programs_.size() > programs_before) {
      programs_.back().offset += static_cast<uint32_t>(more_length_bytes);
    }
  }
  processes_bytes_ = end;
}

void BatchEncoder::WriteProgram(const ProcessInfo& p, WireCursor* w) {
  using namespace process_field;
  // Hashed cheaply (the executable's bytes, the other fields' sizes): processes of one program
  // are compared in full anyway, and most programs differ in the executable already.
  uint64_t args_bytes = 0;
  for (const EventString& arg : p.args) args_bytes += arg.size();
  uint64_t hash =
      HashCombine(HashBytes(p.executable), (p.name.size() << 48) ^ (p.args.size() << 40) ^
                                               (args_bytes << 24) ^ p.working_directory.size());
  hash = HashCombine(hash, (p.user_name.size() << 48) ^ (p.parent_name.size() << 32) ^
                               (p.parent_executable.size() << 16) ^ p.container_id.size());
  bool inserted = false;
  const uint32_t index = program_index_.FindOrInsert(
      hash, static_cast<uint32_t>(programs_.size()),
      [&](uint32_t candidate) { return SameProgram(*programs_[candidate].process, p); }, &inserted);
  char* const start = w->position();
  if (!inserted) {
    // The same strings have the same ids: the bytes of the program's first process.
    const Program& known = programs_[index];
    std::memcpy(start, processes_field_.data() + known.offset, known.size);
    *w = WireCursor(start + known.size);
    return;
  }
  w->Uint(kName, Intern(p.name));
  w->Uint(kExecutable, Intern(p.executable));
  arg_ids_.clear();
  for (const EventString& arg : p.args) arg_ids_.push_back(Intern(arg));
  w->PackedUint32(kArgs, arg_ids_);
  w->Uint(kWorkingDirectory, Intern(p.working_directory));
  w->Uint(kUserName, Intern(p.user_name));
  w->Uint(kParentName, Intern(p.parent_name));
  w->Uint(kParentExecutable, Intern(p.parent_executable));
  w->Uint(kContainerId, Intern(p.container_id));
  programs_.push_back({&p, static_cast<uint32_t>(start - processes_field_.data()),
                       static_cast<uint32_t>(w->position() - start)});
}

// Fills the dictionary and the batch's wire fields (strings_field_, processes_field_,
// events_field_) for `events`; *string_base is the id of the batch's first new string.
void BatchEncoder::EncodeFields(std::span<const NetworkEvent> events, uint32_t* string_base) {
  // The tables are sized to the batch (dev1: ~3 distinct strings and ~0.7 processes an event),
  // not to the largest batch so far.
  if (self_contained_) {
    string_index_.Reset(kExpectedStringsPerEvent * events.size());
    strings_.resize(1);
  }
  *string_base = static_cast<uint32_t>(strings_.size());
  strings_bytes_ = 0;
  processes_bytes_ = 0;
  process_index_.Reset(events.size());
  process_events_.clear();
  program_index_.Reset(events.size());
  programs_.clear();

  // Events are written through a cursor into room reserved for the whole batch: one capacity
  // check per batch instead of one per byte written.
  if (events_field_.size() < events.size() * kMaxEventBytes) {
    events_field_.resize(events.size() * kMaxEventBytes);
  }
  int64_t prev_time = events.empty() ? 0 : events.front().time_ns;
  WireCursor w(events_field_.data());
  for (const NetworkEvent& e : events) {
    using namespace event_field;
    const uint32_t process = InternProcess(e);
    char* const length = w.BeginShortNested(batch_field::kEvents);
    // Unsigned subtraction: wrap-around instead of overflow for absurd time jumps.
    w.Sint(kTimeDeltaNs, static_cast<int64_t>(static_cast<uint64_t>(e.time_ns) -
                                              static_cast<uint64_t>(prev_time)));
    prev_time = e.time_ns;
    w.Uint(kProcess, process);
    w.Bool(kIngress, e.direction == Direction::kIngress);
    w.Bool(kUdp, e.transport == Transport::kUdp);
    w.ShortBytes(kSourceIp, IpBytes(e.source_ip));
    w.Uint(kSourcePort, e.source_port);
    w.ShortBytes(kDestinationIp, IpBytes(e.destination_ip));
    w.Uint(kDestinationPort, e.destination_port);
    w.Uint(kNetnsInode, e.netns_inode);
    w.Uint(kCgroupId, e.cgroup_id);
    w.Uint(kRepeatCount, e.repeat_count);
    w.EndShortNested(length);
  }
  events_bytes_ = static_cast<size_t>(w.position() - events_field_.data());
}

BatchEncoder::Parts BatchEncoder::EncodeBatch(uint64_t sequence,
                                              std::span<const NetworkEvent> events,
                                              bool with_strings) {
  uint32_t string_base = 0;
  EncodeFields(events, &string_base);
  head_.clear();
  ProtoWireWriter head(&head_);
  head.Uint(batch_field::kSequence, sequence);
  head.Uint(batch_field::kStringBase, string_base);
  middle_.clear();
  ProtoWireWriter(&middle_).Int(batch_field::kBaseTimeNs,
                                events.empty() ? 0 : events.front().time_ns);
  tail_.clear();
  ProtoWireWriter(&tail_).Bool(batch_field::kSelfContained, self_contained_);
  return {
      head_,
      with_strings ? std::string_view(strings_field_.data(), strings_bytes_) : std::string_view(),
      middle_,
      std::string_view(processes_field_.data(), processes_bytes_),
      std::string_view(events_field_.data(), events_bytes_),
      tail_};
}

namespace {

std::string Concatenate(const BatchEncoder::Parts& parts) {
  size_t size = 0;
  for (std::string_view part : parts) size += part.size();
  std::string out;
  out.reserve(size);
  for (std::string_view part : parts) out.append(part);
  return out;
}

}  // namespace

BatchEncoder::Parts BatchEncoder::EncodeParts(uint64_t sequence,
                                              std::span<const NetworkEvent> events) {
  return EncodeBatch(sequence, events, /*with_strings=*/true);
}

std::string BatchEncoder::EncodeToString(uint64_t sequence, std::span<const NetworkEvent> events) {
  return Concatenate(EncodeBatch(sequence, events, /*with_strings=*/true));
}

v1::EventBatch BatchEncoder::Encode(uint64_t sequence, std::span<const NetworkEvent> events) {
  // The strings are added as they are rather than parsed back: cheaper than a parse of them.
  const std::string bytes = Concatenate(EncodeBatch(sequence, events, /*with_strings=*/false));
  v1::EventBatch batch;
  batch.ParseFromString(bytes);
  for (size_t id = batch.string_base(); id < strings_.size(); ++id) {
    batch.add_strings(std::string(strings_[id]));
  }
  return batch;
}

Status BatchDecoder::Decode(const v1::EventBatch& batch, const HostInfo* host,
                            std::vector<NetworkEvent>* events, RejectTally* rejects) {
  const std::vector<std::string>* stream = nullptr;
  if (batch.self_contained()) {
    if (batch.string_base() != 1) {
      return Status::InvalidArgument("batch " + std::to_string(batch.sequence()) +
                                     ": self-contained batch with string_base " +
                                     std::to_string(batch.string_base()) + " (want 1)");
    }
  } else {
    if (batch.string_base() != strings_.size()) {
      return Status::InvalidArgument("batch " + std::to_string(batch.sequence()) +
                                     ": string_base " + std::to_string(batch.string_base()) +
                                     " does not continue the stream dictionary (next id " +
                                     std::to_string(strings_.size()) + ")");
    }
    strings_.insert(strings_.end(), batch.strings().begin(), batch.strings().end());
    stream = &strings_;
  }
  const Dictionary dict(stream, &batch);

  std::vector<DecodedProcess> processes(batch.processes_size());
  for (int i = 0; i < batch.processes_size(); ++i) {
    DecodeProcess(batch.processes(i), dict, &processes[i]);
  }
  // Events left that refer to each process: the last one takes the decoded strings instead of
  // copying them (stored batches hold ~2 events, most processes are used by one event).
  std::vector<uint32_t> uses_left(processes.size(), 0);
  for (const v1::CompactEvent& ce : batch.events()) {
    if (ce.process() < uses_left.size()) ++uses_left[ce.process()];
  }

  events->reserve(events->size() + batch.events_size());
  uint64_t time = static_cast<uint64_t>(batch.base_time_ns());
  ParseError error;
  for (int i = 0; i < batch.events_size(); ++i) {
    const v1::CompactEvent& ce = batch.events(i);
    time += static_cast<uint64_t>(ce.time_delta_ns());     // wraps instead of overflowing
    const uint64_t number = static_cast<uint64_t>(i) + 1;  // 1-based position in the batch
    if (ce.process() >= processes.size()) {
      error.reason = RejectReason::kInvalidValue;
      error.detail = "process index " + std::to_string(ce.process()) + " out of range (" +
                     std::to_string(processes.size()) + " processes)";
      rejects->Add(number, error);
      continue;
    }
    DecodedProcess& proc = processes[ce.process()];
    const bool last_use = --uses_left[ce.process()] == 0;
    if (!proc.ok) {
      rejects->Add(number, proc.error);
      continue;
    }
    NetworkEvent e;
    if (!DecodeIp(ce.source_ip(), "source.ip", &e.source_ip, &error) ||
        !DecodeIp(ce.destination_ip(), "destination.ip", &e.destination_ip, &error) ||
        !DecodePort(ce.source_port(), "source.port", &e.source_port, &error) ||
        !DecodePort(ce.destination_port(), "destination.port", &e.destination_port, &error)) {
      rejects->Add(number, error);
      continue;
    }
    e.time_ns = static_cast<int64_t>(time);
    e.direction = ce.ingress() ? Direction::kIngress : Direction::kEgress;
    e.transport = ce.udp() ? Transport::kUdp : Transport::kTcp;
    e.netns_inode = ce.netns_inode();
    e.cgroup_id = ce.cgroup_id();
    e.repeat_count = ce.repeat_count();
    if (host != nullptr) {
      e.host = *host;
    } else if (last_use) {
      e.host = std::move(proc.host);
    } else {
      e.host = proc.host;
    }
    e.process = last_use ? std::move(proc.info) : proc.info;
    events->push_back(std::move(e));
  }
  return Status::Ok();
}

}  // namespace ulna
