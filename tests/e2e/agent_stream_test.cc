// End-to-end: the real `ulna-agent run` streams what it captures to the real `ulna-server` over
// mTLS. Checks that batches are acked, that a server killed with SIGKILL and restarted on the
// same data directory gets every batch spooled meanwhile (no loss: events spooled == events
// acked), that a restarted agent continues its sequence (no batch taken for a duplicate), and
// that a certificate from another server's CA is refused and retried. Needs root; skips loudly
// otherwise. Traffic goes only to a private netns over a veth pair and to loopback.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "tests/e2e/e2e_support.h"

namespace ulna {
namespace {

using namespace std::chrono_literals;
using namespace ulna::e2e;

// The number after `prefix` in the file at `path`, or 0.
int NumberAfter(const std::string& path, const std::string& prefix) {
  std::string text = ReadFile(path);
  size_t at = text.rfind(prefix);
  return at == std::string::npos ? 0 : std::atoi(text.c_str() + at + prefix.size());
}

// A `ulna-server serve` on 127.0.0.1 with short job settings, killable with SIGKILL.
class Server {
 public:
  Server(const std::string& data_dir, const std::string& log, int port) : log_(log) {
    pid_ = Spawn({BinDir() + "/ulna-server", "serve", "--data-dir", data_dir, "--listen",
                  "127.0.0.1:" + std::to_string(port), "--mode", "elastic", "--bucket-span", "2s",
                  "--query-delay", "1s", "--rule-interval", "2s", "--lookback", "6s"},
                 "/", "/dev/null", log);
    if (WaitForText(log, "listening on 127.0.0.1:", 20s)) {
      port_ = NumberAfter(log, "listening on 127.0.0.1:");
    }
  }
  ~Server() { Kill(); }
  void Kill() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  std::string log_;
  pid_t pid_ = -1;
  int port_ = 0;
};

// Fetches the agent's Prometheus text and reads series from it.
class Metrics {
 public:
  explicit Metrics(int port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
      const char request[] = "GET /metrics HTTP/1.0\r\n\r\n";
      if (write(fd, request, sizeof(request) - 1) > 0) {
        char buf[4096];
        ssize_t n;
        while ((n = read(fd, buf, sizeof(buf))) > 0) text_.append(buf, n);
      }
    }
    close(fd);
  }
  // The value of the series named exactly `series` (with its labels); -1 when absent.
  double Get(const std::string& series) const {
    size_t at = text_.find("\n" + series + " ");
    return at == std::string::npos ? -1 : std::atof(text_.c_str() + at + series.size() + 2);
  }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

// A running `ulna-agent run`.
class StreamingAgent {
 public:
  StreamingAgent(const std::string& dir, const std::string& name, const std::string& server,
                 const std::string& credentials, const std::string& spool)
      : log_(dir + "/" + name + ".err") {
    pid_ = Spawn({BinDir() + "/ulna-agent", "run", "--server", server, "--credentials", credentials,
                  "--spool-dir", spool, "--batch-max-events", "50", "--batch-max-delay", "200ms",
                  "--metrics-port", "0", "--duration", "100", "--stats", "--no-udp"},
                 "/", "/dev/null", log_);
    if (WaitForText(log_, "ulna-agent: capturing", 20s)) {
      metrics_port_ = NumberAfter(log_, "metrics on http://127.0.0.1:");
    }
  }
  ~StreamingAgent() { Stop(); }
  bool started() const { return metrics_port_ > 0; }
  Metrics Scrape() const { return Metrics(metrics_port_); }
  std::string log() const { return ReadFile(log_); }
  // Waits until `done(metrics)` holds; false after `timeout`.
  template <typename Pred>
  bool WaitFor(Pred done, std::chrono::milliseconds timeout = 20s) const {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (done(Scrape())) return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }
  int Stop() {
    if (pid_ <= 0) return exit_status_;
    kill(pid_, SIGTERM);
    exit_status_ = Wait(pid_, 15s);
    pid_ = -1;
    return exit_status_;
  }

