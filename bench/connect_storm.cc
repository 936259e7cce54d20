// connect_storm: the agent-overhead benchmark. Makes N TCP connects to a listener in this process
// on loopback, alternately bare and with `ulna-agent capture --include-loopback` attached, and
// reports the slowdown as a ratio measured within one run (bare and agent rounds interleaved, so
// machine drift cancels), plus the agent's event rate, drops and RSS from its --stats summary.
//   connect_storm --agent build/bin/ulna-agent [--connects N] [--rounds R] [--mode M]
// M: repeated (one destination: the dedup path), distinct (every connect a new destination:
// one ring-buffer record per connect and per accept), or both (default). Needs root.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr uint16_t kPort = 39123;

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Accepts and closes until stopped; bound to 0.0.0.0 so every 127/8 address reaches it.
class Listener {
 public:
  Listener() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(kPort);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 || listen(fd_, 4096) != 0) {
      std::perror("listener");
      std::exit(1);
    }
    thread_ = std::thread([this] {
      while (!stop_) {
        int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (c >= 0) close(c);
      }
    });
  }
  ~Listener() {
    stop_ = true;
    shutdown(fd_, SHUT_RDWR);
    thread_.join();
    close(fd_);
  }

 private:
  int fd_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Destination i: 127.0.0.2 when repeated, else a distinct 127.x.y.z per connect.
uint32_t Destination(bool distinct, int i) {
  if (!distinct) return 0x7f000002;
  uint32_t n = static_cast<uint32_t>(i) + 2;
  return 0x7f000000 | (n & 0x00ffffff);
}

// Returns seconds for `n` connects (each closed with RST so no TIME_WAIT piles up).
double Storm(int n, bool distinct) {
  double start = Now();
  for (int i = 0; i < n; ++i) {
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(kPort);
    a.sin_addr.s_addr = htonl(Destination(distinct, i));
    if (connect(s, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
      std::perror("connect");
      std::exit(1);
    }
    linger l{1, 0};
    setsockopt(s, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
    close(s);
  }
  return Now() - start;
}

struct AgentRun {
  pid_t pid = -1;
  int err_fd = -1;
  std::string log;
};

AgentRun StartAgent(const std::string& bin) {
  AgentRun run;
  int fds[2];
  if (pipe(fds) != 0) std::exit(1);
  run.pid = fork();
  if (run.pid == 0) {
    dup2(fds[1], 2);
    int null = open("/dev/null", O_RDWR);
    dup2(null, 1);
    execl(bin.c_str(), bin.c_str(), "capture", "--output", "ndjson", "--file", "/dev/null",
          "--include-loopback", "--stats", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  run.err_fd = fds[0];
  char buf[4096];
  while (run.log.find("ulna-agent: capturing") == std::string::npos) {
    ssize_t n = read(run.err_fd, buf, sizeof(buf));
    if (n <= 0) {
      std::fprintf(stderr, "agent failed to start:\n%s\n", run.log.c_str());
      std::exit(1);
    }
    run.log.append(buf, static_cast<size_t>(n));
  }
  return run;
}

void StopAgent(AgentRun* run) {
  kill(run->pid, SIGTERM);
  char buf[4096];
  ssize_t n;
  while ((n = read(run->err_fd, buf, sizeof(buf))) > 0)
    run->log.append(buf, static_cast<size_t>(n));
  waitpid(run->pid, nullptr, 0);
  close(run->err_fd);
}

unsigned long long Field(const std::string& log, const char* key) {
  size_t p = log.rfind(key);
  return p == std::string::npos ? 0
                                : std::strtoull(log.c_str() + p + std::strlen(key), nullptr, 10);
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

void RunMode(const std::string& agent, int connects, int rounds, bool distinct) {
  std::vector<double> bare, with, rate;
  unsigned long long events = 0, drops = 0, suppressed = 0;
  double rss = 0;
  Storm(connects / 10, distinct);  // warm caches and the listener
  for (int r = 0; r < rounds; ++r) {
    bare.push_back(Storm(connects, distinct));
    AgentRun run = StartAgent(agent);
    double t = Storm(connects, distinct);
    StopAgent(&run);
    with.push_back(t);
    unsigned long long ev = Field(run.log, "events: kernel ");
    events += ev;
    drops += Field(run.log, "dropped: ringbuf_full ");
    suppressed += Field(run.log, "suppressed repeats ");
    rate.push_back(ev / t);
    size_t p = run.log.rfind("rss ");
    if (p != std::string::npos) rss = std::max(rss, std::strtod(run.log.c_str() + p + 4, nullptr));
  }
  double mb = Median(bare), mw = Median(with);
  std::printf(
      "%-9s connects=%d rounds=%d  bare %.0f conn/s  agent %.0f conn/s  ratio %.3fx  "
      "(agent events %llu, suppressed %llu, ringbuf drops %llu, median %.0f events/s, "
      "max rss %.1f MiB)\n",
      distinct ? "distinct" : "repeated", connects, rounds, connects / mb, connects / mw, mw / mb,
      events, suppressed, drops, Median(rate), rss);
}

}  // namespace

int main(int argc, char** argv) {
  std::string agent = "build/bin/ulna-agent", mode = "both";
  int connects = 20000, rounds = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--agent")
      agent = argv[i + 1];
    else if (flag == "--connects")
      connects = std::atoi(argv[i + 1]);
    else if (flag == "--rounds")
      rounds = std::atoi(argv[i + 1]);
    else if (flag == "--mode")
      mode = argv[i + 1];
    else {
      std::fprintf(stderr, "unknown flag %s\n", argv[i]);
      return 2;
    }
  }
  if (geteuid() != 0) {
    std::fprintf(stderr, "connect_storm: needs root to run the agent\n");
    return 2;
  }
  Listener listener;
  if (mode == "repeated" || mode == "both") RunMode(agent, connects, rounds, false);
  if (mode == "distinct" || mode == "both") RunMode(agent, connects, rounds, true);
  return 0;
}
