// The real ulna-server binary as a child process, driven over loopback TLS the way operators and
// agents use it: exceptions through gRPC and through ulnactl, an agent enrolled with
// `ulna-server enroll-agent` streaming a batch, and a kill -9 restart that must keep both; and
// `ulna-server serve` finding the executable that holds the gRPC server.
#include <fcntl.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
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

#include "common/batch_codec.h"
#include "common/duration.h"
#include "ulna/v1/admin.grpc.pb.h"
#include "ulna/v1/ingest.grpc.pb.h"

namespace ulna {
namespace {

constexpr char kReadyPrefix[] = "ulna-server: listening on 127.0.0.1:";

std::string BinDir() {
  const char* dir = std::getenv("ULNA_BIN_DIR");
  return dir != nullptr ? dir : "";
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string Trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// Forks and execs argv with stdout on a pipe (stderr inherited, so failures show in the log).
pid_t Spawn(const std::vector<std::string>& argv, int* stdout_fd) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return -1;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    std::vector<char*> args;
    for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(fds[1]);
  *stdout_fd = fds[0];
  return pid;
}

struct CommandResult {
  int exit_code = -1;
  std::string output;
};

CommandResult RunCommand(const std::vector<std::string>& argv) {
  CommandResult result;
  int fd = -1;
  pid_t pid = Spawn(argv, &fd);
  if (pid < 0) return result;
  char buffer[4096];
  ssize_t n;
  while ((n = read(fd, buffer, sizeof(buffer))) > 0) result.output.append(buffer, n);
  close(fd);
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// One running ulna-server; killed with SIGKILL (never a clean shutdown) when done.
class ServerProcess {
 public:
  explicit ServerProcess(const std::string& data_dir) {
    pid_ = Spawn(
        {BinDir() + "/ulna-server", "serve", "--data-dir", data_dir, "--listen", "127.0.0.1:0"},
        &stdout_fd_);
    if (pid_ < 0) return;
    // Read stdout line by line until the ready line (or give up after 20 s).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    std::string pending;
    while (port_ == 0 && std::chrono::steady_clock::now() < deadline) {
      pollfd pfd{stdout_fd_, POLLIN, 0};
      if (poll(&pfd, 1, 200) <= 0) continue;
      char buffer[1024];
      ssize_t n = read(stdout_fd_, buffer, sizeof(buffer));
      if (n <= 0) break;  // the server exited
      pending.append(buffer, n);
      size_t newline;
      while ((newline = pending.find('\n')) != std::string::npos) {
        const std::string line = pending.substr(0, newline);
        pending.erase(0, newline + 1);
        if (line.rfind(kReadyPrefix, 0) == 0)
          port_ = std::atoi(line.c_str() + sizeof(kReadyPrefix) - 1);
      }
    }
    // Keep draining stdout so a chatty server never blocks on a full pipe.
    drain_ = std::thread([fd = stdout_fd_] {
      char buffer[4096];
      while (read(fd, buffer, sizeof(buffer)) > 0) {
      }
    });
  }
  ~ServerProcess() { Kill(); }

  void Kill() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
    if (drain_.joinable()) drain_.join();  // EOF once the child is gone
    close(stdout_fd_);
  }
  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  int port_ = 0;
  std::thread drain_;
};

class ServerProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/ulna-server-process-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    data_ = dir_ + "/data";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::shared_ptr<grpc::Channel> Channel(const ServerProcess& server, const std::string& key = "",
                                         const std::string& cert = "") {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = ReadFile(data_ + "/tls/ca.pem");
    ssl.pem_private_key = key;
    ssl.pem_cert_chain = cert;
    return grpc::CreateChannel(server.address(), grpc::SslCredentials(ssl));
  }
  void Authorize(grpc::ClientContext* context) {
    context->AddMetadata("authorization", "Bearer " + Trim(ReadFile(data_ + "/admin.token")));
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  }
  CommandResult Ulnactl(const ServerProcess& server, std::vector<std::string> words) {
    std::vector<std::string> argv = {BinDir() + "/ulnactl", "--data-dir", data_, "--server",
                                     server.address()};
    argv.insert(argv.end(), words.begin(), words.end());
    return RunCommand(argv);
  }