 private:
  std::string log_;
  pid_t pid_ = -1;
  int metrics_port_ = 0;
  int exit_status_ = -2;
};

constexpr char kSpooled[] = "ulna_agent_batch_events_total{stage=\"spooled\"}";
constexpr char kAcked[] = "ulna_agent_batch_events_total{stage=\"acked\"}";
constexpr char kAccepted[] = "ulna_agent_batch_events_total{stage=\"server_accepted\"}";
constexpr char kRejected[] = "ulna_agent_batch_events_total{stage=\"server_rejected\"}";
constexpr char kBatchesAcked[] = "ulna_agent_batches_total{stage=\"acked\"}";
constexpr char kDuplicates[] = "ulna_agent_batches_total{stage=\"duplicate\"}";
constexpr char kFailed[] = "ulna_agent_batches_total{stage=\"failed\"}";
constexpr char kDepth[] = "ulna_agent_spool_batches";
constexpr char kState[] = "ulna_agent_connection_state";
constexpr char kConnects[] = "ulna_agent_connects_total";
constexpr char kFailures[] = "ulna_agent_connect_failures_total";

bool Drained(const Metrics& m) {
  return m.Get(kDepth) == 0 && m.Get(kSpooled) > 0 && m.Get(kAcked) == m.Get(kSpooled);
}

class AgentStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) {
      GTEST_SKIP() << "\n*** SKIPPED: the agent streaming tests need root (eBPF, network "
                      "namespaces). Run `sudo ctest -L e2e`. ***";
    }
    ASSERT_TRUE(std::filesystem::exists(BinDir() + "/ulna-server"))
        << BinDir() << "/ulna-server is missing (build the ulna-server target)";
    host_ = std::make_unique<TestHost>();
    ASSERT_TRUE(host_->ok()) << "could not build the test network namespace";
    dir_ = host_->dir();
  }

  std::string Enroll(const std::string& data, const std::string& out) {
    pid_t pid = Spawn({BinDir() + "/ulna-server", "enroll-agent", "--data-dir", data, "--host-name",
                       "e2e-stream", "--out", out},
                      "/", "/dev/null", out + ".log");
    EXPECT_EQ(Wait(pid, 20s), 0) << ReadFile(out + ".log");
    return out;
  }

  // One process making TCP connects to `count` ports of the namespace host starting at
  // `first_port` (refused: no listener there). Each distinct port is one event (dedup keys on
  // the service port), so the agent has at least `count` events to send.
  void Traffic(int first_port, int count) {
    pid_t pid = Spawn({"/usr/bin/python3", "-c",
                       "import socket, sys\n"
                       "for p in range(int(sys.argv[2]), int(sys.argv[2]) + int(sys.argv[3])):\n"
                       "    s = socket.socket(); s.settimeout(1)\n"
                       "    try: s.connect((sys.argv[1], p))\n"
                       "    except OSError: pass\n"
                       "    s.close()\n",
                       host_->ns_ip(), std::to_string(first_port), std::to_string(count)},
                      "/");
    ASSERT_EQ(Wait(pid, 20s), 0);
  }

  std::unique_ptr<TestHost> host_;
  std::string dir_;
};

