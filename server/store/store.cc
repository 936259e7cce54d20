#include "server/store/store.h"

#include <fcntl.h>
#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdarg>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <system_error>

namespace ulna::server {
namespace {

constexpr std::string_view kSchemaVersionKey = "schema_version";
// Bounded memory for a small server: one block cache shared by every family, and one memtable
// budget for all of them (RocksDB flushes the largest family when the total is reached).
constexpr size_t kBlockCacheBytes = 64 << 20;
constexpr size_t kWriteBufferBudgetBytes = 128 << 20;
constexpr size_t kWriteBufferBytes = 16 << 20;  // per family
// A temporary store's memtables (see FamilyOptions).
constexpr size_t kDiscardedWriteBufferBytes = 8 << 20;
constexpr size_t kArenaBlockBytes = 256 << 10;
constexpr size_t kInPlaceUpdateLocks = 256;  // see RewrittenFamilyOptions
// Caps the WAL so that a rarely written family cannot pin old log files (and recovery stays
// short); RocksDB flushes the families holding the oldest log when it is exceeded.
constexpr uint64_t kMaxTotalWalBytes = 256 << 20;

rocksdb::Slice ToSlice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }

// RocksDB failures as ULNA statuses; `what` says which operation on which DB.
Status FromRocks(const rocksdb::Status& s, const std::string& what) {
  if (s.ok()) return Status::Ok();
  const std::string text = what + ": " + s.ToString();
  if (s.IsNotFound()) return Status::NotFound(text);
  if (s.IsNoSpace() || s.ToString().find("No space left") != std::string::npos) {
    return Status::ResourceExhausted(text + " (disk full; free space and restart the server)");
  }
  if (s.IsIOError()) return Status::IoError(text);
  if (s.IsCorruption()) return Status::Internal(text + " (RocksDB reports corruption)");
  if (s.IsInvalidArgument()) return Status::InvalidArgument(text);
  return Status::Internal(text);
}

// Families whose keys are rewritten over and over with values of (nearly) the same size: the
// baselines, rewritten for every process active in every bucket, and meta, which holds the job
// checkpoints, the elastic model and the ulna baselines (rewritten for every active host, name,
// user and context in every bucket: without in-place updates their skiplist inserts were a
// fifth of an ulna-mode replay).
bool IsRewrittenInPlace(const std::string& name) {
  return name == FamilyName(Family::kBaselineHost) || name == FamilyName(Family::kBaselineFleet) ||
         name == FamilyName(Family::kMeta);
}

// The families the server knows, with their RocksDB options (shared by all of them).
rocksdb::ColumnFamilyOptions FamilyOptions(const StoreOptions& store_options,
                                           const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::ColumnFamilyOptions options;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  // Point lookups (agent sequences, alert ids) mostly miss or hit one key: a bloom filter
  // saves a block read per SST for the misses.
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  const auto supported = rocksdb::GetSupportedCompressions();
  const rocksdb::CompressionType lz4 =
      std::find(supported.begin(), supported.end(), rocksdb::kLZ4Compression) != supported.end()
          ? rocksdb::kLZ4Compression
          : rocksdb::kNoCompression;
  // Fresh memtable flushes (L0) and their first compaction (L1) are left uncompressed: they are
  // a short-lived share of the data, compressing every flush cost the write path ~5% of its
  // CPU, and the compact event batches shrink only ~15% with LZ4. Deeper levels are compressed.
  // (The last entry applies to every deeper level; the list overrides `compression`.)
  options.compression_per_level = {rocksdb::kNoCompression, rocksdb::kNoCompression, lz4};
  // 16 MB memtables (RocksDB's default is 64): flushes then run in the background while a
  // replay goes on instead of all at its end, and the memtables' memory is reused rather than
  // first touched (dear on a VM): dev1's replay ran ~10 % faster with 30 MB less peak RSS.
  options.write_buffer_size = kWriteBufferBytes;
  // A temporary store flushes each family on its own (no atomic flush, below), so its memtables
  // can be smaller without multiplying small files: every memtable byte is memory touched for
  // the first time, which costs ~1-2 ms a MB on a VM (dev1: ~0.05 s less system time, -13 MB
  // peak RSS).
  if (store_options.discard_on_close) options.write_buffer_size = kDiscardedWriteBufferBytes;
  // Memtables grow by arena blocks of 1/8 of their size by default (2 MB): a family that holds a
  // few rows (most of them) then takes a whole block, which the kernel zeroes when first touched.
  options.arena_block_size = kArenaBlockBytes;
  return options;
}

// Baselines are updated in place in the memtable when the new value is no larger: without it
// every bucket adds a new version of each active baseline, and the memtable grows to ~100k
// entries whose skiplist inserts (cache misses all the way down) cost microseconds each.
// Safe here: the Store never takes snapshots, and these families are read by point lookups
// (which take the in-place update locks), by scans at startup, and (meta) by the job's outbox
// scan, whose keys are only ever put once and deleted, never updated in place.
rocksdb::ColumnFamilyOptions RewrittenFamilyOptions(rocksdb::ColumnFamilyOptions options) {
  options.inplace_update_support = true;
  // Every memtable of these families allocates and initialises its key-striped locks: RocksDB's
  // 10,000 (560 KB) made opening a store touch ~1.7 MB for them, and every memtable switch
  // 560 KB more (a dev1 replay: ~15 % of its page faults). One writer at a time and a few
  // readers (the job, agents' sequence lookups) need far fewer stripes.
  options.inplace_update_num_locks = kInPlaceUpdateLocks;
  return options;
}

// RocksDB's info log (<store>/LOG), appended with plain writes whose errors are ignored: the LOG
// only helps diagnosis, while RocksDB's own logger aborts (Debian builds it with assertions)
// when it writes again after a failed write, which a full disk makes happen.
class InfoLog : public rocksdb::Logger {
 public:
  explicit InfoLog(const std::string& folder)
      : fd_(::open((folder + "/LOG").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640)) {}
  // Drops every line: a temporary store's LOG would be removed with it, unread (and opening a
  // store logs ~1000 lines, one write each).
  InfoLog() : fd_(-1) {}
  ~InfoLog() override {
    if (fd_ >= 0) ::close(fd_);
  }
  InfoLog(const InfoLog&) = delete;
  InfoLog& operator=(const InfoLog&) = delete;

  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    if (fd_ < 0) return;
    char line[1024];
    const int n = std::vsnprintf(line, sizeof(line) - 1, format, ap);
    if (n < 0) return;
    const size_t length = std::min(static_cast<size_t>(n), sizeof(line) - 2);
    line[length] = '\n';
    (void)!::write(fd_, line, length + 1);  // a lost diagnostic line is not an error
  }

