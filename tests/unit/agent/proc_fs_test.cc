#include "agent/proc_fs.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "fake_proc.h"

namespace ulna::agent {
namespace {

using namespace std::string_literals;

TEST(ProcFsTest, ParseStatWithAwkwardComm) {
  // comm may hold spaces and ')' — only the last ')' ends it.
  std::string text =
      "4242 (my (odd) proc) S 17 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 "
      "987654 1000 200 18446744073709551615\n";
  Result<ProcStat> st = ParseProcStat(text);
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  EXPECT_EQ(st->pid, 4242u);
  EXPECT_EQ(st->comm, "my (odd) proc");
  EXPECT_EQ(st->ppid, 17u);
  EXPECT_EQ(st->start_ticks, 987654u);
}

TEST(ProcFsTest, ParseStatRejectsGarbage) {
  EXPECT_FALSE(ParseProcStat("").ok());
  EXPECT_FALSE(ParseProcStat("12 (x) S 1 2 3").ok());  // too few fields
  EXPECT_FALSE(ParseProcStat("12 x S 1").ok());
}

TEST(ProcFsTest, ParseStatusIdsTakesRealIds) {
  uint32_t uid = 0, gid = 0;
  ASSERT_TRUE(
      ParseProcStatusIds("Name:\tx\nUid:\t1001\t0\t0\t0\nGid:\t50\t51\t52\t53\n", &uid, &gid).ok());
  EXPECT_EQ(uid, 1001u);
  EXPECT_EQ(gid, 50u);
  EXPECT_FALSE(ParseProcStatusIds("Name:\tx\n", &uid, &gid).ok());
}

TEST(ProcFsTest, ReadProcessFromTree) {
  FakeProc fake;
  std::string id(64, 'c');
  fake.Add({.pid = 300,
            .ppid = 1,
            .comm = "nginx",
            .start_ticks = 5555,
            .uid = 33,
            .exe = "/usr/sbin/nginx",
            .cmdline = "nginx\0-g\0daemon off;\0"s,
            .cwd = "/var/www",
            .cgroup = "0::/system.slice/docker-" + id + ".scope\n"});
  ProcFs procfs(fake.root());
  Result<ProcSnapshot> snap = procfs.ReadProcess(300);
  ASSERT_TRUE(snap.ok()) << snap.status().ToString();
  EXPECT_EQ(snap->stat.comm, "nginx");
  EXPECT_EQ(snap->stat.ppid, 1u);
  EXPECT_EQ(snap->stat.start_ticks, 5555u);
  EXPECT_EQ(snap->uid, 33u);
  EXPECT_EQ(snap->gid, 34u);
  EXPECT_EQ(snap->executable, "/usr/sbin/nginx");
  EXPECT_EQ(snap->working_directory, "/var/www");
  EXPECT_EQ(snap->args, (std::vector<std::string>{"nginx", "-g", "daemon off;"}));
  EXPECT_EQ(snap->container_id, id);

  EXPECT_EQ(procfs.ReadProcess(301).status().code(), Status::Code::kNotFound);
  fake.Add({.pid = 7, .ppid = 0, .comm = "init", .start_ticks = 1});
  std::vector<uint32_t> pids = procfs.ListPids();
  std::sort(pids.begin(), pids.end());
  EXPECT_EQ(pids, (std::vector<uint32_t>{7, 300}));
}

}  // namespace
}  // namespace ulna::agent