TEST_F(AgentStreamTest, AckedSurvivesServerKillAndAgentRestart) {
  const std::string data = dir_ + "/server-data";
  auto server = std::make_unique<Server>(data, dir_ + "/server1.log", 0);
  ASSERT_GT(server->port(), 0) << ReadFile(dir_ + "/server1.log");
  const int port = server->port();
  const std::string creds = Enroll(data, dir_ + "/creds");
  const std::string spool = dir_ + "/spool";

  auto agent = std::make_unique<StreamingAgent>(dir_, "agent1", server->address(), creds, spool);
  ASSERT_TRUE(agent->started()) << agent->log();
  ASSERT_TRUE(agent->WaitFor([](const Metrics& m) { return m.Get(kState) == 2; })) << agent->log();

  // Phase 1: the server is up; everything spooled gets acked.
  Traffic(20000, 40);
  ASSERT_TRUE(agent->WaitFor([](const Metrics& m) { return Drained(m) && m.Get(kAcked) >= 40; }))
      << agent->Scrape().text() << agent->log();
  Metrics up = agent->Scrape();
  EXPECT_GT(up.Get(kBatchesAcked), 0);
  EXPECT_GE(up.Get(kAccepted), 40);
  EXPECT_EQ(up.Get(kRejected), 0);
  EXPECT_EQ(up.Get(kFailed), 0);

  // Phase 2: SIGKILL the server; the agent keeps capturing into its spool.
  server->Kill();
  Traffic(21000, 40);
  ASSERT_TRUE(agent->WaitFor([&](const Metrics& m) {
    return m.Get(kDepth) > 0 && m.Get(kSpooled) >= up.Get(kSpooled) + 40 && m.Get(kState) != 2;
  })) << agent->Scrape().text();
  const double spooled_while_down = agent->Scrape().Get(kSpooled);

  // Phase 3: the same server comes back on the same data directory and port: every spooled
  // batch is sent (or found already durable) and acked, nothing is lost.
  server = std::make_unique<Server>(data, dir_ + "/server2.log", port);
  ASSERT_EQ(server->port(), port) << ReadFile(dir_ + "/server2.log");
  ASSERT_TRUE(agent->WaitFor(
      [&](const Metrics& m) { return Drained(m) && m.Get(kSpooled) >= spooled_while_down; }, 30s))
      << agent->Scrape().text() << agent->log();
  Metrics back = agent->Scrape();
  EXPECT_GE(back.Get(kConnects), 2);
  EXPECT_GE(back.Get(kFailures), 1);
  EXPECT_EQ(back.Get(kAcked), back.Get(kSpooled));
  EXPECT_EQ(back.Get(kFailed), 0);
  EXPECT_EQ(back.Get("ulna_agent_batches_total{stage=\"spool_dropped\"}"), 0);
  EXPECT_EQ(agent->Stop(), 0) << agent->log();
  EXPECT_NE(agent->log().find("stream: connects"), std::string::npos) << agent->log();

  // Phase 4: a new agent on the same spool continues the sequence: its batches are stored as
  // new ones, not answered as duplicates of the first agent's.
  const std::string sequence = ReadFile(spool + "/sequence");
  ASSERT_FALSE(sequence.empty());
  agent = std::make_unique<StreamingAgent>(dir_, "agent2", server->address(), creds, spool);
  ASSERT_TRUE(agent->started()) << agent->log();
  Traffic(22000, 20);
  ASSERT_TRUE(agent->WaitFor([](const Metrics& m) { return Drained(m) && m.Get(kAcked) >= 20; }))
      << agent->Scrape().text() << agent->log();
  Metrics second = agent->Scrape();
  EXPECT_EQ(second.Get(kDuplicates), 0);
  EXPECT_GE(second.Get(kAccepted), 20);
  EXPECT_NE(agent->log().find("next sequence " + sequence.substr(0, sequence.find('\n'))),
            std::string::npos)
      << agent->log();
  EXPECT_EQ(agent->Stop(), 0) << agent->log();
}

TEST_F(AgentStreamTest, CertificateFromAnotherCaIsRefusedAndRetried) {
  // Server A issued the agent's credentials; server B (its own CA) must refuse them.
  auto server_a = std::make_unique<Server>(dir_ + "/a", dir_ + "/a.log", 0);
  ASSERT_GT(server_a->port(), 0) << ReadFile(dir_ + "/a.log");
  const std::string creds = Enroll(dir_ + "/a", dir_ + "/creds-a");
  server_a->Kill();
  Server server_b(dir_ + "/b", dir_ + "/b.log", 0);
  ASSERT_GT(server_b.port(), 0) << ReadFile(dir_ + "/b.log");

  StreamingAgent agent(dir_, "agent-wrong-ca", server_b.address(), creds, dir_ + "/spool-b");
  ASSERT_TRUE(agent.started()) << agent.log();
  Traffic(23000, 5);
  ASSERT_TRUE(agent.WaitFor([](const Metrics& m) {
    return m.Get(kFailures) >= 2 && m.Get(kSpooled) >= 5;
  })) << agent.Scrape().text()
      << agent.log();
  Metrics m = agent.Scrape();
  EXPECT_EQ(m.Get(kConnects), 0);
  EXPECT_EQ(m.Get(kAcked), 0);
  EXPECT_GT(m.Get(kDepth), 0);  // kept for when the right server is reachable
  EXPECT_NE(agent.log().find("retrying in"), std::string::npos) << agent.log();
  EXPECT_NE(agent.log().find("--credentials"), std::string::npos) << agent.log();
  EXPECT_EQ(agent.Stop(), 0) << agent.log();
}

}  // namespace
}  // namespace ulna