 private:
  int fd_;
};

// A temporary store's files are never synced: the store is removed when closed, so a sync
// makes nothing durable that anyone will read. Opening a fresh store synced 26 times (40-75 ms
// of waiting on this VM), and unsynced files removed within seconds never reach the disk.
class UnsyncedFile : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  using rocksdb::FSWritableFileOwnerWrapper::FSWritableFileOwnerWrapper;
  rocksdb::IOStatus Sync(const rocksdb::IOOptions&, rocksdb::IODebugContext*) override {
    return rocksdb::IOStatus::OK();
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions&, rocksdb::IODebugContext*) override {
    return rocksdb::IOStatus::OK();
  }
  rocksdb::IOStatus RangeSync(uint64_t, uint64_t, const rocksdb::IOOptions&,
                              rocksdb::IODebugContext*) override {
    return rocksdb::IOStatus::OK();
  }
};

class UnsyncedFolder : public rocksdb::FSDirectoryWrapper {
 public:
  using rocksdb::FSDirectoryWrapper::FSDirectoryWrapper;
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions&, rocksdb::IODebugContext*) override {
    return rocksdb::IOStatus::OK();
  }
  rocksdb::IOStatus FsyncWithDirOptions(const rocksdb::IOOptions&, rocksdb::IODebugContext*,
                                        const rocksdb::DirFsyncOptions&) override {
    return rocksdb::IOStatus::OK();
  }
};

