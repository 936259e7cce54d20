#include "server/store/store.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <rocksdb/utilities/options_util.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <set>
#include <thread>

namespace ulna::server {
namespace {

// A fresh folder under /tmp, removed with everything in it when the test ends.
class TempDir {
 public:
  TempDir() {
    std::string pattern = "/tmp/ulna_store_test_XXXXXX";
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::unique_ptr<Store> OpenOrDie(const std::string& path) {
  Result<std::unique_ptr<Store>> store = Store::Open({.path = path});
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store).value() : nullptr;
}

Status PutOne(Store* store, Family family, const std::string& key, const std::string& value) {
  WriteGroup group;
  group.Put(family, key, value);
  return store->Write(std::move(group), /*sync=*/true);
}

std::vector<std::pair<std::string, std::string>> ScanAll(const Store& store, Family family,
                                                         std::string_view begin,
                                                         std::string_view end) {
  std::vector<std::pair<std::string, std::string>> out;
  Status s = store.Scan(family, begin, end, [&](std::string_view k, std::string_view v) {
    out.emplace_back(std::string(k), std::string(v));
    return true;
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

// Rewrites meta/schema_version (and optionally adds a family) with RocksDB directly, as a newer
// (or older) ULNA would have.
void ForgeNewerDb(const std::string& path, const std::string& version, bool add_family) {
  std::vector<std::string> names;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const auto& name : names) descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), path, descriptors, &handles, &db).ok());
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == "meta") {
      ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), handles[i], "schema_version", version).ok());
    }
  }
  if (add_family) {
    rocksdb::ColumnFamilyHandle* extra = nullptr;
    ASSERT_TRUE(db->CreateColumnFamily(rocksdb::ColumnFamilyOptions(), "future", &extra).ok());
    handles.push_back(extra);
  }
  for (auto* handle : handles) db->DestroyColumnFamilyHandle(handle);
  delete db;
}

TEST(StoreTest, FamilyNamesAreDistinctSnakeCase) {
  EXPECT_STREQ(FamilyName(Family::kEvents), "events");
  EXPECT_STREQ(FamilyName(Family::kBaselineHost), "baseline_host");
  EXPECT_STREQ(FamilyName(Family::kBaselineFleet), "baseline_fleet");
  EXPECT_STREQ(FamilyName(Family::kMeta), "meta");
  std::set<std::string> names;
  for (int i = 0; i < static_cast<int>(Family::kCount); ++i) {
    names.insert(FamilyName(static_cast<Family>(i)));
  }
  EXPECT_EQ(names.size(), static_cast<size_t>(Family::kCount));
  EXPECT_EQ(names.count("unknown"), 0u);
}

TEST(StoreTest, BigEndianKeysSortNumerically) {
  std::string a, b;
  AppendBigEndian64(&a, 255);
  AppendBigEndian64(&b, 256);
  EXPECT_EQ(a, std::string("\0\0\0\0\0\0\0\xff", 8));
  EXPECT_LT(a, b);
  EXPECT_EQ(ReadBigEndian64(b), 256u);
  std::string max;
  AppendBigEndian64(&max, UINT64_MAX);
  EXPECT_EQ(ReadBigEndian64(max), UINT64_MAX);
}

TEST(StoreTest, CreatesWritesSchemaAndReopenKeepsData) {
  TempDir dir;
  const std::string path = dir.Sub("db");
  {
    auto store = OpenOrDie(path);
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(store->path(), path);
    Result<std::string> version = store->Get(Family::kMeta, "schema_version");
    ASSERT_TRUE(version.ok());
    EXPECT_EQ(*version, std::to_string(kSchemaVersion));
    for (int i = 0; i < static_cast<int>(Family::kCount); ++i) {
      ASSERT_TRUE(PutOne(store.get(), static_cast<Family>(i), "k", FamilyName(Family(i))).ok());
    }
  }
  auto store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  for (int i = 0; i < static_cast<int>(Family::kCount); ++i) {
    Result<std::string> value = store->Get(static_cast<Family>(i), "k");
    ASSERT_TRUE(value.ok()) << FamilyName(Family(i));
    EXPECT_EQ(*value, FamilyName(Family(i)));  // each family is its own key space
  }
  Result<std::string> absent = store->Get(Family::kEvents, "nope");
  EXPECT_EQ(absent.status().code(), Status::Code::kNotFound);
}