  std::string dir_;
  std::string data_;
};

TEST_F(ServerProcessTest, ExceptionsIngestAndRestart) {
  ASSERT_FALSE(BinDir().empty()) << "ULNA_BIN_DIR is not set";
  ASSERT_TRUE(std::filesystem::exists(BinDir() + "/ulna-server"))
      << BinDir() << "/ulna-server is missing (build the ulna-server target)";
  ASSERT_TRUE(std::filesystem::exists(BinDir() + "/ulnactl")) << "ulnactl is missing";

  auto server = std::make_unique<ServerProcess>(data_);
  ASSERT_GT(server->port(), 0) << "no '" << kReadyPrefix << "<port>' line within 20 s";
  ASSERT_TRUE(std::filesystem::exists(data_ + "/admin.token"));

  // An exception through the gRPC API.
  auto admin = v1::Admin::NewStub(Channel(*server));
  v1::AddExceptionRequest add;
  add.mutable_exception()->set_process_name("backup-agent");
  add.mutable_exception()->set_reason("nightly backup to the NAS");
  v1::RuleException added;
  {
    grpc::ClientContext context;
    Authorize(&context);
    grpc::Status status = admin->AddException(&context, add, &added);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  ASSERT_FALSE(added.id().empty());

  // The same exception through ulnactl.
  CommandResult listed = Ulnactl(*server, {"exceptions", "list"});
  EXPECT_EQ(listed.exit_code, 0) << listed.output;
  EXPECT_NE(listed.output.find(added.id()), std::string::npos) << listed.output;
  EXPECT_NE(listed.output.find("process.name=backup-agent"), std::string::npos) << listed.output;
  EXPECT_NE(listed.output.find("nightly backup to the NAS"), std::string::npos) << listed.output;
  CommandResult alerts = Ulnactl(*server, {"alerts", "list", "--since", "-24h"});
  EXPECT_EQ(alerts.exit_code, 0);
  EXPECT_EQ(alerts.output.rfind("TIME", 0), 0u) << alerts.output;  // the table header
  EXPECT_EQ(Ulnactl(*server, {"exceptions", "bogus"}).exit_code, 2);
  EXPECT_EQ(Ulnactl(*server, {"exceptions", "remove", "no-such-id"}).exit_code, 1);

  // An agent enrolled offline streams one batch under its certificate's identity.
  CommandResult enrolled = RunCommand({BinDir() + "/ulna-server", "enroll-agent", "--data-dir",
                                       data_, "--host-name", "web-1", "--out", dir_ + "/agent"});
  ASSERT_EQ(enrolled.exit_code, 0) << enrolled.output;
  const std::string host_id = Trim(ReadFile(dir_ + "/agent/host_id.txt"));
  ASSERT_FALSE(host_id.empty());
  auto ingest = v1::Ingest::NewStub(
      Channel(*server, ReadFile(dir_ + "/agent/agent.key"), ReadFile(dir_ + "/agent/agent.pem")));
  {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    auto stream = ingest->Stream(&context);
    v1::IngestRequest hello;
    hello.mutable_hello()->set_agent_version("test");
    ASSERT_TRUE(stream->Write(hello));
    v1::IngestResponse response;
    ASSERT_TRUE(stream->Read(&response));
    EXPECT_EQ(response.ready().host_id(), host_id);
    EXPECT_EQ(response.ready().last_durable_sequence(), 0u);

    NetworkEvent event;
    event.time_ns = WallClockNanos() - kNanosPerSecond;
    event.source_ip = IpAddress::FromV4(0x0a000005);
    event.source_port = 51000;
    event.destination_ip = IpAddress::FromV4(0x5db8d822);
    event.destination_port = 443;
    event.process.pid = 4242;
    event.process.name = "curl";
    event.process.executable = "/usr/bin/curl";
    event.process.user_name = "root";
    v1::IngestRequest batch;
    *batch.mutable_batch() = BatchEncoder(false).Encode(1, {event});
    ASSERT_TRUE(stream->Write(batch));
    ASSERT_TRUE(stream->Read(&response));
    ASSERT_TRUE(response.has_ack());
    EXPECT_EQ(response.ack().sequence(), 1u);
    EXPECT_EQ(response.ack().error(), "");
    EXPECT_EQ(response.ack().accepted_events(), 1u);
    EXPECT_FALSE(response.ack().duplicate());
    stream->WritesDone();
    EXPECT_TRUE(stream->Finish().ok());
  }

  // kill -9, restart on the same data dir: the exception and the acked batch survived.
  server->Kill();
  server = std::make_unique<ServerProcess>(data_);
  ASSERT_GT(server->port(), 0) << "the server did not come back on the same data dir";
  CommandResult relisted = Ulnactl(*server, {"exceptions", "list"});
  EXPECT_EQ(relisted.exit_code, 0);
  EXPECT_NE(relisted.output.find(added.id()), std::string::npos) << relisted.output;
  {
    auto again = v1::Ingest::NewStub(
        Channel(*server, ReadFile(dir_ + "/agent/agent.key"), ReadFile(dir_ + "/agent/agent.pem")));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    auto stream = again->Stream(&context);
    v1::IngestRequest hello;
    hello.mutable_hello();
    ASSERT_TRUE(stream->Write(hello));
    v1::IngestResponse response;
    ASSERT_TRUE(stream->Read(&response));
    EXPECT_EQ(response.ready().host_id(), host_id);
    EXPECT_EQ(response.ready().last_durable_sequence(), 1u);
    stream->WritesDone();
    stream->Finish();
  }
}

// `ulna-server serve` runs ulna-server-serve, found beside it (a build) or in
// ../lib/ulna-server (the package's layout); without it, serve fails with exit code 1.
TEST_F(ServerProcessTest, ServeFindsItsServerExecutable) {
  ASSERT_FALSE(BinDir().empty()) << "ULNA_BIN_DIR is not set";
  const std::string bin = dir_ + "/usr/bin";
  const std::string lib = dir_ + "/usr/lib/ulna-server";
  std::filesystem::create_directories(bin);
  std::filesystem::create_directories(lib);
  std::filesystem::copy_file(BinDir() + "/ulna-server", bin + "/ulna-server");
  EXPECT_EQ(RunCommand({bin + "/ulna-server", "serve", "--listen"}).exit_code, 1);
  // A flag error is ulna-server-serve's own answer (exit code 2): it was found and ran.
  std::filesystem::copy_file(BinDir() + "/ulna-server-serve", lib + "/ulna-server-serve");
  EXPECT_EQ(RunCommand({bin + "/ulna-server", "serve", "--listen"}).exit_code, 2);
  std::filesystem::remove(lib + "/ulna-server-serve");
  std::filesystem::copy_file(BinDir() + "/ulna-server-serve", bin + "/ulna-server-serve");
  EXPECT_EQ(RunCommand({bin + "/ulna-server", "serve", "--listen"}).exit_code, 2);
}

}  // namespace
}  // namespace ulna