class UnsyncedFileSystem : public rocksdb::FileSystemWrapper {
 public:
  UnsyncedFileSystem() : rocksdb::FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  const char* Name() const override { return "UnsyncedFileSystem"; }

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* file,
                                    rocksdb::IODebugContext* debug) override {
    return Unsynced(target()->NewWritableFile(name, options, file, debug), file);
  }
  rocksdb::IOStatus ReopenWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                       std::unique_ptr<rocksdb::FSWritableFile>* file,
                                       rocksdb::IODebugContext* debug) override {
    return Unsynced(target()->ReopenWritableFile(name, options, file, debug), file);
  }
  rocksdb::IOStatus ReuseWritableFile(const std::string& name, const std::string& old_name,
                                      const rocksdb::FileOptions& options,
                                      std::unique_ptr<rocksdb::FSWritableFile>* file,
                                      rocksdb::IODebugContext* debug) override {
    return Unsynced(target()->ReuseWritableFile(name, old_name, options, file, debug), file);
  }
  rocksdb::IOStatus NewDirectory(const std::string& name, const rocksdb::IOOptions& options,
                                 std::unique_ptr<rocksdb::FSDirectory>* folder,
                                 rocksdb::IODebugContext* debug) override {
    rocksdb::IOStatus s = target()->NewDirectory(name, options, folder, debug);
    if (s.ok()) *folder = std::make_unique<UnsyncedFolder>(std::move(*folder));
    return s;
  }

 private:
  static rocksdb::IOStatus Unsynced(rocksdb::IOStatus s,
                                    std::unique_ptr<rocksdb::FSWritableFile>* file) {
    if (s.ok()) *file = std::make_unique<UnsyncedFile>(std::move(*file));
    return s;
  }
};

// `env`: the file system's environment (nullptr: RocksDB's default). `fresh`: no DB exists yet.
rocksdb::DBOptions DatabaseOptions(const StoreOptions& store_options, rocksdb::Env* env,
                                   bool fresh) {
  rocksdb::DBOptions options;
  // Without a write-ahead log, families flushed at different times could disagree after a
  // crash (a checkpoint without its records); flushing them together keeps them consistent.
  // (A temporary store is removed after a crash: it needs no consistency across families.)
  options.atomic_flush = !store_options.write_ahead_log && !store_options.discard_on_close;
  options.avoid_flush_during_shutdown = store_options.discard_on_close;
  // In-place memtable updates (above) require single-threaded memtable inserts; RocksDB still
  // group-commits concurrent writers, and the WAL write, not the insert, is what they share.
  options.allow_concurrent_memtable_write = false;
  options.create_if_missing = true;
  if (env != nullptr) options.env = env;
  options.info_log = store_options.discard_on_close ? std::make_shared<InfoLog>()
                                                    : std::make_shared<InfoLog>(store_options.path);
  // Opening a DB starts this many threads to open its table files; a fresh DB has none (16
  // threads were started and joined for nothing).
  if (fresh) options.max_file_opening_threads = 1;
  // Files are preallocated (the WAL ~18 MB, the MANIFEST 4 MB) to cut metadata syncs, which a
  // temporary store skips: closing it then truncated them and removing it freed the blocks.
  if (store_options.discard_on_close) options.allow_fallocate = false;
  options.max_background_jobs = 2;
  options.db_write_buffer_size = kWriteBufferBudgetBytes;
  options.max_total_wal_size = kMaxTotalWalBytes;
  options.keep_log_file_num = 5;
  options.max_log_file_size = 16 << 20;
  return options;
}

Result<int> ParseSchemaVersion(const std::string& text) {
  int version = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), version);
  if (error != std::errc() || end != text.data() + text.size() || version <= 0) {
    return Status::Internal("meta key schema_version holds '" + text + "', not a version number");
  }
  return version;
}

}  // namespace

const char* FamilyName(Family family) {
  switch (family) {
    case Family::kEvents:
      return "events";
    case Family::kProcesses:
      return "processes";
    case Family::kBaselineHost:
      return "baseline_host";
    case Family::kBaselineFleet:
      return "baseline_fleet";
    case Family::kRecords:
      return "records";
    case Family::kAlerts:
      return "alerts";
    case Family::kAgents:
      return "agents";
    case Family::kTokens:
      return "tokens";
    case Family::kPolicies:
      return "policies";
    case Family::kExceptions:
      return "exceptions";
    case Family::kMeta:
      return "meta";
    case Family::kCount:
      break;
  }
  return "unknown";
}

void AppendBigEndian64(std::string* out, uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(value >> shift));
}

uint64_t ReadBigEndian64(std::string_view bytes) {
  uint64_t value = 0;
  for (size_t i = 0; i < 8 && i < bytes.size(); ++i) {
    value = (value << 8) | static_cast<uint8_t>(bytes[i]);
  }
  return value;
}

