// End-to-end: runs the real `ulna-agent capture` against real programs (python3, curl, ncat,
// socat) talking to a test host in its own network namespace over a veth pair, and checks the
// NDJSON it writes field by field. Needs root (eBPF, netns); skips loudly otherwise.
// Only addresses private to the namespace pair and loopback are used: nothing leaves the host.
#include <gtest/gtest.h>

#include "common/ecs_codec.h"
#include "common/event.h"
#include "tests/e2e/e2e_support.h"

namespace ulna {
namespace {

using namespace std::chrono_literals;
using namespace ulna::e2e;

std::string SelfComm() {
  std::string comm = ReadFile("/proc/self/comm");
  while (!comm.empty() && comm.back() == '\n') comm.pop_back();
  return comm;
}

// A running `ulna-agent capture`; Stop() sends SIGTERM and parses what it wrote.
class Agent {
 public:
  // Each agent gets its own files: a reused log could show the previous agent's "capturing".
  Agent(const std::string& dir, const std::vector<std::string>& extra)
      : dir_(dir + "/agent" + std::to_string(++instances_)) {
    std::filesystem::create_directories(dir_);
    std::string bin = BinDir() + "/ulna-agent";
    std::vector<std::string> argv = {bin,          "capture", "--output",
                                     "ndjson",     "--file",  dir_ + "/events.ndjson",
                                     "--duration", "60",      "--stats"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    pid_ = Spawn(argv, "/", "/dev/null", dir_ + "/agent.err");
    started_ = WaitForText(dir_ + "/agent.err", "ulna-agent: capturing");
  }
  ~Agent() {
    if (pid_ > 0) Stop();
  }
  bool started() const { return started_; }
  std::string log() const { return ReadFile(dir_ + "/agent.err"); }

  // Lets the agent drain (it polls every 100 ms), then stops it; returns the parsed events.
  std::vector<NetworkEvent> Stop() {
    std::this_thread::sleep_for(400ms);
    kill(pid_, SIGTERM);
    exit_status_ = Wait(pid_, 10s);
    pid_ = -1;
    std::vector<NetworkEvent> events;
    std::istringstream in(ReadFile(dir_ + "/events.ndjson"));
    EcsEventParser parser;
    std::string line;
    while (std::getline(in, line)) {
      NetworkEvent e;
      ParseError error;
      if (parser.Parse(line, &e, &error)) {
        events.push_back(std::move(e));
      } else {
        ADD_FAILURE() << "agent wrote an unparsable line (" << error.detail << "): " << line;
      }
    }
    return events;
  }
  int exit_status() const { return exit_status_; }

 private:
  static inline int instances_ = 0;
  std::string dir_;
  pid_t pid_ = -1;
  bool started_ = false;
  int exit_status_ = -2;
};

std::vector<const NetworkEvent*> ByPid(const std::vector<NetworkEvent>& events, uint32_t pid) {
  std::vector<const NetworkEvent*> out;
  for (const NetworkEvent& e : events) {
    if (e.process.pid == pid) out.push_back(&e);
  }
  return out;
}

std::string Describe(const std::vector<NetworkEvent>& events) {
  std::string s;
  for (const NetworkEvent& e : events) {
    std::string line;
    AppendEcsEvent(e, &line);
    s += line + "\n";
  }
  return s;
}

class AgentE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (geteuid() != 0) return;
    host_ = new TestHost();
  }
  static void TearDownTestSuite() {
    delete host_;
    host_ = nullptr;
  }
  void SetUp() override {
    if (geteuid() != 0) {
      GTEST_SKIP() << "\n*** SKIPPED: the agent end-to-end tests need root (eBPF, network "
                      "namespaces). Run them as root; CI does. ***\n";
    }
    ASSERT_TRUE(host_->ok()) << "could not build the test network namespace";
    char tmpl[] = "/tmp/ulna-e2e-cwd-XXXXXX";
    cwd_ = mkdtemp(tmpl);
  }
  void TearDown() override {
    if (!cwd_.empty()) std::filesystem::remove_all(cwd_);
  }