// The families rewritten in place share a few hundred update locks instead of RocksDB's
// 10,000 a memtable (560 KB each to initialise); many keys then share a stripe and must still
// read back their own latest values.
TEST(StoreTest, RewrittenFamiliesUseFewUpdateLocksAndKeepEveryKey) {
  TempDir dir;
  const std::string path = dir.Sub("db");
  {
    auto store = OpenOrDie(path);
    ASSERT_NE(store, nullptr);
    for (int round = 0; round < 3; ++round) {
      WriteGroup group;
      for (int k = 0; k < 2000; ++k) {
        group.Put(Family::kBaselineHost, "key" + std::to_string(k),
                  "v" + std::to_string(round) + "-" + std::to_string(k));
      }
      ASSERT_TRUE(store->Write(std::move(group), /*sync=*/false).ok());
    }
    for (int k = 0; k < 2000; k += 97) {
      Result<std::string> value = store->Get(Family::kBaselineHost, "key" + std::to_string(k));
      ASSERT_TRUE(value.ok());
      EXPECT_EQ(*value, "v2-" + std::to_string(k));
    }
  }
  rocksdb::DBOptions db_options;
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  rocksdb::ConfigOptions config;
  config.ignore_unknown_options = true;
  ASSERT_TRUE(rocksdb::LoadLatestOptions(config, path, &db_options, &families).ok());
  std::set<std::string> rewritten;
  for (const rocksdb::ColumnFamilyDescriptor& family : families) {
    if (!family.options.inplace_update_support) continue;
    rewritten.insert(family.name);
    EXPECT_EQ(family.options.inplace_update_num_locks, 256u) << family.name;
  }
  EXPECT_EQ(rewritten, (std::set<std::string>{"baseline_fleet", "baseline_host", "meta"}));
}

TEST(StoreTest, WithoutTheLogDataSurvivesAFlushAndReopen) {
  TempDir dir;
  const std::string path = dir.Sub("db");
  {
    auto store = Store::Open({.path = path, .sync_writes = false, .write_ahead_log = false});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    WriteGroup group;
    group.Put(Family::kEvents, "e", "event");
    group.PutOwned(Family::kMeta, "m", std::string(1000, 'x'));
    ASSERT_TRUE((*store)->Write(std::move(group), /*sync=*/true).ok());
    ASSERT_TRUE((*store)->Flush().ok());
  }
  auto store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->Get(Family::kEvents, "e").value(), "event");
  EXPECT_EQ(store->Get(Family::kMeta, "m").value(), std::string(1000, 'x'));
}

TEST(StoreTest, LastKeyIsTheGreatestKeyOfTheFamily) {
  TempDir dir;
  auto store = OpenOrDie(dir.Sub("db"));
  ASSERT_NE(store, nullptr);
  auto empty = store->LastKey(Family::kEvents);
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(empty->has_value());
  for (const char* key : {"b", "c", "a"}) {
    ASSERT_TRUE(PutOne(store.get(), Family::kEvents, key, "v").ok());
  }
  ASSERT_TRUE(PutOne(store.get(), Family::kAlerts, "z", "v").ok());  // another family
  auto last = store->LastKey(Family::kEvents);
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->value_or(""), "c");
}

TEST(StoreTest, NewerSchemaIsRefusedAndLeftIntact) {
  TempDir dir;
  const std::string path = dir.Sub("db");
  {
    auto store = OpenOrDie(path);
    ASSERT_TRUE(PutOne(store.get(), Family::kAlerts, "a1", "payload").ok());
  }
  const std::string newer = std::to_string(kSchemaVersion + 1);
  ForgeNewerDb(path, newer, /*add_family=*/true);

  Result<std::unique_ptr<Store>> refused = Store::Open({.path = path});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("newer ULNA (schema " + newer + " > " +
                                            std::to_string(kSchemaVersion) + ")"),
            std::string::npos)
      << refused.status().message();

  // The refused DB still says the newer schema and holds its data.
  std::vector<std::string> names;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const auto& name : names) descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  ASSERT_TRUE(
      rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), path, descriptors, &handles, &db).ok());
  std::string version, alert;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == "meta") db->Get(rocksdb::ReadOptions(), handles[i], "schema_version", &version);
    if (names[i] == "alerts") db->Get(rocksdb::ReadOptions(), handles[i], "a1", &alert);
  }
  for (auto* handle : handles) db->DestroyColumnFamilyHandle(handle);
  delete db;
  EXPECT_EQ(version, newer);
  EXPECT_EQ(alert, "payload");
}