// ---- WriteGroup ----

// Operations are recorded by Family and turned into a rocksdb::WriteBatch by Store::Prepare
// (or Write), because a group is built before (and without) the Store whose handles it needs.
struct WriteGroup::Rep {
  enum class Kind { kPut, kDelete, kDeleteRange };
  struct Op {
    Kind kind;
    Family family;
    std::string key;
    std::string value;  // the value (put) or the range end (delete range)
  };
  std::vector<Op> ops;  // not yet in `batch`, in the order they were added
  // The operations prepared so far (`batched` of them), naming the families of `prepared_for`.
  std::optional<rocksdb::WriteBatch> batch;
  size_t batched = 0;
  const Store* prepared_for = nullptr;
  // A direct group's family handles (Store::Rep::families): operations go straight to `batch`.
  const std::vector<rocksdb::ColumnFamilyHandle*>* direct_families = nullptr;
  Status direct_error;  // the first failed direct operation; Prepare and Write report it

  // Adds an operation to a direct group's batch, remembering the first failure.
  void Direct(const rocksdb::Status& s) {
    ++batched;
    if (!s.ok() && direct_error.ok()) direct_error = FromRocks(s, "cannot build a write batch");
  }
  rocksdb::ColumnFamilyHandle* DirectHandle(Family family) const {
    return (*direct_families)[static_cast<size_t>(family)];
  }
};

WriteGroup::WriteGroup() : rep_(std::make_unique<Rep>()) {}
WriteGroup::~WriteGroup() = default;
WriteGroup::WriteGroup(WriteGroup&&) noexcept = default;
WriteGroup& WriteGroup::operator=(WriteGroup&&) noexcept = default;

void WriteGroup::Put(Family family, std::string_view key, std::string_view value) {
  if (rep_->direct_families != nullptr) {
    rep_->Direct(rep_->batch->Put(rep_->DirectHandle(family), ToSlice(key), ToSlice(value)));
    return;
  }
  rep_->ops.push_back({Rep::Kind::kPut, family, std::string(key), std::string(value)});
}

void WriteGroup::PutOwned(Family family, std::string_view key, std::string value) {
  if (rep_->direct_families != nullptr) {
    Put(family, key, value);
    return;
  }
  rep_->ops.push_back({Rep::Kind::kPut, family, std::string(key), std::move(value)});
}

void WriteGroup::PutParts(Family family, std::string_view key,
                          std::span<const std::string_view> value_parts) {
  if (rep_->direct_families != nullptr) {
    // SliceParts takes an array of Slices: the parts are few (an encoded batch has six).
    constexpr size_t kMaxDirectParts = 16;
    if (value_parts.size() <= kMaxDirectParts) {
      rocksdb::Slice parts[kMaxDirectParts];
      for (size_t i = 0; i < value_parts.size(); ++i) parts[i] = ToSlice(value_parts[i]);
      const rocksdb::Slice key_slice = ToSlice(key);
      rep_->Direct(
          rep_->batch->Put(rep_->DirectHandle(family), rocksdb::SliceParts(&key_slice, 1),
                           rocksdb::SliceParts(parts, static_cast<int>(value_parts.size()))));
      return;
    }
  }
  size_t size = 0;
  for (std::string_view part : value_parts) size += part.size();
  std::string value;
  value.reserve(size);
  for (std::string_view part : value_parts) value.append(part);
  PutOwned(family, key, std::move(value));
}

void WriteGroup::Delete(Family family, std::string_view key) {
  if (rep_->direct_families != nullptr) {
    rep_->Direct(rep_->batch->Delete(rep_->DirectHandle(family), ToSlice(key)));
    return;
  }
  rep_->ops.push_back({Rep::Kind::kDelete, family, std::string(key), {}});
}

void WriteGroup::DeleteRange(Family family, std::string_view begin, std::string_view end) {
  if (rep_->direct_families != nullptr) {
    rep_->Direct(
        rep_->batch->DeleteRange(rep_->DirectHandle(family), ToSlice(begin), ToSlice(end)));
    return;
  }
  rep_->ops.push_back({Rep::Kind::kDeleteRange, family, std::string(begin), std::string(end)});
}

