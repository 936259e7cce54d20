#include "common/batch_codec.h"

#include <cstring>
#include <string_view>

namespace ulna {
namespace {

void SetIp(const IpAddress& ip, std::string* out) {
  out->assign(reinterpret_cast<const char*>(ip.bytes().data()), ip.is_v4() ? 4 : 16);
}

// Appends the raw bytes of a fixed-size value to a dedup key.
template <typename T>
void PutKey(T value, std::string* key) {
  key->append(reinterpret_cast<const char*>(&value), sizeof(value));
}

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
  bool Get(uint32_t id, size_t max_bytes, const char* field, std::string* out,
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

v1::EventBatch BatchEncoder::Encode(uint64_t sequence, std::span<const NetworkEvent> events) {
  v1::EventBatch batch;
  Fill(sequence, events, &batch);
  return batch;
}

std::string BatchEncoder::EncodeToString(uint64_t sequence, std::span<const NetworkEvent> events) {
  // One arena allocation instead of one per event, process and string, all freed at once.
  google::protobuf::Arena arena;
  auto* batch = google::protobuf::Arena::CreateMessage<v1::EventBatch>(&arena);
  Fill(sequence, events, batch);
  return batch->SerializeAsString();
}

void BatchEncoder::Fill(uint64_t sequence, std::span<const NetworkEvent> events,
                        v1::EventBatch* out) {
  v1::EventBatch& batch = *out;
  batch.set_sequence(sequence);
  batch.set_self_contained(self_contained_);
  if (self_contained_) {
    ids_.clear();
    next_id_ = 1;
  }
  batch.set_string_base(next_id_);

  auto intern = [&](const std::string& s) -> uint32_t {
    if (s.empty()) return 0;
    const auto [it, inserted] = ids_.try_emplace(s, next_id_);
    if (inserted) {
      batch.add_strings(s);
      ++next_id_;
    }
    return it->second;
  };

  // Events of one process share a table entry; the key is the entry's encoded form, which is
  // equal exactly when ProcessInfo and host are equal (ids map strings one to one).
  std::unordered_map<std::string, uint32_t> process_index;
  std::string key;
  v1::CompactProcess proc;
  const int64_t base_time = events.empty() ? 0 : events.front().time_ns;
  batch.set_base_time_ns(base_time);
  int64_t prev_time = base_time;

  for (const NetworkEvent& e : events) {
    const ProcessInfo& p = e.process;
    proc.Clear();
    proc.set_pid(p.pid);
    proc.set_ppid(p.ppid);
    proc.set_start_time_ns(p.start_time_ns);
    proc.set_uid(p.uid);
    proc.set_gid(p.gid);
    proc.set_name(intern(p.name));
    proc.set_executable(intern(p.executable));
    for (const auto& arg : p.args) proc.add_args(intern(arg));
    proc.set_working_directory(intern(p.working_directory));
    proc.set_user_name(intern(p.user_name));
    proc.set_parent_name(intern(p.parent_name));
    proc.set_parent_executable(intern(p.parent_executable));
    proc.set_container_id(intern(p.container_id));
    proc.set_entity_id(intern(p.entity_id));
    if (self_contained_) {
      proc.set_host_id(intern(e.host.id));
      proc.set_host_name(intern(e.host.name));
    }

    key.clear();
    for (uint32_t v :
         {proc.pid(), proc.ppid(), proc.uid(), proc.gid(), proc.name(), proc.executable(),
          proc.working_directory(), proc.user_name(), proc.parent_name(), proc.parent_executable(),
          proc.container_id(), proc.entity_id(), proc.host_id(), proc.host_name()}) {
      PutKey(v, &key);
    }
    PutKey(proc.start_time_ns(), &key);
    for (uint32_t arg : proc.args()) PutKey(arg, &key);
    const auto [it, inserted] =
        process_index.try_emplace(key, static_cast<uint32_t>(batch.processes_size()));
    if (inserted) *batch.add_processes() = proc;

    v1::CompactEvent* ce = batch.add_events();
    // Unsigned subtraction: wrap-around instead of overflow for absurd time jumps.
    ce->set_time_delta_ns(
        static_cast<int64_t>(static_cast<uint64_t>(e.time_ns) - static_cast<uint64_t>(prev_time)));
    prev_time = e.time_ns;
    ce->set_process(it->second);
    ce->set_ingress(e.direction == Direction::kIngress);
    ce->set_udp(e.transport == Transport::kUdp);
    SetIp(e.source_ip, ce->mutable_source_ip());
    ce->set_source_port(e.source_port);
    SetIp(e.destination_ip, ce->mutable_destination_ip());
    ce->set_destination_port(e.destination_port);
    ce->set_netns_inode(e.netns_inode);
    ce->set_cgroup_id(e.cgroup_id);
    ce->set_repeat_count(e.repeat_count);
  }
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