TEST(StoreTest, OlderSchemaIsOpenedAndMarkedCurrent) {
  TempDir dir;
  const std::string path = dir.Sub("db");
  {
    auto store = OpenOrDie(path);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(PutOne(store.get(), Family::kEvents, "kept", "v").ok());
  }
  ForgeNewerDb(path, std::to_string(kSchemaVersion - 1), /*add_family=*/false);
  auto store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->Get(Family::kMeta, "schema_version").value(), std::to_string(kSchemaVersion));
  EXPECT_EQ(store->Get(Family::kEvents, "kept").value(), "v");
}

TEST(StoreTest, UnknownFamilyOfSameSchemaIsTolerated) {
  TempDir dir;
  const std::string path = dir.Sub("db");
  { OpenOrDie(path); }
  ForgeNewerDb(path, "1", /*add_family=*/true);
  auto store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(PutOne(store.get(), Family::kMeta, "x", "y").ok());
}

TEST(StoreTest, GarbageSchemaVersionIsAnError) {
  TempDir dir;
  const std::string path = dir.Sub("db");
  { OpenOrDie(path); }
  ForgeNewerDb(path, "two", /*add_family=*/false);
  Result<std::unique_ptr<Store>> store = Store::Open({.path = path});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Status::Code::kInternal);
  EXPECT_NE(store.status().message().find("'two'"), std::string::npos);
}

TEST(StoreTest, SecondOpenInSameProcessIsUnavailable) {
  TempDir dir;
  const std::string path = dir.Sub("db");
  auto first = OpenOrDie(path);
  ASSERT_NE(first, nullptr);
  Result<std::unique_ptr<Store>> second = Store::Open({.path = path});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Status::Code::kUnavailable);
  EXPECT_NE(second.status().message().find("another ulna-server holds " + path), std::string::npos)
      << second.status().message();
  // The first opener is unaffected.
  EXPECT_TRUE(PutOne(first.get(), Family::kMeta, "still", "writable").ok());
}

TEST(StoreTest, LockHeldByAnotherProcessIsUnavailable) {
  TempDir dir;
  const std::string path = dir.Sub("db");
  { OpenOrDie(path); }
  // The child takes the same fcntl lock RocksDB takes, as a running ulna-server would.
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const int fd = open((path + "/LOCK").c_str(), O_RDWR);
    struct flock lock = {};
    lock.l_type = F_WRLCK;
    lock.l_whence = SEEK_SET;
    const char ok = (fd >= 0 && fcntl(fd, F_SETLK, &lock) == 0) ? '1' : '0';
    (void)!write(ready[1], &ok, 1);
    pause();
    _exit(0);
  }
  char ok = 0;
  ASSERT_EQ(read(ready[0], &ok, 1), 1);
  close(ready[0]);
  close(ready[1]);
  Result<std::unique_ptr<Store>> store = Store::Open({.path = path});
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  ASSERT_EQ(ok, '1');
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Status::Code::kUnavailable) << store.status().ToString();
  // Once the other process is gone the store opens.
  EXPECT_NE(OpenOrDie(path), nullptr);
}

TEST(StoreTest, OpenFailureIsIoErrorNamingThePath) {
  TempDir dir;
  const std::string file = dir.Sub("plain_file");
  { std::ofstream(file) << "x"; }
  Result<std::unique_ptr<Store>> store = Store::Open({.path = file + "/db"});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Status::Code::kIoError);
  EXPECT_NE(store.status().message().find(file), std::string::npos) << store.status().message();
}

