// TLS material and admin token: created once with the right modes, reused on later starts, the
// server certificate reissued for new names, and agent identities read back from certificates.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "server/api/admin_auth.h"
#include "server/api/agent_identity.h"
#include "server/api/openssl_handles.h"
#include "server/api/private_file.h"
#include "server/api/tls_material.h"

namespace ulna::server {
namespace {

class TlsMaterialTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/ulna-tls-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  mode_t Mode(const std::string& path) {
    struct stat info;
    EXPECT_EQ(stat(path.c_str(), &info), 0) << path;
    return info.st_mode & 0777;
  }
  std::string Read(const std::string& path) {
    auto contents = ReadSmallFile(path);
    EXPECT_TRUE(contents.ok()) << contents.status().ToString();
    return contents.ok() ? contents.value() : "";
  }

  std::string dir_;
};

TEST_F(TlsMaterialTest, CreatesOnceWithPrivateKeysAndReloads) {
  auto first = LoadOrCreateTlsMaterial(dir_, {});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(Mode(dir_ + "/tls/ca.key"), 0600u);
  EXPECT_EQ(Mode(dir_ + "/tls/server.key"), 0600u);
  EXPECT_EQ(Mode(dir_ + "/tls"), 0700u);
  EXPECT_EQ(Read(dir_ + "/tls/ca.pem"), first->ca.cert_pem);
  EXPECT_NE(first->ca.cert_pem, first->server.cert_pem);

  auto second = LoadOrCreateTlsMaterial(dir_, {});
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->ca.cert_pem, first->ca.cert_pem);
  EXPECT_EQ(second->ca.key_pem, first->ca.key_pem);
  EXPECT_EQ(second->server.cert_pem, first->server.cert_pem);
}

TEST_F(TlsMaterialTest, ServerCertificateNamesLoopbackAndIsReissuedForNewNames) {
  auto first = LoadOrCreateTlsMaterial(dir_, {});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  X509Ptr cert = ParseCertificatePem(first->server.cert_pem);
  ASSERT_TRUE(cert);
  EXPECT_EQ(X509_check_host(cert.get(), "localhost", 9, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "::1", 0), 1);
  EXPECT_NE(X509_check_host(cert.get(), "ulna.example.org", 16, 0, nullptr), 1);
  X509Ptr ca = ParseCertificatePem(first->ca.cert_pem);
  ASSERT_TRUE(ca);
  EXPECT_EQ(X509_verify(cert.get(), X509_get0_pubkey(ca.get())), 1);

  auto second = LoadOrCreateTlsMaterial(dir_, {"ulna.example.org", "10.1.2.3"});
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->ca.cert_pem, first->ca.cert_pem);  // the CA survives
  EXPECT_NE(second->server.cert_pem, first->server.cert_pem);
  cert = ParseCertificatePem(second->server.cert_pem);
  ASSERT_TRUE(cert);
  EXPECT_EQ(X509_check_host(cert.get(), "ulna.example.org", 16, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "10.1.2.3", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "127.0.0.1", 0), 1);
}

TEST_F(TlsMaterialTest, RejectsBadServerNamesAndACertificateWithoutItsKey) {
  auto bad = LoadOrCreateTlsMaterial(dir_, {"bad name,DNS:evil"});
  EXPECT_EQ(bad.status().code(), Status::Code::kInvalidArgument);
  ASSERT_TRUE(LoadOrCreateCertificateAuthority(dir_).ok());
  std::filesystem::remove(dir_ + "/tls/ca.key");
  auto orphan = LoadOrCreateCertificateAuthority(dir_);
  EXPECT_EQ(orphan.status().code(), Status::Code::kFailedPrecondition);
}

TEST_F(TlsMaterialTest, AgentCertificateCarriesHostIdAndName) {
  auto ca = LoadOrCreateCertificateAuthority(dir_);
  ASSERT_TRUE(ca.ok()) << ca.status().ToString();
  auto agent = IssueAgentCertificate(ca.value(), "host-0001", "web-1.internal");
  ASSERT_TRUE(agent.ok()) << agent.status().ToString();
  auto identity = AgentIdentityFromCertificate(agent->cert_pem);
  ASSERT_TRUE(identity.ok()) << identity.status().ToString();
  EXPECT_EQ(identity->id, "host-0001");
  EXPECT_EQ(identity->name, "web-1.internal");

  EXPECT_EQ(IssueAgentCertificate(ca.value(), "", "web-1").status().code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(IssueAgentCertificate(ca.value(), "h", "web 1").status().code(),
            Status::Code::kInvalidArgument);
}

TEST_F(TlsMaterialTest, ServerCertificateIsNotAnAgentIdentity) {
  auto material = LoadOrCreateTlsMaterial(dir_, {});
  ASSERT_TRUE(material.ok());
  EXPECT_EQ(AgentIdentityFromCertificate(material->server.cert_pem).status().code(),
            Status::Code::kUnauthenticated);
  EXPECT_EQ(AgentIdentityFromCertificate("not a certificate").status().code(),
            Status::Code::kUnauthenticated);
}

TEST_F(TlsMaterialTest, WriteAgentCredentialsWritesTheEnrollmentFiles) {
  const std::string out = dir_ + "/agent";
  ASSERT_TRUE(WriteAgentCredentials(dir_ + "/data", "web-1", out).ok());
  EXPECT_EQ(Mode(out + "/agent.key"), 0600u);
  std::string host_id = Read(out + "/host_id.txt");
  ASSERT_EQ(host_id.size(), 37u);  // UUID + newline
  host_id.pop_back();
  auto identity = AgentIdentityFromCertificate(Read(out + "/agent.pem"));
  ASSERT_TRUE(identity.ok()) << identity.status().ToString();
  EXPECT_EQ(identity->id, host_id);
  EXPECT_EQ(identity->name, "web-1");
  EXPECT_EQ(Read(out + "/ca.pem"), Read(dir_ + "/data/tls/ca.pem"));

  ASSERT_TRUE(WriteAgentCredentials(dir_ + "/data", "web-2", dir_ + "/agent2").ok());
  EXPECT_NE(Read(dir_ + "/agent2/host_id.txt"), host_id + "\n");  // every agent is new
}

TEST_F(TlsMaterialTest, AdminTokenIsCreatedOncePrivately) {
  auto first = LoadOrCreateAdminToken(dir_);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->size(), 64u);
  EXPECT_EQ(first->find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(Mode(dir_ + "/admin.token"), 0600u);
  auto second = LoadOrCreateAdminToken(dir_);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second.value(), first.value());

  ASSERT_TRUE(WriteFileAtomically(dir_ + "/admin.token", "short\n", 0600).ok());
  EXPECT_EQ(LoadOrCreateAdminToken(dir_).status().code(), Status::Code::kFailedPrecondition);
}

}  // namespace
}  // namespace ulna::server
