#include "agent/spool.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string_view>

#include "agent/proc_fs.h"
#include "common/scoped_fd.h"

namespace ulna::agent {
namespace {

// File layout: magic, event count, payload length, FNV-1a of the payload (all little-endian
// u32), then the serialized self-contained EventBatch. The checksum catches a file damaged
// on disk; a torn write cannot be seen because files are renamed into place after fsync.
constexpr char kMagic[4] = {'U', 'L', 'S', 'B'};
constexpr size_t kHeaderBytes = 16;
constexpr std::string_view kBatchSuffix = ".batch";
constexpr std::string_view kSequenceFile = "sequence";

uint32_t Fnv1a(std::string_view data) {
  uint32_t h = 2166136261u;
  for (unsigned char c : data) {
    h ^= c;
    h *= 16777619u;
  }
  return h;
}

void PutU32(char* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

uint32_t GetU32(const char* in) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t{static_cast<unsigned char>(in[i])} << (8 * i);
  return v;
}

Status Errno(const std::string& what) {
  return Status::IoError(what + ": " + std::strerror(errno));
}

// Writes `data` to `path` through a temporary file renamed into place, so a reader (or a
// restart after a crash) sees either the old content or the whole new one.
Status WriteFileAtomically(const std::string& path, std::string_view data, bool sync) {
  const std::string tmp = path + ".tmp";
  {
    ScopedFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (!fd.valid()) return Errno("cannot create " + tmp);
    size_t done = 0;
    while (done < data.size()) {
      ssize_t n = ::write(fd.get(), data.data() + done, data.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        Status s = Errno("cannot write " + tmp);
        ::unlink(tmp.c_str());
        return s;
      }
      done += static_cast<size_t>(n);
    }
    if (sync && ::fsync(fd.get()) != 0) {
      Status s = Errno("cannot fsync " + tmp);
      ::unlink(tmp.c_str());
      return s;
    }
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Status s = Errno("cannot rename " + tmp);
    ::unlink(tmp.c_str());
    return s;
  }
  return Status::Ok();
}

Status SyncDir(const std::string& dir) {
  ScopedFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid() || ::fsync(fd.get()) != 0) return Errno("cannot fsync directory " + dir);
  return Status::Ok();
}

// Parses a whole batch file. InvalidArgument when it is damaged.
Result<v1::EventBatch> DecodeBatchFile(std::string_view data, uint32_t* events) {
  if (data.size() < kHeaderBytes || std::memcmp(data.data(), kMagic, 4) != 0) {
    return Status::InvalidArgument("not a spool batch file");
  }
  const uint32_t count = GetU32(data.data() + 4);
  const uint32_t length = GetU32(data.data() + 8);
  const uint32_t checksum = GetU32(data.data() + 12);
  std::string_view payload = data.substr(kHeaderBytes);
  if (payload.size() != length || Fnv1a(payload) != checksum) {
    return Status::InvalidArgument("spool batch file is damaged (length or checksum)");
  }
  v1::EventBatch batch;
  if (!batch.ParseFromArray(payload.data(), static_cast<int>(payload.size())) ||
      batch.events_size() != static_cast<int>(count)) {
    return Status::InvalidArgument("spool batch file does not hold a valid batch");
  }
  *events = count;
  return batch;
}

// "00000000000000000042.batch" -> 42; 0 for any other name.
uint64_t SequenceFromName(std::string_view name) {
  if (name.size() <= kBatchSuffix.size() ||
      name.substr(name.size() - kBatchSuffix.size()) != kBatchSuffix) {
    return 0;
  }
  name.remove_suffix(kBatchSuffix.size());
  uint64_t seq = 0;
  auto [ptr, ec] = std::from_chars(name.data(), name.data() + name.size(), seq);
  if (ec != std::errc() || ptr != name.data() + name.size()) return 0;
  return seq;
}

}  // namespace

Spool::Spool(SpoolOptions options) : options_(std::move(options)) {}

Result<std::unique_ptr<Spool>> Spool::Open(SpoolOptions options) {
  if (options.dir.empty()) return Status::InvalidArgument("spool directory is empty");
  std::error_code ec;
  std::filesystem::create_directories(options.dir, ec);
  if (ec) {
    return Status::IoError("cannot create spool directory " + options.dir + ": " + ec.message());
  }
  std::unique_ptr<Spool> spool(new Spool(std::move(options)));
  ULNA_RETURN_IF_ERROR(spool->Load());
  return spool;
}

std::string Spool::BatchPath(uint64_t sequence) const {
  char name[32];
  std::snprintf(name, sizeof(name), "%020llu", static_cast<unsigned long long>(sequence));
  return options_.dir + "/" + name + std::string(kBatchSuffix);
}