TEST(StoreTest, WriteGroupAppliesAllOperationsInOrder) {
  TempDir dir;
  auto store = OpenOrDie(dir.Sub("db"));
  ASSERT_TRUE(PutOne(store.get(), Family::kAgents, "old", "1").ok());
  for (const char* key : {"r1", "r2", "r3"}) {
    ASSERT_TRUE(PutOne(store.get(), Family::kRecords, key, "x").ok());
  }

  WriteGroup group;
  EXPECT_TRUE(group.empty());
  group.Put(Family::kAgents, "a", "1");
  group.Put(Family::kTokens, "t", "2");
  group.Delete(Family::kAgents, "old");
  group.Put(Family::kAgents, "gone", "3");
  group.Delete(Family::kAgents, "gone");  // later ops win
  group.DeleteRange(Family::kRecords, "r1", "r3");
  EXPECT_EQ(group.size(), 6u);
  WriteGroup moved = std::move(group);
  EXPECT_EQ(moved.size(), 6u);
  ASSERT_TRUE(store->Write(std::move(moved), /*sync=*/false).ok());

  EXPECT_EQ(*store->Get(Family::kAgents, "a"), "1");
  EXPECT_EQ(*store->Get(Family::kTokens, "t"), "2");
  EXPECT_FALSE(store->Get(Family::kAgents, "old").ok());
  EXPECT_FALSE(store->Get(Family::kAgents, "gone").ok());
  auto records = ScanAll(*store, Family::kRecords, "", "");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].first, "r3");
  EXPECT_TRUE(store->Write(WriteGroup(), /*sync=*/true).ok());
}

// Every family's keys and values, in order.
std::vector<std::pair<std::string, std::string>> Contents(const Store& store) {
  std::vector<std::pair<std::string, std::string>> out;
  for (int f = 0; f < static_cast<int>(Family::kCount); ++f) {
    const Family family = static_cast<Family>(f);
    if (family == Family::kMeta) continue;  // holds the schema version
    for (auto& [key, value] : ScanAll(store, family, "", "")) {
      out.emplace_back(std::string(FamilyName(family)) + "/" + key, std::move(value));
    }
  }
  return out;
}

// Groups whose order matters: puts the later deletes remove, range deletes the later puts
// refill, and puts out of key order (which Write may reorder among themselves).
// `make_group` makes each (empty) group: plain ones by default.
std::vector<WriteGroup> OrderSensitiveGroups(const std::function<WriteGroup()>& make_group = [] {
  return WriteGroup();
}) {
  std::vector<WriteGroup> groups;
  for (int i = 0; i < 3; ++i) groups.push_back(make_group());
  for (const char* key : {"r5", "r1", "r3", "r2", "r4"}) groups[0].Put(Family::kRecords, key, key);
  groups[0].Put(Family::kAgents, "a", "1");
  groups[0].PutOwned(Family::kEvents, "e", std::string(1 << 20, 'e'));
  groups[1].Put(Family::kAgents, "gone", "x");
  groups[1].Delete(Family::kAgents, "gone");
  groups[1].DeleteRange(Family::kRecords, "r2", "r4");
  groups[1].Put(Family::kRecords, "r3", "refilled");
  groups[1].Delete(Family::kAgents, "a");
  groups[1].Put(Family::kAgents, "a", "2");
  groups[2].Put(Family::kTokens, "t", "1");
  groups[2].Put(Family::kTokens, "t", "2");  // the last put of a key wins
  return groups;
}

TEST(StoreTest, PreparedGroupsStoreTheSameAsUnpreparedOnes) {
  TempDir dir;
  auto plain = OpenOrDie(dir.Sub("plain"));
  auto prepared = OpenOrDie(dir.Sub("prepared"));
  for (WriteGroup& group : OrderSensitiveGroups()) {
    ASSERT_TRUE(plain->Write(std::move(group), /*sync=*/false).ok());
  }
  // Prepared on other threads at once, written here in order, as a replay does.
  std::vector<WriteGroup> groups = OrderSensitiveGroups();
  std::vector<size_t> sizes;
  for (const WriteGroup& group : groups) sizes.push_back(group.size());
  std::vector<Status> statuses(groups.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < groups.size(); ++i) {
    threads.emplace_back([&, i] { statuses[i] = prepared->Prepare(&groups[i]); });
  }
  for (std::thread& thread : threads) thread.join();
  for (size_t i = 0; i < groups.size(); ++i) {
    ASSERT_TRUE(statuses[i].ok()) << statuses[i].ToString();
    EXPECT_EQ(groups[i].size(), sizes[i]);            // still counts its operations
    ASSERT_TRUE(prepared->Prepare(&groups[i]).ok());  // again: nothing new to prepare
    ASSERT_TRUE(prepared->Write(std::move(groups[i]), /*sync=*/false).ok());
  }

  const auto contents = Contents(*plain);
  EXPECT_EQ(Contents(*prepared), contents);
  using KV = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(contents, (KV{{"events/e", std::string(1 << 20, 'e')},
                          {"records/r1", "r1"},
                          {"records/r3", "refilled"},
                          {"records/r4", "r4"},
                          {"records/r5", "r5"},
                          {"agents/a", "2"},
                          {"tokens/t", "2"}}));
}