size_t WriteGroup::size() const { return rep_ ? rep_->batched + rep_->ops.size() : 0; }

// ---- Store ----

struct Store::Rep {
  StoreOptions options;
  std::unique_ptr<rocksdb::Env> env;  // a temporary store's unsynced files; outlives `db`
  std::shared_ptr<rocksdb::Cache> cache;
  std::unique_ptr<rocksdb::DB> db;
  // Every handle RocksDB gave us (ours, "default", and families of a newer schema); they must
  // be destroyed before the DB is closed.
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  // Indexed by Family; points into `handles`.
  std::vector<rocksdb::ColumnFamilyHandle*> families;

  ~Rep() {
    if (!db) return;
    for (rocksdb::ColumnFamilyHandle* handle : handles) db->DestroyColumnFamilyHandle(handle);
    // Close() only fails for unreleased snapshots, which the Store never takes.
    db->Close();
  }

  rocksdb::ColumnFamilyHandle* handle(Family family) const {
    return families[static_cast<size_t>(family)];
  }
};

Store::Store(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}
Store::~Store() = default;

const std::string& Store::path() const { return rep_->options.path; }

Result<std::unique_ptr<Store>> Store::Open(const StoreOptions& options) {
  if (options.path.empty()) return Status::InvalidArgument("store path is empty");
  auto rep = std::make_unique<Rep>();
  rep->options = options;
  rep->cache = rocksdb::NewLRUCache(kBlockCacheBytes);
  const rocksdb::ColumnFamilyOptions family_options = FamilyOptions(options, rep->cache);
  // The info log is opened in the folder before RocksDB would create it.
  std::error_code ignored;  // DB::Open reports a folder it cannot create
  std::filesystem::create_directories(options.path, ignored);
  if (options.discard_on_close) {
    rep->env = rocksdb::NewCompositeEnv(std::make_shared<UnsyncedFileSystem>());
  }
  std::error_code ec;
  const bool fresh = !std::filesystem::exists(std::filesystem::path(options.path) / "CURRENT", ec);
  const rocksdb::DBOptions db_options = DatabaseOptions(options, rep->env.get(), fresh);

  // Open exactly the families the DB already has (a newer schema may have more), so that a
  // DB we refuse is not changed; our missing families are created only after the check.
  std::vector<std::string> existing = {rocksdb::kDefaultColumnFamilyName};
  if (!fresh) {
    existing.clear();
    rocksdb::Status s = rocksdb::DB::ListColumnFamilies(db_options, options.path, &existing);
    if (!s.ok()) {
      return Status::IoError("cannot read the store at " + options.path + ": " + s.ToString());
    }
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : existing) {
    descriptors.emplace_back(
        name, IsRewrittenInPlace(name) ? RewrittenFamilyOptions(family_options) : family_options);
  }

  rocksdb::DB* raw_db = nullptr;
  rocksdb::Status s =
      rocksdb::DB::Open(db_options, options.path, descriptors, &rep->handles, &raw_db);
  if (!s.ok()) {
    // RocksDB holds an fcntl lock on <path>/LOCK for as long as a DB is open, in this process
    // ("lock hold by current process") or another ("While lock file: ... unavailable").
    if (s.IsIOError() && s.ToString().find("LOCK") != std::string::npos) {
      return Status::Unavailable("another ulna-server holds " + options.path + " (" + s.ToString() +
                                 ")");
    }
    return FromRocks(s, "cannot open the store at " + options.path);
  }
  rep->db.reset(raw_db);

  rep->families.assign(static_cast<size_t>(Family::kCount), nullptr);
  for (size_t i = 0; i < rep->families.size(); ++i) {
    const std::string name = FamilyName(static_cast<Family>(i));
    for (rocksdb::ColumnFamilyHandle* handle : rep->handles) {
      if (handle->GetName() == name) rep->families[i] = handle;
    }
  }

  bool version_current = false;
  if (rocksdb::ColumnFamilyHandle* meta = rep->handle(Family::kMeta)) {
    std::string stored;
    s = rep->db->Get(rocksdb::ReadOptions(), meta, ToSlice(kSchemaVersionKey), &stored);
    if (s.ok()) {
      Result<int> version = ParseSchemaVersion(stored);
      if (!version.ok()) return version.status().WithContext(options.path);
      if (*version > kSchemaVersion) {
        return Status::FailedPrecondition(
            "the store at " + options.path + " was written by a newer ULNA (schema " +
            std::to_string(*version) + " > " + std::to_string(kSchemaVersion) +
            "); refusing to open it (upgrade ulna-server)");
      }
      // An older schema is readable as it is (see kSchemaVersion); it is marked current below,
      // so that an older ulna-server, which cannot read what this one writes, refuses it.
      version_current = *version == kSchemaVersion;
    } else if (!s.IsNotFound()) {
      return FromRocks(s, "cannot read the schema version of " + options.path);
    }
  }

  // Missing families are created in one call: one options file written (and synced) for all,
  // instead of one per family.
  std::vector<rocksdb::ColumnFamilyDescriptor> missing;
  std::vector<size_t> missing_index;
  for (size_t i = 0; i < rep->families.size(); ++i) {
    if (rep->families[i] != nullptr) continue;
    const std::string name = FamilyName(static_cast<Family>(i));
    missing.emplace_back(
        name, IsRewrittenInPlace(name) ? RewrittenFamilyOptions(family_options) : family_options);
    missing_index.push_back(i);
  }
  if (!missing.empty()) {
    std::vector<rocksdb::ColumnFamilyHandle*> created;
    s = rep->db->CreateColumnFamilies(missing, &created);
    rep->handles.insert(rep->handles.end(), created.begin(), created.end());
    if (!s.ok()) return FromRocks(s, "cannot create the column families in " + options.path);
    for (size_t k = 0; k < created.size(); ++k) rep->families[missing_index[k]] = created[k];
  }

  if (!version_current) {
    rocksdb::WriteOptions sync_write;
    sync_write.sync = true;
    s = rep->db->Put(sync_write, rep->handle(Family::kMeta), ToSlice(kSchemaVersionKey),
                     std::to_string(kSchemaVersion));
    if (!s.ok()) return FromRocks(s, "cannot write the schema version of " + options.path);
  }
  return std::unique_ptr<Store>(new Store(std::move(rep)));
}