Status Spool::Load() {
  std::lock_guard<std::mutex> lock(mu_);
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(options_.dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.ends_with(".tmp")) {  // a write the previous run did not finish: never acked
      std::filesystem::remove(entry.path(), ec);
      continue;
    }
    const uint64_t seq = SequenceFromName(name);
    if (seq == 0) continue;
    Result<std::string> data = ReadSmallFile(entry.path().string(), 1u << 30);
    uint32_t events = 0;
    Result<v1::EventBatch> batch =
        data.ok() ? DecodeBatchFile(*data, &events) : Result<v1::EventBatch>(data.status());
    if (!batch.ok() || batch->sequence() != seq) {
      std::fprintf(stderr, "ulna-agent: spool: dropping unreadable %s: %s\n", name.c_str(),
                   batch.ok() ? "sequence mismatch" : batch.status().ToString().c_str());
      std::filesystem::remove(entry.path(), ec);
      ++stats_.corrupt;
      ++stats_.dropped;
      ++unreported_drops_;
      continue;
    }
    pending_[seq] = Entry{data->size(), events};
    stats_.bytes += data->size();
    stats_.events += events;
  }
  if (ec)
    return Status::IoError("cannot list spool directory " + options_.dir + ": " + ec.message());
  stats_.depth = pending_.size();

  Result<std::string> saved = ReadSmallFile(options_.dir + "/" + std::string(kSequenceFile), 64);
  if (saved.ok()) {
    uint64_t next = 0;
    std::string_view text = *saved;
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
    auto [ptr, err] = std::from_chars(text.data(), text.data() + text.size(), next);
    if (err != std::errc() || ptr != text.data() + text.size() || next == 0) {
      return Status::InvalidArgument("spool sequence file " + options_.dir +
                                     "/sequence is damaged: '" + std::string(text) + "'");
    }
    next_sequence_ = next;
  } else if (saved.status().code() != Status::Code::kNotFound) {
    return saved.status();
  }
  if (!pending_.empty()) next_sequence_ = std::max(next_sequence_, pending_.rbegin()->first + 1);
  return Status::Ok();
}

Status Spool::PersistSequenceLocked() {
  return WriteFileAtomically(options_.dir + "/" + std::string(kSequenceFile),
                             std::to_string(next_sequence_) + "\n", options_.sync);
}

Status Spool::WriteBatchLocked(uint64_t sequence, const v1::EventBatch& batch, uint64_t* bytes) {
  std::string payload;
  if (!batch.SerializeToString(&payload)) return Status::Internal("cannot serialize batch");
  std::string file(kHeaderBytes, '\0');
  std::memcpy(file.data(), kMagic, 4);
  PutU32(file.data() + 4, static_cast<uint32_t>(batch.events_size()));
  PutU32(file.data() + 8, static_cast<uint32_t>(payload.size()));
  PutU32(file.data() + 12, Fnv1a(payload));
  file += payload;
  *bytes = file.size();
  return WriteFileAtomically(BatchPath(sequence), file, options_.sync);
}

void Spool::RemoveFileLocked(uint64_t sequence) {
  const std::string path = BatchPath(sequence);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    std::fprintf(stderr, "ulna-agent: spool: cannot remove %s: %s\n", path.c_str(),
                 std::strerror(errno));
  }
}

void Spool::DropLocked(std::map<uint64_t, Entry>::iterator it, bool corrupt) {
  RemoveFileLocked(it->first);
  stats_.bytes -= it->second.bytes;
  stats_.events -= it->second.events;
  ++stats_.dropped;
  stats_.dropped_events += it->second.events;
  if (corrupt) ++stats_.corrupt;
  ++unreported_drops_;
  pending_.erase(it);
  stats_.depth = pending_.size();
}

Result<uint64_t> Spool::Append(v1::EventBatch batch) {
  std::unique_lock<std::mutex> lock(mu_);
  const uint64_t sequence = next_sequence_;
  batch.set_sequence(sequence);
  // The sequence is burned before the batch exists: a crash in between leaves a gap, which the
  // server tolerates, never a reuse, which it would take for a duplicate.
  ++next_sequence_;
  ULNA_RETURN_IF_ERROR(PersistSequenceLocked());

  const uint32_t events = static_cast<uint32_t>(batch.events_size());
  const uint64_t size = kHeaderBytes + batch.ByteSizeLong() + 16;  // + room for the drop count
  if (size > options_.max_bytes) {
    ++stats_.dropped;
    stats_.dropped_events += events;
    ++unreported_drops_;
    return Status::ResourceExhausted("batch of " + std::to_string(size) +
                                     " bytes is larger than the whole spool (" +
                                     std::to_string(options_.max_bytes) + " bytes)");
  }
  while (!pending_.empty() && stats_.bytes + size > options_.max_bytes) {
    DropLocked(pending_.begin(), /*corrupt=*/false);
  }
  batch.mutable_counters()->set_spool_drops(batch.counters().spool_drops() + unreported_drops_);
  uint64_t bytes = 0;
  Status written = WriteBatchLocked(sequence, batch, &bytes);
  if (written.ok() && options_.sync) written = SyncDir(options_.dir);
  if (!written.ok()) {  // e.g. disk full: the batch is lost, and says so in the next one
    RemoveFileLocked(sequence);
    ++stats_.dropped;
    stats_.dropped_events += events;
    ++unreported_drops_;
    return written;
  }
  unreported_drops_ = 0;
  pending_[sequence] = Entry{bytes, events};
  stats_.bytes += bytes;
  stats_.events += events;
  stats_.depth = pending_.size();
  ++stats_.appended;
  stats_.appended_events += events;
  lock.unlock();
  appended_cv_.notify_all();
  return sequence;
}