// Direct groups (filled on other threads, as replay's workers do) apply their operations in
// the order added, to the same contents as plain groups.
TEST(StoreTest, DirectGroupsStoreTheSameAsPlainOnes) {
  TempDir dir;
  auto plain = OpenOrDie(dir.Sub("plain"));
  auto direct = OpenOrDie(dir.Sub("direct"));
  for (WriteGroup& group : OrderSensitiveGroups()) {
    ASSERT_TRUE(plain->Write(std::move(group), /*sync=*/false).ok());
  }
  std::vector<WriteGroup> groups(3);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < groups.size(); ++i) {
    threads.emplace_back([&, i] {
      // Reserves little: the 1 MB value grows the batch past it.
      groups[i] = std::move(OrderSensitiveGroups([&] { return direct->NewDirectGroup(64); })[i]);
    });
  }
  for (std::thread& thread : threads) thread.join();
  const std::vector<size_t> sizes = {7, 6, 2};
  for (size_t i = 0; i < groups.size(); ++i) {
    EXPECT_EQ(groups[i].size(), sizes[i]);
    ASSERT_TRUE(direct->Prepare(&groups[i]).ok());  // nothing to prepare
    ASSERT_TRUE(direct->Write(std::move(groups[i]), /*sync=*/false).ok());
  }
  EXPECT_EQ(Contents(*direct), Contents(*plain));
  EXPECT_EQ(Contents(*direct).size(), 7u);
}

TEST(StoreTest, PutPartsStoresTheConcatenatedValue) {
  TempDir dir;
  auto store = OpenOrDie(dir.Sub("db"));
  std::vector<std::string> many;  // more parts than a direct group passes to RocksDB at once
  for (int i = 0; i < 40; ++i) many.push_back(std::to_string(i) + ",");
  const std::vector<std::string_view> many_parts(many.begin(), many.end());
  std::string joined;
  for (const std::string& part : many) joined += part;
  const std::vector<std::string_view> parts = {"ab", "", "c", std::string_view("d\0e", 3)};
  for (bool direct : {false, true}) {
    WriteGroup group = direct ? store->NewDirectGroup(0) : WriteGroup();
    const std::string prefix = direct ? "direct/" : "plain/";
    group.PutParts(Family::kAgents, prefix + "parts", parts);
    group.PutParts(Family::kAgents, prefix + "none", {});
    group.PutParts(Family::kAgents, prefix + "many", many_parts);
    EXPECT_EQ(group.size(), 3u);
    ASSERT_TRUE(store->Write(std::move(group), /*sync=*/false).ok());
    EXPECT_EQ(*store->Get(Family::kAgents, prefix + "parts"), std::string("abcd\0e", 6));
    EXPECT_EQ(*store->Get(Family::kAgents, prefix + "none"), "");
    EXPECT_EQ(*store->Get(Family::kAgents, prefix + "many"), joined);
  }
}

