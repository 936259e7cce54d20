// Helpers shared by the agent's end-to-end tests: files, subprocesses, the binaries under test,
// and TestHost, a network namespace joined to the root namespace by a veth pair with a listener
// in it. Root only (netns, veth). Addresses are private to the pair: nothing leaves the host.
#pragma once

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace ulna::e2e {

using namespace std::chrono_literals;

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline int Sh(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()); }

inline std::string Realpath(const std::string& path) {
  char buf[PATH_MAX];
  return ::realpath(path.c_str(), buf) != nullptr ? buf : path;
}

// Starts argv in `cwd` with stdin from `stdin_path` and stdout/stderr to `out_path`.
inline pid_t Spawn(const std::vector<std::string>& argv, const std::string& cwd,
                   const std::string& stdin_path = "/dev/null",
                   const std::string& out_path = "/dev/null") {
  pid_t pid = fork();
  if (pid == 0) {
    if (chdir(cwd.c_str()) != 0) _exit(126);
    int in = open(stdin_path.c_str(), O_RDONLY);
    int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || out < 0) _exit(126);
    dup2(in, 0);
    dup2(out, 1);
    dup2(out, 2);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  return pid;
}

// Waits up to `timeout` for `pid`; kills it if still running. Returns the exit status or -1.
inline int Wait(pid_t pid, std::chrono::milliseconds timeout = 10s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(10ms);
  }
}

inline bool WaitForText(const std::string& path, const std::string& text,
                        std::chrono::milliseconds timeout = 15s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ReadFile(path).find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

// One test host: a netns joined to the root namespace by a veth pair, with a listener that
// accepts TCP (IPv4 and IPv6) and answers UDP. Names and subnets carry our pid, so parallel
// runs do not collide; the destructor removes everything (the netns takes its veth end along).
class TestHost {
 public:
  TestHost() {
    int tag = getpid() % 250 + 1;
    ns_ = "ulna-e2e-" + std::to_string(getpid());
    veth_ = "ue" + std::to_string(getpid()) + "a";
    std::string peer = "ue" + std::to_string(getpid()) + "b";
    host_ip_ = "10.199." + std::to_string(tag) + ".1";
    ns_ip_ = "10.199." + std::to_string(tag) + ".2";
    host_ip6_ = "fd00:199:" + std::to_string(tag) + "::1";
    ns_ip6_ = "fd00:199:" + std::to_string(tag) + "::2";
    char tmpl[] = "/tmp/ulna-e2e-XXXXXX";
    dir_ = mkdtemp(tmpl);
    ok_ = Sh("ip netns add " + ns_) == 0 &&
          Sh("ip link add " + veth_ + " type veth peer name " + peer) == 0 &&
          Sh("ip link set " + peer + " netns " + ns_) == 0 &&
          Sh("ip addr add " + host_ip_ + "/24 dev " + veth_) == 0 &&
          Sh("ip -6 addr add " + host_ip6_ + "/64 dev " + veth_ + " nodad") == 0 &&
          Sh("ip link set " + veth_ + " up") == 0 &&
          Sh(In() + "ip addr add " + ns_ip_ + "/24 dev " + peer) == 0 &&
          Sh(In() + "ip -6 addr add " + ns_ip6_ + "/64 dev " + peer + " nodad") == 0 &&
          Sh(In() + "ip link set " + peer + " up") == 0 && Sh(In() + "ip link set lo up") == 0;
    if (!ok_) return;
    std::ofstream(dir_ + "/listener.py") << R"(import select, socket, sys
tcp4 = socket.socket(); tcp4.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
tcp4.bind((sys.argv[1], 8080)); tcp4.listen(64)
tcp6 = socket.socket(socket.AF_INET6); tcp6.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
tcp6.bind((sys.argv[2], 8443)); tcp6.listen(64)
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); udp.bind((sys.argv[1], 5353))
print("ready", flush=True)
while True:
    for s in select.select([tcp4, tcp6, udp], [], [])[0]:
        if s is udp:
            data, peer = udp.recvfrom(2048)
        else:
            c, peer = s.accept()
            try:
                c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok")
            except OSError:
                pass
            c.close()
)";
    listener_ = Spawn({"/usr/sbin/ip", "netns", "exec", ns_, "/usr/bin/python3",
                       dir_ + "/listener.py", ns_ip_, ns_ip6_},
                      dir_, "/dev/null", dir_ + "/listener.out");
    ok_ = WaitForText(dir_ + "/listener.out", "ready");
  }
  ~TestHost() {
    if (listener_ > 0) {
      kill(listener_, SIGKILL);
      waitpid(listener_, nullptr, 0);
    }
    Sh("ip netns del " + ns_);
    Sh("ip link del " + veth_);
    std::filesystem::remove_all(dir_);
  }
  bool ok() const { return ok_; }
  std::string In() const { return "ip netns exec " + ns_ + " "; }
  const std::string& ns() const { return ns_; }
  const std::string& dir() const { return dir_; }
  const std::string& host_ip() const { return host_ip_; }
  const std::string& ns_ip() const { return ns_ip_; }
  const std::string& host_ip6() const { return host_ip6_; }
  const std::string& ns_ip6() const { return ns_ip6_; }
  pid_t listener() const { return listener_; }

 private:
  bool ok_ = false;
  std::string ns_, veth_, dir_, host_ip_, ns_ip_, host_ip6_, ns_ip6_;
  pid_t listener_ = -1;
};

// Where the binaries under test are: ULNA_BIN_DIR when set, else beside this test binary (both
// are build/bin).
inline std::string BinDir() {
  const char* bin_dir = std::getenv("ULNA_BIN_DIR");
  return bin_dir != nullptr
             ? std::string(bin_dir)
             : std::filesystem::path(Realpath("/proc/self/exe")).parent_path().string();
}

}  // namespace ulna::e2e
