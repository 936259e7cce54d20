#include "agent/process_cache.h"

#include <gtest/gtest.h>

#include "fake_proc.h"

namespace ulna::agent {
namespace {

using namespace std::string_literals;

KernelTask Task(uint32_t pid, uint32_t ppid, uint64_t start, std::string comm,
                uint32_t uid = 1000) {
  KernelTask t;
  t.pid = pid;
  t.ppid = ppid;
  t.start_ticks = start;
  t.uid = uid;
  t.gid = uid + 1;
  t.comm = std::move(comm);
  return t;
}

class ProcessCacheTest : public ::testing::Test {
 protected:
  ProcessCacheTest()
      : procfs_(fake_.root()), cache_(&procfs_, {.max_entries = 100, .exit_grace_ns = 1000}) {
    fake_.Add({.pid = 1,
               .ppid = 0,
               .comm = "systemd",
               .start_ticks = 1,
               .uid = 0,
               .exe = "/usr/lib/systemd/systemd",
               .cmdline = "/sbin/init\0"s,
               .cwd = "/"});
    fake_.Add({.pid = 100,
               .ppid = 1,
               .comm = "bash",
               .start_ticks = 200,
               .exe = "/usr/bin/bash",
               .cmdline = "-bash\0"s,
               .cwd = "/home/u"});
  }
  FakeProc fake_;
  ProcFs procfs_;
  ProcessCache cache_;
};

TEST_F(ProcessCacheTest, SeedsFromProc) {
  EXPECT_EQ(cache_.SeedFromProc(), 2u);
  const CachedProcess* bash = cache_.Find(100);
  ASSERT_NE(bash, nullptr);
  EXPECT_EQ(bash->executable, "/usr/bin/bash");
  EXPECT_EQ(bash->working_directory, "/home/u");
  EXPECT_EQ(bash->start_ticks, 200u);
}

TEST_F(ProcessCacheTest, ForkedChildInheritsParentAndLearnsStartTime) {
  cache_.SeedFromProc();
  cache_.OnFork(Task(100, 1, 200, "bash"), 150);
  // The child exits before anyone reads /proc/150 (it never existed in the fake tree).
  const CachedProcess& child = cache_.Resolve(Task(150, 100, 300, "bash"));
  EXPECT_EQ(child.pid, 150u);
  EXPECT_EQ(child.ppid, 100u);
  EXPECT_EQ(child.start_ticks, 300u);
  EXPECT_EQ(child.executable, "/usr/bin/bash");
  EXPECT_EQ(child.working_directory, "/home/u");
  const CachedProcess* parent = cache_.Parent(child);
  ASSERT_NE(parent, nullptr);
  EXPECT_EQ(parent->name, "bash");
  EXPECT_EQ(cache_.stats().proc_reads, 0u);  // all from the cache
}

TEST_F(ProcessCacheTest, ExecPrefersProcWhenItShowsTheSameImage) {
  cache_.SeedFromProc();
  cache_.OnFork(Task(100, 1, 200, "bash"), 160);
  fake_.Add({.pid = 160,
             .ppid = 100,
             .comm = "curl",
             .start_ticks = 400,
             .exe = "/usr/bin/curl",
             .cmdline = "curl\0-s\0http://h/\0"s,
             .cwd = "/tmp"});
  cache_.OnExec(Task(160, 100, 400, "curl"),
                {.filename = "curl", .args_block = "curl\0-s\0"s, .cwd = "/tmp"});
  const CachedProcess& p = cache_.Resolve(Task(160, 100, 400, "curl"));
  EXPECT_EQ(p.executable, "/usr/bin/curl");  // kernel walk failed: /proc, not the bare "curl"
  EXPECT_EQ(p.args, (std::vector<std::string>{"curl", "-s", "http://h/"}));  // full, from /proc
  EXPECT_EQ(p.working_directory, "/tmp");
}

TEST_F(ProcessCacheTest, ExecFallsBackToKernelCopyWhenProcMovedOn) {
  cache_.SeedFromProc();
  cache_.OnFork(Task(100, 1, 200, "bash"), 170);
  // By the time the agent reads /proc, pid 170 has exec'ed again into something else.
  fake_.Add({.pid = 170,
             .ppid = 100,
             .comm = "sleep",
             .start_ticks = 500,
             .exe = "/usr/bin/sleep",
             .cmdline = "sleep\0"s,
             .cwd = "/elsewhere"});
  cache_.OnExec(Task(170, 100, 500, "python3"), {.resolved_executable = "/usr/bin/python3.11",
                                                 .filename = "/usr/bin/python3",
                                                 .args_block = "python3\0-c\0pass\0"s,
                                                 .cwd = "/srv/app"});
  const CachedProcess* p = cache_.Find(170);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->executable, "/usr/bin/python3.11");  // resolved by the kernel, not the symlink
  EXPECT_EQ(p->args, (std::vector<std::string>{"python3", "-c", "pass"}));
  EXPECT_EQ(p->working_directory, "/srv/app");  // the kernel's walk, not the fork-time cwd
  EXPECT_EQ(cache_.stats().proc_misses, 1u);
}

TEST_F(ProcessCacheTest, ExecWithoutAnyCwdKeepsThePreviousOne) {
  cache_.SeedFromProc();
  cache_.OnExec(Task(100, 1, 200, "sh"), {.filename = "/bin/sh", .args_block = "sh\0"s});
  EXPECT_EQ(cache_.Find(100)->working_directory, "/home/u");  // cwd survives exec
  EXPECT_EQ(cache_.Find(100)->executable, "/bin/sh");         // /proc shows comm "bash": not used
}

TEST_F(ProcessCacheTest, KernelResolvedExecutableWinsOverProc) {
  // Alive and agreeing with /proc, whose exe link reads differently (another mount namespace):
  // the kernel's path is kept, so alive and gone processes report one way.
  cache_.SeedFromProc();
  fake_.Add({.pid = 180,
             .ppid = 100,
             .comm = "python3",
             .start_ticks = 600,
             .exe = "/proc-view/usr/bin/python3.11",
             .cmdline = "python3\0-c\0print(1)\0"s,
             .cwd = "/tmp"});
  cache_.OnExec(Task(180, 100, 600, "python3"), {.resolved_executable = "/usr/bin/python3.11",
                                                 .filename = "/usr/bin/python3",
                                                 .args_block = "python3\0-c\0"s});
  const CachedProcess* p = cache_.Find(180);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->executable, "/usr/bin/python3.11");
  EXPECT_EQ(p->args, (std::vector<std::string>{"python3", "-c", "print(1)"}));
  EXPECT_EQ(p->working_directory, "/tmp");
}