TEST(StoreTest, DirectGroupOfAnotherStoreIsRefused) {
  TempDir dir;
  auto store = OpenOrDie(dir.Sub("db"));
  auto other = OpenOrDie(dir.Sub("other"));
  WriteGroup group = other->NewDirectGroup(0);
  group.Put(Family::kAgents, "a", "1");
  EXPECT_EQ(store->Prepare(&group).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(store->Write(std::move(group), /*sync=*/true).code(), Status::Code::kInvalidArgument);
  EXPECT_FALSE(store->Get(Family::kAgents, "a").ok());
  EXPECT_FALSE(other->Get(Family::kAgents, "a").ok());
}

TEST(StoreTest, OperationsAddedAfterPrepareApplyAfterThePreparedOnes) {
  TempDir dir;
  auto store = OpenOrDie(dir.Sub("db"));
  WriteGroup group;
  group.Put(Family::kAgents, "b", "1");
  group.Put(Family::kAgents, "a", "1");
  ASSERT_TRUE(store->Prepare(&group).ok());
  group.Delete(Family::kAgents, "b");
  group.Put(Family::kAgents, "a", "2");
  EXPECT_EQ(group.size(), 4u);
  ASSERT_TRUE(store->Write(std::move(group), /*sync=*/true).ok());
  EXPECT_FALSE(store->Get(Family::kAgents, "b").ok());
  EXPECT_EQ(*store->Get(Family::kAgents, "a"), "2");
}

TEST(StoreTest, GroupPreparedForAnotherStoreIsRefused) {
  TempDir dir;
  auto store = OpenOrDie(dir.Sub("db"));
  auto other = OpenOrDie(dir.Sub("other"));
  WriteGroup group;
  group.Put(Family::kAgents, "a", "1");
  ASSERT_TRUE(other->Prepare(&group).ok());
  group.Put(Family::kAgents, "b", "1");
  EXPECT_EQ(store->Prepare(&group).code(), Status::Code::kInvalidArgument);
  const Status status = store->Write(std::move(group), /*sync=*/true);
  EXPECT_EQ(status.code(), Status::Code::kInvalidArgument) << status.ToString();
  EXPECT_FALSE(store->Get(Family::kAgents, "a").ok());
  EXPECT_FALSE(store->Get(Family::kAgents, "b").ok());
  EXPECT_TRUE(store->Prepare(&group).ok());  // moved-from: nothing to prepare
}

// A replay's temporary store: readable and writable as any other, with no info log on disk.
TEST(StoreTest, DiscardedOnCloseStoreWorksWithoutALog) {
  TempDir dir;
  const std::string path = dir.Sub("temp");
  {
    Result<std::unique_ptr<Store>> store = Store::Open(
        {.path = path, .sync_writes = false, .write_ahead_log = false, .discard_on_close = true});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    for (int i = 0; i < 3; ++i) {
      WriteGroup group;
      group.Put(Family::kEvents, "k" + std::to_string(i), std::string(1 << 20, 'v'));
      ASSERT_TRUE((*store)->Write(std::move(group), /*sync=*/true).ok());
    }
    ASSERT_TRUE((*store)->Flush().ok());  // writes (unsynced) table files
    EXPECT_EQ(ScanAll(**store, Family::kEvents, "", "").size(), 3u);
  }
  EXPECT_FALSE(std::filesystem::exists(path + "/LOG"));
}

TEST(StoreTest, ScanRespectsBoundsOrderAndEarlyStop) {
  TempDir dir;
  auto store = OpenOrDie(dir.Sub("db"));
  WriteGroup group;
  for (const char* key : {"d", "b", "a", "c", "e"}) group.Put(Family::kPolicies, key, key);
  group.Put(Family::kProcesses, "c2", "other family");
  ASSERT_TRUE(store->Write(std::move(group), true).ok());
  ASSERT_TRUE(store->Flush().ok());  // scans must also see flushed (SST) data
  ASSERT_TRUE(PutOne(store.get(), Family::kPolicies, "bb", "bb").ok());

  auto keys = [](const std::vector<std::pair<std::string, std::string>>& kv) {
    std::vector<std::string> out;
    for (const auto& [k, v] : kv) out.push_back(k);
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(keys(ScanAll(*store, Family::kPolicies, "b", "d")), (V{"b", "bb", "c"}));
  EXPECT_EQ(keys(ScanAll(*store, Family::kPolicies, "c", "")), (V{"c", "d", "e"}));
  EXPECT_EQ(keys(ScanAll(*store, Family::kPolicies, "", "")), (V{"a", "b", "bb", "c", "d", "e"}));
  EXPECT_TRUE(ScanAll(*store, Family::kPolicies, "x", "").empty());
  std::vector<std::string> seen;
  ASSERT_TRUE(store
                  ->Scan(Family::kPolicies, "", "",
                         [&](std::string_view k, std::string_view) {
                           seen.emplace_back(k);
                           return seen.size() < 2;
                         })
                  .ok());
  EXPECT_EQ(seen, (V{"a", "b"}));
}

TEST(StoreTest, ConcurrentSyncedWritersAllLand) {
  TempDir dir;
  auto store = OpenOrDie(dir.Sub("db"));
  constexpr int kThreads = 4;
  constexpr int kWrites = 100;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kWrites; ++i) {
        WriteGroup group;
        group.Put(Family::kAgents, std::to_string(t) + "/" + std::to_string(i), "v");
        group.Put(Family::kTokens, std::to_string(t) + "/" + std::to_string(i), "v");
        if (!store->Write(std::move(group), /*sync=*/true).ok()) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(ScanAll(*store, Family::kAgents, "", "").size(), size_t{kThreads * kWrites});
  EXPECT_EQ(ScanAll(*store, Family::kTokens, "", "").size(), size_t{kThreads * kWrites});
}

TEST(StoreTest, CompactKeepsLiveKeys) {
  TempDir dir;
  auto store = OpenOrDie(dir.Sub("db"));
  WriteGroup group;
  for (int i = 0; i < 10; ++i) group.Put(Family::kEvents, std::string(1, char('a' + i)), "v");
  ASSERT_TRUE(store->Write(std::move(group), true).ok());
  ASSERT_TRUE(store->Flush().ok());
  WriteGroup deletes;
  deletes.DeleteRange(Family::kEvents, "a", "e");
  ASSERT_TRUE(store->Write(std::move(deletes), true).ok());
  ASSERT_TRUE(store->Compact(Family::kEvents, "a", "e").ok());
  EXPECT_EQ(ScanAll(*store, Family::kEvents, "", "").size(), 6u);
}

// A full disk: writes fail with ResourceExhausted, and what was acknowledged before survives;
// whether the groups were prepared (`prepare`) or not. Needs root to mount a tiny tmpfs;
// skipped (loudly) otherwise.
void CheckDiskFullIsResourceExhaustedAndEarlierDataSurvives(bool prepare) {
  if (geteuid() != 0) GTEST_SKIP() << "not root: cannot mount a small tmpfs for the disk-full test";
  TempDir dir;
  const std::string mount_point = dir.Sub("tiny");
  std::filesystem::create_directory(mount_point);
  if (mount("tmpfs", mount_point.c_str(), "tmpfs", 0, "size=4m") != 0) {
    GTEST_SKIP() << "mount tmpfs failed (" << strerror(errno) << "): disk-full test not run";
  }
  const std::string path = mount_point + "/db";
  std::mt19937_64 random(7);
  std::string noise(64 << 10, '\0');  // incompressible values fill the disk quickly
  int acknowledged = 0;
  Status failure;
  {
    Result<std::unique_ptr<Store>> store = Store::Open({.path = path});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    for (int i = 0; i < 200; ++i) {
      for (char& c : noise) c = static_cast<char>(random());
      WriteGroup group;
      group.Put(Family::kEvents, "k" + std::to_string(1000 + i), noise);
      if (prepare) {
        ASSERT_TRUE((*store)->Prepare(&group).ok());
      }
      failure = (*store)->Write(std::move(group), /*sync=*/true);
      if (!failure.ok()) break;
      ++acknowledged;
    }
  }
  const std::string copy = dir.Sub("copy");
  std::filesystem::copy(path, copy, std::filesystem::copy_options::recursive);
  umount(mount_point.c_str());

  ASSERT_FALSE(failure.ok()) << "4 MiB never filled";
  EXPECT_EQ(failure.code(), Status::Code::kResourceExhausted) << failure.ToString();
  ASSERT_GT(acknowledged, 0);
  auto store = OpenOrDie(copy);
  ASSERT_NE(store, nullptr);
  for (int i = 0; i < acknowledged; ++i) {
    EXPECT_TRUE(store->Get(Family::kEvents, "k" + std::to_string(1000 + i)).ok()) << i;
  }
}

TEST(StoreTest, DiskFullIsResourceExhaustedAndEarlierDataSurvives) {
  CheckDiskFullIsResourceExhaustedAndEarlierDataSurvives(/*prepare=*/false);
}

TEST(StoreTest, DiskFullFailsPreparedGroupsCleanly) {
  CheckDiskFullIsResourceExhaustedAndEarlierDataSurvives(/*prepare=*/true);
}

}  // namespace
}  // namespace ulna::server