Result<SpooledBatch> Spool::Read(uint64_t sequence) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = pending_.find(sequence);
  if (it == pending_.end()) {
    return Status::NotFound("batch " + std::to_string(sequence) + " is not in the spool");
  }
  Result<std::string> data = ReadSmallFile(BatchPath(sequence), 1u << 30);
  uint32_t events = 0;
  Result<v1::EventBatch> batch =
      data.ok() ? DecodeBatchFile(*data, &events) : Result<v1::EventBatch>(data.status());
  if (!batch.ok()) {
    std::fprintf(stderr, "ulna-agent: spool: dropping unreadable batch %llu: %s\n",
                 static_cast<unsigned long long>(sequence), batch.status().ToString().c_str());
    DropLocked(it, /*corrupt=*/true);
    return Status::NotFound("batch " + std::to_string(sequence) + " was unreadable");
  }
  SpooledBatch out;
  out.sequence = sequence;
  out.batch = std::move(batch.value());
  return out;
}

std::vector<uint64_t> Spool::PendingAfter(uint64_t after) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<uint64_t> out;
  for (auto it = pending_.upper_bound(after); it != pending_.end(); ++it) out.push_back(it->first);
  return out;
}

bool Spool::WaitForPendingAfter(uint64_t after, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return appended_cv_.wait_for(lock, timeout,
                               [&] { return pending_.upper_bound(after) != pending_.end(); });
}

uint32_t Spool::Remove(uint64_t sequence) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = pending_.find(sequence);
  if (it == pending_.end()) return 0;
  RemoveFileLocked(sequence);
  const uint32_t events = it->second.events;
  stats_.bytes -= it->second.bytes;
  stats_.events -= events;
  pending_.erase(it);
  stats_.depth = pending_.size();
  return events;
}

uint64_t Spool::RemoveThrough(uint64_t last_durable) {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t events = 0;
  while (!pending_.empty() && pending_.begin()->first <= last_durable) {
    auto it = pending_.begin();
    RemoveFileLocked(it->first);
    events += it->second.events;
    stats_.bytes -= it->second.bytes;
    stats_.events -= it->second.events;
    pending_.erase(it);
  }
  stats_.depth = pending_.size();
  return events;
}

Status Spool::Rebase(uint64_t server_last) {
  std::lock_guard<std::mutex> lock(mu_);
  if (server_last < next_sequence_) return Status::Ok();
  std::map<uint64_t, Entry> renumbered;
  uint64_t next = server_last + 1;
  for (const auto& [old_seq, entry] : pending_) {
    Result<std::string> data = ReadSmallFile(BatchPath(old_seq), 1u << 30);
    uint32_t events = 0;
    Result<v1::EventBatch> batch =
        data.ok() ? DecodeBatchFile(*data, &events) : Result<v1::EventBatch>(data.status());
    stats_.bytes -= entry.bytes;
    stats_.events -= entry.events;
    if (!batch.ok()) {
      RemoveFileLocked(old_seq);
      ++stats_.corrupt;
      ++stats_.dropped;
      stats_.dropped_events += entry.events;
      ++unreported_drops_;
      continue;
    }
    batch->set_sequence(next);
    uint64_t bytes = 0;
    // Written before the old file goes, so a crash in between duplicates, never loses.
    ULNA_RETURN_IF_ERROR(WriteBatchLocked(next, *batch, &bytes));
    RemoveFileLocked(old_seq);
    renumbered[next] = Entry{bytes, events};
    stats_.bytes += bytes;
    stats_.events += events;
    ++next;
  }
  pending_ = std::move(renumbered);
  stats_.depth = pending_.size();
  next_sequence_ = next;
  ULNA_RETURN_IF_ERROR(PersistSequenceLocked());
  if (options_.sync) ULNA_RETURN_IF_ERROR(SyncDir(options_.dir));
  return Status::Ok();
}

uint64_t Spool::next_sequence() const {
  std::lock_guard<std::mutex> lock(mu_);
  return next_sequence_;
}

SpoolStats Spool::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

}  // namespace ulna::agent
