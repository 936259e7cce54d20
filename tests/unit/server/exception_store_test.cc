#include "server/store/exception_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>

namespace ulna::server {
namespace {

class TempDir {
 public:
  TempDir() {
    std::string pattern = "/tmp/ulna_exception_store_test_XXXXXX";
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

class ExceptionStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen() {
    exceptions_.reset();
    store_.reset();
    Result<std::unique_ptr<Store>> store = Store::Open({.path = dir_.Sub("db")});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    exceptions_ = std::make_unique<ExceptionStore>(store_.get());
  }

  std::vector<RuleException> List(bool include_expired, int64_t now) {
    Result<std::vector<RuleException>> list = exceptions_->List(include_expired, now);
    EXPECT_TRUE(list.ok()) << list.status().ToString();
    return list.ok() ? *list : std::vector<RuleException>{};
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<ExceptionStore> exceptions_;
};

RuleException Full() {
  RuleException e;
  e.id = "caller-supplied-ids-are-replaced";
  e.process_name = "apt-get";
  e.process_executable = "/usr/bin/apt-get";
  e.user_name = "root";
  e.destination_cidr = "10.0.0.0/8";
  e.host_name = "build-1";
  e.reason = "package mirror";
  e.expires_ns = 5'000;
  e.created_ns = 1;  // replaced too
  return e;
}

TEST_F(ExceptionStoreTest, AddAssignsIdAndCreatedAndPersistsEveryField) {
  Result<RuleException> added = exceptions_->Add(Full(), /*now_ns=*/1'000);
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  EXPECT_EQ(added->id.size(), 16u);
  EXPECT_EQ(added->id.find_first_not_of("0123456789abcdef"), std::string::npos) << added->id;
  EXPECT_EQ(added->created_ns, 1'000);

  Reopen();
  auto list = List(/*include_expired=*/false, 2'000);
  ASSERT_EQ(list.size(), 1u);
  const RuleException& e = list[0];
  EXPECT_EQ(e.id, added->id);
  EXPECT_EQ(e.process_name, "apt-get");
  EXPECT_EQ(e.process_executable, "/usr/bin/apt-get");
  EXPECT_EQ(e.user_name, "root");
  EXPECT_EQ(e.destination_cidr, "10.0.0.0/8");
  EXPECT_EQ(e.host_name, "build-1");
  EXPECT_EQ(e.reason, "package mirror");
  EXPECT_EQ(e.expires_ns, 5'000);
  EXPECT_EQ(e.created_ns, 1'000);
}

TEST_F(ExceptionStoreTest, InvalidExceptionsAreRejectedAndNotStored) {
  RuleException no_condition;
  no_condition.reason = "why not";
  RuleException no_reason = Full();
  no_reason.reason.clear();
  RuleException bad_cidr = Full();
  bad_cidr.destination_cidr = "10.0.0.0/33";
  for (const RuleException& bad : {no_condition, no_reason, bad_cidr}) {
    Result<RuleException> added = exceptions_->Add(bad, 1);
    ASSERT_FALSE(added.ok());
    EXPECT_EQ(added.status().code(), Status::Code::kInvalidArgument);
  }
  EXPECT_TRUE(List(/*include_expired=*/true, 0).empty());
}

TEST_F(ExceptionStoreTest, ExpiredAreHiddenUnlessAsked) {
  RuleException expiring = Full();
  expiring.expires_ns = 1'000;
  RuleException forever = Full();
  forever.expires_ns = 0;
  forever.process_name = "forever";
  ASSERT_TRUE(exceptions_->Add(expiring, 10).ok());
  ASSERT_TRUE(exceptions_->Add(forever, 20).ok());

  auto names = [](const std::vector<RuleException>& list) {
    std::vector<std::string> out;
    for (const auto& e : list) out.push_back(e.process_name);
    return out;
  };
  using V = std::vector<std::string>;
  // Listed in the order they were added (created_ns), whatever their random ids.
  EXPECT_EQ(names(List(false, 999)), (V{"apt-get", "forever"}));
  EXPECT_EQ(names(List(false, 1'000)), (V{"forever"}));  // expires at exactly expires_ns
  EXPECT_EQ(names(List(true, 1'000'000)), (V{"apt-get", "forever"}));
}

TEST_F(ExceptionStoreTest, RemoveDeletesOnceThenNotFound) {
  Result<RuleException> a = exceptions_->Add(Full(), 1);
  Result<RuleException> b = exceptions_->Add(Full(), 2);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->id, b->id);

  ASSERT_TRUE(exceptions_->Remove(a->id).ok());
  Status again = exceptions_->Remove(a->id);
  EXPECT_EQ(again.code(), Status::Code::kNotFound);
  EXPECT_NE(again.message().find(a->id), std::string::npos);
  EXPECT_EQ(exceptions_->Remove("").code(), Status::Code::kNotFound);

  Reopen();
  auto list = List(true, 0);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].id, b->id);
}

TEST_F(ExceptionStoreTest, IdsAreUnique) {
  std::set<std::string> ids;
  for (int i = 0; i < 50; ++i) {
    Result<RuleException> added = exceptions_->Add(Full(), i);
    ASSERT_TRUE(added.ok());
    ids.insert(added->id);
  }
  EXPECT_EQ(ids.size(), 50u);
  EXPECT_EQ(List(true, 0).size(), 50u);
}

TEST_F(ExceptionStoreTest, CorruptStoredExceptionFailsTheList) {
  ASSERT_TRUE(exceptions_->Add(Full(), 1).ok());
  WriteGroup group;
  group.Put(Family::kExceptions, "ffffffffffffffff", "\x01\x09short");
  ASSERT_TRUE(store_->Write(std::move(group), true).ok());
  Result<std::vector<RuleException>> list = exceptions_->List(true, 0);
  ASSERT_FALSE(list.ok());
  EXPECT_EQ(list.status().code(), Status::Code::kInternal);
  EXPECT_NE(list.status().message().find("ffffffffffffffff"), std::string::npos);
}

}  // namespace
}  // namespace ulna::server
