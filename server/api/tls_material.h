// TLS material of the server: its own certificate authority (which signs the server certificate
// and every agent's client certificate) and the server certificate, kept under <data_dir>/tls,
// created on first start and loaded afterwards. OpenSSL 3 C API; stateless, thread-safe functions.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace ulna::server {

struct KeyAndCertificate {
  std::string key_pem;   // PKCS#8 private key
  std::string cert_pem;  // X.509 certificate
};

struct TlsMaterial {
  KeyAndCertificate ca;
  KeyAndCertificate server;
};

// Loads <data_dir>/tls/ca.{key,pem}, creating an EC P-256 CA valid for 10 years when there is none.
// FailedPrecondition when ca.pem exists without its key (agents would lose their trust anchor).
Result<KeyAndCertificate> LoadOrCreateCertificateAuthority(const std::string& data_dir);

// The CA plus <data_dir>/tls/server.{key,pem}. The server certificate names localhost, 127.0.0.1,
// ::1 and `extra_names` (DNS names or IP addresses); it is (re)issued when missing, not signed by
// the CA, not covering every name, or expiring within 30 days.
Result<TlsMaterial> LoadOrCreateTlsMaterial(const std::string& data_dir,
                                            const std::vector<std::string>& extra_names);

// A new key and a client certificate (clientAuth) signed by `ca`: CN = host_id,
// SAN DNS = host_name. The server takes the agent's identity from exactly these two fields.
Result<KeyAndCertificate> IssueAgentCertificate(const KeyAndCertificate& ca,
                                                const std::string& host_id,
                                                const std::string& host_name);

// Enrolls an agent offline (`ulna-server enroll-agent`): picks a new random host id and writes
// out_dir/{agent.key (0600), agent.pem, ca.pem, host_id.txt}. Creates the CA when missing.
Status WriteAgentCredentials(const std::string& data_dir, const std::string& host_name,
                             const std::string& out_dir);

// InvalidArgument unless `name` can go in a certificate's SAN: 1-253 bytes of letters, digits,
// '-', '.', '_', or a literal IPv4/IPv6 address.
Status ValidateCertificateName(const std::string& name);

}  // namespace ulna::server