TEST_F(ProcessCacheTest, PidReuseRereadsProc) {
  cache_.SeedFromProc();
  fake_.Add({.pid = 100,
             .ppid = 1,
             .comm = "nc",
             .start_ticks = 900,
             .exe = "/usr/bin/nc",
             .cmdline = "nc\0"s,
             .cwd = "/srv"});
  const CachedProcess& p = cache_.Resolve(Task(100, 1, 900, "nc"));
  EXPECT_EQ(p.executable, "/usr/bin/nc");
  EXPECT_EQ(p.start_ticks, 900u);
  EXPECT_EQ(cache_.stats().pid_reuse, 1u);
}

TEST_F(ProcessCacheTest, UnknownAndGoneKeepsKernelFacts) {
  const CachedProcess& p = cache_.Resolve(Task(999, 998, 1234, "ghost", 42));
  EXPECT_EQ(p.name, "ghost");
  EXPECT_EQ(p.uid, 42u);
  EXPECT_EQ(p.executable, "");
  EXPECT_EQ(cache_.stats().proc_misses, 1u);
}

TEST_F(ProcessCacheTest, ExitKeepsEntryThroughGraceThenExpires) {
  cache_.SeedFromProc();
  cache_.OnExit(Task(100, 1, 200, "bash"), 10'000);
  cache_.ExpireExited(10'500);
  EXPECT_NE(cache_.Find(100), nullptr);  // inside the 1000 ns grace
  cache_.ExpireExited(11'001);
  EXPECT_EQ(cache_.Find(100), nullptr);
  // An exit for an older process with the same pid must not touch the live one.
  cache_.OnExit(Task(1, 0, 7, "systemd"), 10'000);
  cache_.ExpireExited(1'000'000);
  EXPECT_NE(cache_.Find(1), nullptr);
}

TEST_F(ProcessCacheTest, BoundedSize) {
  ProcessCache small(&procfs_, {.max_entries = 2, .exit_grace_ns = 0});
  small.SeedFromProc();
  small.Resolve(Task(500, 1, 1, "a"));
  EXPECT_EQ(small.size(), 2u);
  EXPECT_EQ(small.stats().evictions, 1u);
}

}  // namespace
}  // namespace ulna::agent