Result<std::string> Store::Get(Family family, std::string_view key) const {
  std::string value;
  rocksdb::Status s =
      rep_->db->Get(rocksdb::ReadOptions(), rep_->handle(family), ToSlice(key), &value);
  if (s.IsNotFound()) return Status::NotFound(std::string(FamilyName(family)) + " key absent");
  if (!s.ok()) return FromRocks(s, std::string("store read of ") + FamilyName(family));
  return value;
}

WriteGroup Store::NewDirectGroup(size_t reserve_bytes) const {
  WriteGroup group;
  WriteGroup::Rep* rep = group.rep_.get();
  rep->batch.emplace(reserve_bytes);
  rep->prepared_for = this;
  rep->direct_families = &rep_->families;
  return group;
}

Status Store::Prepare(WriteGroup* group) const {
  WriteGroup::Rep* rep = group->rep_.get();
  if (rep == nullptr) return Status::Ok();  // moved-from
  if (rep->prepared_for != nullptr && rep->prepared_for != this) {
    return Status::InvalidArgument("a write group prepared for another store was given to " +
                                   rep_->options.path);
  }
  ULNA_RETURN_IF_ERROR(rep->direct_error);
  if (rep->ops.empty()) return Status::Ok();  // nothing new (always so for a direct group)
  std::vector<WriteGroup::Rep::Op>& ops = rep->ops;
  // Memtable inserts cost a skiplist search each, dominated by cache misses; keys inserted in
  // order reuse the previous insert's position (RocksDB's splice), several times cheaper than
  // the same keys in arbitrary order. Reordering only puts is safe: a stable sort keeps the
  // last put of a key last, and no delete can be passed over (operations batched before stay
  // before these).
  const bool only_puts = std::all_of(ops.begin(), ops.end(), [](const WriteGroup::Rep::Op& op) {
    return op.kind == WriteGroup::Rep::Kind::kPut;
  });
  if (only_puts) {
    std::stable_sort(ops.begin(), ops.end(),
                     [](const WriteGroup::Rep::Op& a, const WriteGroup::Rep::Op& b) {
                       return a.family != b.family ? a.family < b.family : a.key < b.key;
                     });
  }
  // Sized up front: growing the batch by doubling copies it again and faults in fresh pages.
  // Built aside, so that on an error the group is as it was.
  size_t bytes = 0;
  for (const WriteGroup::Rep::Op& op : ops) bytes += op.key.size() + op.value.size() + 16;
  rocksdb::WriteBatch batch = rep->batch ? *rep->batch : rocksdb::WriteBatch(bytes + 64);
  for (const WriteGroup::Rep::Op& op : ops) {
    rocksdb::ColumnFamilyHandle* handle = rep_->handle(op.family);
    rocksdb::Status s;
    switch (op.kind) {
      case WriteGroup::Rep::Kind::kPut:
        s = batch.Put(handle, ToSlice(op.key), ToSlice(op.value));
        break;
      case WriteGroup::Rep::Kind::kDelete:
        s = batch.Delete(handle, ToSlice(op.key));
        break;
      case WriteGroup::Rep::Kind::kDeleteRange:
        s = batch.DeleteRange(handle, ToSlice(op.key), ToSlice(op.value));
        break;
    }
    if (!s.ok()) return FromRocks(s, "cannot build a write batch");
  }
  rep->batch.emplace(std::move(batch));
  rep->batched += ops.size();
  rep->prepared_for = this;
  ops.clear();
  ops.shrink_to_fit();  // frees the values here, on the preparing thread
  return Status::Ok();
}