  // Asserts the process fields every client event must carry.
  void ExpectClient(const NetworkEvent& e, pid_t pid, const std::string& name,
                    const std::string& exe, const std::vector<std::string>& args) {
    EXPECT_EQ(e.process.pid, static_cast<uint32_t>(pid));
    EXPECT_EQ(std::string_view(e.process.name), name);
    EXPECT_EQ(std::string_view(e.process.executable), Realpath(exe));
    EXPECT_EQ(std::vector<std::string>(e.process.args.begin(), e.process.args.end()), args);
    EXPECT_EQ(std::string_view(e.process.working_directory), cwd_);
    EXPECT_EQ(e.process.user_name, "root");
    EXPECT_EQ(e.process.uid, 0u);
    EXPECT_EQ(e.process.ppid, static_cast<uint32_t>(getpid()));
    EXPECT_EQ(std::string_view(e.process.parent_name), SelfComm());
    EXPECT_EQ(std::string_view(e.process.parent_executable), Realpath("/proc/self/exe"));
    EXPECT_GT(e.process.start_time_ns, 1'600'000'000'000'000'000);
    EXPECT_NE(e.netns_inode, 0u);
    EXPECT_NE(e.cgroup_id, 0u);
    EXPECT_FALSE(e.host.name.empty());
  }

