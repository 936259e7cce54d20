// Store: the server's one RocksDB database, split into column families (DESIGN.md §4). It owns
// the DB handle, records and checks the schema version, and refuses a second opener.
// Domain stores (EventLog, AlertStore, ...) build on its small Get/Put/Scan/Write surface.
// Thread-safety: all methods may be called concurrently (RocksDB's guarantees).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace ulna::server {

enum class Family : int {
  kEvents = 0,     // time(BE) · host id · seq → self-contained EventBatch
  kProcesses,      // host id · pid · start time → process record
  kBaselineHost,   // host id · process key (· feature) → history/baseline
  kBaselineFleet,  // process key (· feature) → fleet history/baseline
  kRecords,        // bucket(BE) · record id → anomaly record
  kAlerts,         // time(BE) · alert id → alert
  kAgents,
  kTokens,
  kPolicies,
  kExceptions,  // exception id → exception
  kMeta,        // name → value (schema version, job checkpoint, per-agent last seq)
  kCount,
};

const char* FamilyName(Family family);

// 2: stored event batches may span 5 minutes of event time (1 minute in 1). This version reads
// a schema-1 store as it is and marks it 2 on open.
inline constexpr int kSchemaVersion = 2;

struct StoreOptions {
  std::string path;         // the DB folder; created when missing
  bool sync_writes = true;  // fsync the WAL on Write(sync=true) calls
  // false (replay, which can be re-run from its input): writes skip the write-ahead log and
  // every flush is atomic across families, so a crash leaves the state of the last flush,
  // consistent but older; a server that acks agents keeps the log.
  bool write_ahead_log = true;
  // true (a replay's temporary store, removed right after): nothing will read it again, so
  // closing flushes nothing, no file is ever fsynced, RocksDB's info log is dropped, and the
  // families flush on their own (not atomically) from smaller memtables.
  bool discard_on_close = false;
};

// A group of writes applied atomically by Store::Write. A group may be filled on any thread;
// each group is used by one thread at a time. A group made by Store::NewDirectGroup writes each
// operation straight into its RocksDB batch, in the order added (see there).
class WriteGroup {
 public:
  WriteGroup();
  ~WriteGroup();
  WriteGroup(WriteGroup&&) noexcept;
  WriteGroup& operator=(WriteGroup&&) noexcept;
  void Put(Family family, std::string_view key, std::string_view value);
  // As Put, taking over `value`'s buffer instead of copying it (large encoded batches).
  void PutOwned(Family family, std::string_view key, std::string value);
  // As Put, with the value given as pieces to concatenate: a direct group copies them once,
  // into its batch, and the caller never builds the whole value.
  void PutParts(Family family, std::string_view key, std::span<const std::string_view> value_parts);
  void Delete(Family family, std::string_view key);
  // Deletes keys in [begin, end).
  void DeleteRange(Family family, std::string_view begin, std::string_view end);
  size_t size() const;  // number of operations
  bool empty() const { return size() == 0; }

 private:
  friend class Store;
  struct Rep;
  std::unique_ptr<Rep> rep_;
};

class Store {
 public:
  // Opens or creates the DB at options.path. Errors: FailedPrecondition for a newer schema,
  // Unavailable when another process holds the DB, IoError otherwise (with RocksDB's text).
  static Result<std::unique_ptr<Store>> Open(const StoreOptions& options);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // NotFound when the key is absent.
  Result<std::string> Get(Family family, std::string_view key) const;
  // Builds `group`'s RocksDB batch now, on the calling thread, so that Write only applies it:
  // a thread that fills groups prepares them, the thread that writes them in order does less.
  // Optional (Write prepares what was not). Operations added afterwards are batched by the
  // next Prepare or Write, after the earlier ones. A prepared group must be written to this
  // store (Write refuses it elsewhere). Thread-safe: concurrent with every other method.
  // Errors: InvalidArgument (a group prepared for another store; a batch over 4 GB).
  Status Prepare(WriteGroup* group) const;
  // A group that is prepared as it is filled: each operation goes into its RocksDB batch at
  // once (no copy of keys and values kept aside, no sort of its puts: a filler adding keys in
  // order keeps the memtable's fast in-order inserts). `reserve_bytes`: the batch's expected
  // size, so that it is not grown by copying. Like a prepared group, it must be written here.
  WriteGroup NewDirectGroup(size_t reserve_bytes) const;
  // Applies `group` atomically; `sync` fsyncs the WAL first (durable before return).
  // A full disk is ResourceExhausted; nothing of the group is applied then.
  Status Write(WriteGroup group, bool sync);
  // Calls `visit(key, value)` for keys in [begin, end) in order (empty end: to the family's
  // end) until it returns false.
  Status Scan(Family family, std::string_view begin, std::string_view end,
              const std::function<bool(std::string_view key, std::string_view value)>& visit) const;
  // Compacts keys in [begin, end) (empty end: to the family's end) so that space freed by
  // range deletes (retention) is returned to the disk now rather than at some later compaction.
  Status Compact(Family family, std::string_view begin, std::string_view end);
  // The greatest key of `family`; nullopt when the family is empty.
  Result<std::optional<std::string>> LastKey(Family family) const;
  // Flushes memtables to SST files (tests, clean shutdown).
  Status Flush();
  const std::string& path() const;

 private:
  struct Rep;
  explicit Store(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

// Big-endian fixed-width encoding, so that byte order equals numeric order in keys.
void AppendBigEndian64(std::string* out, uint64_t value);
uint64_t ReadBigEndian64(std::string_view bytes);  // reads the first 8 bytes

}  // namespace ulna::server