Status Store::Write(WriteGroup group, bool sync) {
  if (group.empty()) return Status::Ok();  // also covers a moved-from group
  ULNA_RETURN_IF_ERROR(Prepare(&group));
  rocksdb::WriteOptions write_options;
  write_options.sync = sync && rep_->options.sync_writes && rep_->options.write_ahead_log;
  write_options.disableWAL = !rep_->options.write_ahead_log;
  // Concurrent callers are group-committed by RocksDB (one WAL fsync for many batches).
  rocksdb::Status s = rep_->db->Write(write_options, &*group.rep_->batch);
  if (s.ok()) return Status::Ok();
  Status status = FromRocks(s, "store write to " + rep_->options.path);
  if (status.code() == Status::Code::kIoError) {
    // After a failed WAL/flush write RocksDB stops accepting writes until restarted.
    return Status::IoError(status.message() +
                           " (the store may now be read-only until ulna-server restarts)");
  }
  return status;
}

Status Store::Scan(
    Family family, std::string_view begin, std::string_view end,
    const std::function<bool(std::string_view key, std::string_view value)>& visit) const {
  rocksdb::ReadOptions read_options;
  const rocksdb::Slice upper = ToSlice(end);  // must outlive the iterator
  if (!end.empty()) read_options.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(rep_->db->NewIterator(read_options, rep_->handle(family)));
  for (it->Seek(ToSlice(begin)); it->Valid(); it->Next()) {
    const rocksdb::Slice key = it->key();
    const rocksdb::Slice value = it->value();
    if (!visit(std::string_view(key.data(), key.size()),
               std::string_view(value.data(), value.size()))) {
      break;
    }
  }
  return FromRocks(it->status(), std::string("store scan of ") + FamilyName(family));
}

Result<std::optional<std::string>> Store::LastKey(Family family) const {
  std::unique_ptr<rocksdb::Iterator> it(
      rep_->db->NewIterator(rocksdb::ReadOptions(), rep_->handle(family)));
  it->SeekToLast();
  if (!it->Valid()) {
    ULNA_RETURN_IF_ERROR(
        FromRocks(it->status(), std::string("store scan of ") + FamilyName(family)));
    return std::optional<std::string>();
  }
  return std::optional<std::string>(it->key().ToString());
}

Status Store::Compact(Family family, std::string_view begin, std::string_view end) {
  const rocksdb::Slice begin_slice = ToSlice(begin);
  const rocksdb::Slice end_slice = ToSlice(end);
  rocksdb::CompactRangeOptions compact_options;
  return FromRocks(rep_->db->CompactRange(compact_options, rep_->handle(family), &begin_slice,
                                          end.empty() ? nullptr : &end_slice),
                   std::string("store compaction of ") + FamilyName(family));
}

Status Store::Flush() {
  std::vector<rocksdb::ColumnFamilyHandle*> ours(rep_->families.begin(), rep_->families.end());
  return FromRocks(rep_->db->Flush(rocksdb::FlushOptions(), ours), "store flush");
}

}  // namespace ulna::server