  static TestHost* host_;
  std::string cwd_;
};

TestHost* AgentE2eTest::host_ = nullptr;

TEST_F(AgentE2eTest, TcpClientsAndTheListenersAccepts) {
  Agent agent(cwd_, {});
  ASSERT_TRUE(agent.started()) << agent.log();
  // python3 connects three times to one service: one event, two repeats folded in the kernel.
  std::vector<std::string> py = {"/usr/bin/python3", "-c",
                                 "import socket\nfor _ in range(3):\n"
                                 "  s = socket.create_connection(('" +
                                     host_->ns_ip() + "', 8080)); s.recv(64); s.close()"};
  pid_t py_pid = Spawn(py, cwd_);
  ASSERT_EQ(Wait(py_pid), 0);
  std::vector<std::string> curl = {"/usr/bin/curl", "-s", "-o", "/dev/null",
                                   "http://" + host_->ns_ip() + ":8080/"};
  pid_t curl_pid = Spawn(curl, cwd_);
  ASSERT_EQ(Wait(curl_pid), 0);
  std::vector<std::string> ncat = {"/usr/bin/ncat", "--recv-only", host_->ns_ip(), "8080"};
  pid_t ncat_pid = Spawn(ncat, cwd_);
  ASSERT_EQ(Wait(ncat_pid), 0);
  std::vector<NetworkEvent> events = agent.Stop();
  EXPECT_EQ(agent.exit_status(), 0) << agent.log();
  SCOPED_TRACE(Describe(events));

  struct Client {
    pid_t pid;
    const char* name;
    std::vector<std::string> args;
  };
  for (const Client& c : {Client{py_pid, "python3", py}, Client{curl_pid, "curl", curl},
                          Client{ncat_pid, "ncat", ncat}}) {
    SCOPED_TRACE(c.name);
    std::vector<const NetworkEvent*> mine = ByPid(events, c.pid);
    ASSERT_EQ(mine.size(), 1u);  // python3's repeats are folded, not repeated
    const NetworkEvent& e = *mine[0];
    ExpectClient(e, c.pid, c.name, c.args[0], c.args);
    EXPECT_EQ(e.direction, Direction::kEgress);
    EXPECT_EQ(e.transport, Transport::kTcp);
    EXPECT_EQ(e.action(), std::string("connection_attempted"));
    EXPECT_EQ(e.destination_ip.ToString(), host_->ns_ip());
    EXPECT_EQ(e.destination_port, 8080);
    EXPECT_EQ(e.source_ip.ToString(), host_->host_ip());
  }

  // The listener in the namespace accepted; its events name it and the root-side peer.
  std::vector<const NetworkEvent*> accepts = ByPid(events, host_->listener());
  ASSERT_FALSE(accepts.empty());
  const NetworkEvent& a = *accepts[0];
  EXPECT_EQ(a.direction, Direction::kIngress);
  EXPECT_EQ(a.transport, Transport::kTcp);
  EXPECT_EQ(a.action(), std::string("connection_accepted"));
  EXPECT_EQ(a.process.name, "python3");
  EXPECT_EQ(std::string_view(a.process.executable), Realpath("/usr/bin/python3"));
  EXPECT_EQ(std::string_view(a.process.args[1]), host_->dir() + "/listener.py");
  EXPECT_EQ(a.source_ip.ToString(), host_->host_ip());
  EXPECT_EQ(a.destination_ip.ToString(), host_->ns_ip());
  EXPECT_EQ(a.destination_port, 8080);
  struct stat root_ns {};
  ASSERT_EQ(stat("/proc/self/ns/net", &root_ns), 0);
  EXPECT_NE(a.netns_inode, static_cast<uint32_t>(root_ns.st_ino));  // the test host's netns
  EXPECT_EQ(ByPid(events, py_pid)[0]->netns_inode, static_cast<uint32_t>(root_ns.st_ino));
}

TEST_F(AgentE2eTest, RefusedConnectIsStillAnAttempt) {
  Agent agent(cwd_, {});
  ASSERT_TRUE(agent.started()) << agent.log();
  std::vector<std::string> py = {"/usr/bin/python3", "-c",
                                 "import socket\ntry:\n  socket.create_connection(('" +
                                     host_->ns_ip() +
                                     "', 9))\nexcept ConnectionRefusedError:\n"
                                     "  pass\nelse:\n  raise SystemExit(3)"};
  pid_t pid = Spawn(py, cwd_);
  ASSERT_EQ(Wait(pid), 0) << "port 9 was expected to refuse";
  std::vector<NetworkEvent> events = agent.Stop();
  SCOPED_TRACE(Describe(events));
  std::vector<const NetworkEvent*> mine = ByPid(events, pid);
  ASSERT_EQ(mine.size(), 1u);
  ExpectClient(*mine[0], pid, "python3", py[0], py);
  EXPECT_EQ(mine[0]->destination_ip.ToString(), host_->ns_ip());
  EXPECT_EQ(mine[0]->destination_port, 9);
  EXPECT_EQ(mine[0]->transport, Transport::kTcp);
}

TEST_F(AgentE2eTest, UdpBothWaysWithNcat) {
  Agent agent(cwd_, {});
  ASSERT_TRUE(agent.started()) << agent.log();
  std::ofstream(cwd_ + "/payload") << "hello\n";
  std::vector<std::string> ncat = {"/usr/bin/ncat", "-u", "--send-only", host_->ns_ip(), "5353"};
  pid_t pid = Spawn(ncat, cwd_, cwd_ + "/payload");
  ASSERT_EQ(Wait(pid), 0);
  std::vector<NetworkEvent> events = agent.Stop();
  SCOPED_TRACE(Describe(events));
  std::vector<const NetworkEvent*> mine = ByPid(events, pid);
  ASSERT_EQ(mine.size(), 1u);
  ExpectClient(*mine[0], pid, "ncat", ncat[0], ncat);
  EXPECT_EQ(mine[0]->transport, Transport::kUdp);
  EXPECT_EQ(mine[0]->direction, Direction::kEgress);
  EXPECT_EQ(mine[0]->destination_ip.ToString(), host_->ns_ip());
  EXPECT_EQ(mine[0]->destination_port, 5353);

  // The listener's recvfrom() is the ingress side, with the sender as source.
  bool found = false;
  for (const NetworkEvent* e : ByPid(events, host_->listener())) {
    if (e->transport != Transport::kUdp) continue;
    found = true;
    EXPECT_EQ(e->direction, Direction::kIngress);
    EXPECT_EQ(e->source_ip.ToString(), host_->host_ip());
    EXPECT_EQ(e->destination_port, 5353);
    EXPECT_EQ(e->process.name, "python3");
  }
  EXPECT_TRUE(found) << "no UDP ingress event for the listener";
}

TEST_F(AgentE2eTest, SocatOverIpv6) {
  Agent agent(cwd_, {});
  ASSERT_TRUE(agent.started()) << agent.log();
  std::vector<std::string> socat = {"/usr/bin/socat", "-u", "TCP6:[" + host_->ns_ip6() + "]:8443",
                                    "/dev/null"};
  pid_t pid = Spawn(socat, cwd_);
  ASSERT_EQ(Wait(pid), 0);
  std::vector<NetworkEvent> events = agent.Stop();
  SCOPED_TRACE(Describe(events));
  std::vector<const NetworkEvent*> mine = ByPid(events, pid);
  ASSERT_EQ(mine.size(), 1u);
  ExpectClient(*mine[0], pid, "socat", socat[0], socat);
  EXPECT_FALSE(mine[0]->destination_ip.is_v4());
  EXPECT_EQ(mine[0]->destination_ip.ToString(), host_->ns_ip6());
  EXPECT_EQ(mine[0]->destination_port, 8443);
  EXPECT_EQ(mine[0]->source_ip.ToString(), host_->host_ip6());

  bool found = false;
  for (const NetworkEvent* e : ByPid(events, host_->listener())) {
    if (e->destination_port != 8443) continue;
    found = true;
    EXPECT_EQ(e->direction, Direction::kIngress);
    EXPECT_EQ(e->source_ip.ToString(), host_->host_ip6());
    EXPECT_EQ(e->destination_ip.ToString(), host_->ns_ip6());
  }
  EXPECT_TRUE(found) << "no IPv6 accept event for the listener";
}

TEST_F(AgentE2eTest, AcceptInRootNamespaceNamesTheListener) {
  Agent agent(cwd_, {});
  ASSERT_TRUE(agent.started()) << agent.log();
  // Started after the agent: its identity comes from the exec record, not the /proc seed.
  std::vector<std::string> server = {"/usr/bin/python3", "-c",
                                     "import socket\ns = socket.socket(); "
                                     "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
                                     "s.bind(('" +
                                         host_->host_ip() +
                                         "', 7070)); s.listen(1); print('ready', flush=True)\n"
                                         "c, peer = s.accept(); c.close()"};
  pid_t server_pid = Spawn(server, cwd_, "/dev/null", cwd_ + "/server.out");
  ASSERT_TRUE(WaitForText(cwd_ + "/server.out", "ready"));
  std::vector<std::string> client = {
      "/usr/sbin/ip",
      "netns",
      "exec",
      host_->ns(),
      "/usr/bin/python3",
      "-c",
      "import socket\nsocket.create_connection(('" + host_->host_ip() + "', 7070)).close()"};
  pid_t client_pid = Spawn(client, cwd_);
  ASSERT_EQ(Wait(client_pid), 0);
  ASSERT_EQ(Wait(server_pid), 0);
  std::vector<NetworkEvent> events = agent.Stop();
  SCOPED_TRACE(Describe(events));

  std::vector<const NetworkEvent*> accepts = ByPid(events, server_pid);
  ASSERT_EQ(accepts.size(), 1u);
  const NetworkEvent& a = *accepts[0];
  ExpectClient(a, server_pid, "python3", server[0], server);
  EXPECT_EQ(a.direction, Direction::kIngress);
  EXPECT_EQ(a.source_ip.ToString(), host_->ns_ip());
  EXPECT_EQ(a.destination_ip.ToString(), host_->host_ip());
  EXPECT_EQ(a.destination_port, 7070);

  // The client ran inside the namespace (ip exec'ed python3 in place: same pid).
  std::vector<const NetworkEvent*> connects = ByPid(events, client_pid);
  ASSERT_EQ(connects.size(), 1u);
  EXPECT_EQ(connects[0]->process.name, "python3");
  EXPECT_EQ(connects[0]->destination_port, 7070);
  EXPECT_NE(connects[0]->netns_inode, a.netns_inode);  // the client's netns is the test host's
}

TEST_F(AgentE2eTest, LoopbackExcludedByDefaultIncludedOnRequest) {
  std::vector<std::string> server = {
      "/usr/bin/python3", "-c",
      "import socket\ns = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(8)\n"
      "print(s.getsockname()[1], flush=True)\nwhile True: s.accept()[0].close()"};
  pid_t server_pid = Spawn(server, cwd_, "/dev/null", cwd_ + "/lo.out");
  ASSERT_TRUE(WaitForText(cwd_ + "/lo.out", "\n"));
  std::string port = ReadFile(cwd_ + "/lo.out");
  port.pop_back();
  std::vector<std::string> py = {
      "/usr/bin/python3", "-c",
      "import socket\nsocket.create_connection(('127.0.0.1', " + port + ")).close()"};
  size_t default_count = 0, included_count = 0;
  {
    Agent agent(cwd_, {});
    ASSERT_TRUE(agent.started()) << agent.log();
    pid_t pid = Spawn(py, cwd_);
    ASSERT_EQ(Wait(pid), 0);
    default_count = ByPid(agent.Stop(), pid).size();
  }
  {
    Agent agent(cwd_, {"--include-loopback"});
    ASSERT_TRUE(agent.started()) << agent.log();
    pid_t pid = Spawn(py, cwd_);
    ASSERT_EQ(Wait(pid), 0);
    std::vector<NetworkEvent> events = agent.Stop();
    std::vector<const NetworkEvent*> mine = ByPid(events, pid);
    included_count = mine.size();
    ASSERT_EQ(mine.size(), 1u) << Describe(events) << agent.log();
    ExpectClient(*mine[0], pid, "python3", py[0], py);
    EXPECT_EQ(mine[0]->destination_ip.ToString(), "127.0.0.1");
    EXPECT_EQ(mine[0]->destination_port, std::stoi(port));
  }
  kill(server_pid, SIGKILL);
  waitpid(server_pid, nullptr, 0);
  EXPECT_EQ(default_count, 0u);
  EXPECT_EQ(included_count, 1u);
}

}  // namespace
}  // namespace ulna
