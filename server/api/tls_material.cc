#include "server/api/tls_material.h"

#include <arpa/inet.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include <cstdio>
#include <ctime>

#include "server/api/openssl_handles.h"
#include "server/api/private_file.h"

namespace ulna::server {
namespace {

constexpr long kCaValiditySeconds = 10L * 365 * 24 * 3600;
constexpr long kServerValiditySeconds = 2L * 365 * 24 * 3600;
// Agents cannot renew until fleet enrollment exists, so their certificates last a while.
constexpr long kAgentValiditySeconds = 2L * 365 * 24 * 3600;
constexpr long kRenewBeforeSeconds = 30L * 24 * 3600;
// Tolerates clocks of agents slightly behind the server's.
constexpr long kBackdateSeconds = 3600;

std::string TlsDir(const std::string& data_dir) { return data_dir + "/tls"; }

bool IsIpAddress(const std::string& name) {
  unsigned char buffer[16];
  return inet_pton(AF_INET, name.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, name.c_str(), buffer) == 1;
}

Status OpenSslFailure(const std::string& what) {
  return Status::Internal(what + " failed: " + OpenSslError());
}

Result<std::string> KeyToPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return OpenSslFailure("PEM_write_bio_PrivateKey");
  }
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

Result<std::string> CertificateToPem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) return OpenSslFailure("PEM_write_bio_X509");
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

PkeyPtr ParseKeyPem(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return nullptr;
  return PkeyPtr(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}

// What a certificate is for; decides its extensions.
enum class CertificateRole { kCa, kServer, kAgent };

struct CertificateRequest {
  CertificateRole role;
  std::string common_name;
  std::string subject_alt_names;  // OpenSSL config syntax: "DNS:a,IP:1.2.3.4"; empty: none
  long validity_seconds;
};

Status AddExtension(X509* cert, X509V3_CTX* ctx, int nid, const char* value) {
  X509ExtensionPtr extension(X509V3_EXT_conf_nid(nullptr, ctx, nid, value));
  if (!extension || X509_add_ext(cert, extension.get(), -1) != 1) {
    return OpenSslFailure(std::string("certificate extension ") + OBJ_nid2sn(nid) + "=" + value);
  }
  return Status::Ok();
}

// Issues a certificate for a new P-256 key. A null `issuer` makes it self-signed.
Result<KeyAndCertificate> Issue(const CertificateRequest& request, X509* issuer,
                                EVP_PKEY* issuer_key) {
  PkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return OpenSslFailure("EC P-256 key generation");
  X509Ptr cert(X509_new());
  BignumPtr serial(BN_new());
  if (!cert || !serial) return OpenSslFailure("X509_new");
  // Random 127-bit serials: unique without a counter and positive as RFC 5280 wants.
  if (X509_set_version(cert.get(), X509_VERSION_3) != 1 ||
      BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) ||
      !X509_gmtime_adj(X509_getm_notBefore(cert.get()), -kBackdateSeconds) ||
      !X509_gmtime_adj(X509_getm_notAfter(cert.get()), request.validity_seconds) ||
      X509_set_pubkey(cert.get(), key.get()) != 1) {
    return OpenSslFailure("certificate setup");
  }
  X509_NAME* subject = X509_get_subject_name(cert.get());
  const auto* organization = reinterpret_cast<const unsigned char*>("ULNA");
  const auto* common_name = reinterpret_cast<const unsigned char*>(request.common_name.c_str());
  if (X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_UTF8, organization, -1, -1, 0) != 1 ||
      X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8, common_name, -1, -1, 0) != 1) {
    return OpenSslFailure("certificate subject");
  }
  X509* signer = issuer != nullptr ? issuer : cert.get();
  EVP_PKEY* signer_key = issuer != nullptr ? issuer_key : key.get();
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(signer)) != 1) {
    return OpenSslFailure("certificate issuer");
  }

  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, signer, cert.get(), nullptr, nullptr, 0);
  switch (request.role) {
    case CertificateRole::kCa:
      ULNA_RETURN_IF_ERROR(
          AddExtension(cert.get(), &ctx, NID_basic_constraints, "critical,CA:TRUE,pathlen:0"));
      ULNA_RETURN_IF_ERROR(
          AddExtension(cert.get(), &ctx, NID_key_usage, "critical,keyCertSign,cRLSign"));
      break;
    case CertificateRole::kServer:
    case CertificateRole::kAgent:
      ULNA_RETURN_IF_ERROR(
          AddExtension(cert.get(), &ctx, NID_basic_constraints, "critical,CA:FALSE"));
      ULNA_RETURN_IF_ERROR(
          AddExtension(cert.get(), &ctx, NID_key_usage, "critical,digitalSignature"));
      ULNA_RETURN_IF_ERROR(
          AddExtension(cert.get(), &ctx, NID_ext_key_usage,
                       request.role == CertificateRole::kServer ? "serverAuth" : "clientAuth"));
      break;
  }
  // The subject key id must exist before the authority key id of a self-signed CA refers to it.
  ULNA_RETURN_IF_ERROR(AddExtension(cert.get(), &ctx, NID_subject_key_identifier, "hash"));
  ULNA_RETURN_IF_ERROR(
      AddExtension(cert.get(), &ctx, NID_authority_key_identifier, "keyid:always"));
  if (!request.subject_alt_names.empty()) {
    ULNA_RETURN_IF_ERROR(
        AddExtension(cert.get(), &ctx, NID_subject_alt_name, request.subject_alt_names.c_str()));
  }
  if (X509_sign(cert.get(), signer_key, EVP_sha256()) <= 0) return OpenSslFailure("X509_sign");

  KeyAndCertificate out;
  auto key_pem = KeyToPem(key.get());
  if (!key_pem.ok()) return key_pem.status();
  auto cert_pem = CertificateToPem(cert.get());
  if (!cert_pem.ok()) return cert_pem.status();
  out.key_pem = std::move(key_pem.value());
  out.cert_pem = std::move(cert_pem.value());
  return out;
}

// Parsed CA, ready to sign.
struct LoadedCa {
  X509Ptr cert;
  PkeyPtr key;
};

Result<LoadedCa> ParseCa(const KeyAndCertificate& ca) {
  LoadedCa loaded{ParseCertificatePem(ca.cert_pem), ParseKeyPem(ca.key_pem)};
  if (!loaded.cert) return Status::InvalidArgument("unreadable CA certificate: " + OpenSslError());
  if (!loaded.key) return Status::InvalidArgument("unreadable CA key: " + OpenSslError());
  if (X509_check_private_key(loaded.cert.get(), loaded.key.get()) != 1) {
    return Status::InvalidArgument("the CA key does not belong to the CA certificate");
  }
  return loaded;
}

Status WriteKeyAndCertificate(const KeyAndCertificate& pair, const std::string& key_path,
                              const std::string& cert_path) {
  // Key first: a certificate on disk means its key is already there (see the CA loader).
  ULNA_RETURN_IF_ERROR(WriteFileAtomically(key_path, pair.key_pem, 0600));
  return WriteFileAtomically(cert_path, pair.cert_pem, 0644);
}

// True when `server` is a usable server certificate of `ca` for every name in `names`.
bool ServerCertificateIsCurrent(const LoadedCa& ca, const KeyAndCertificate& server,
                                const std::vector<std::string>& names) {
  X509Ptr cert = ParseCertificatePem(server.cert_pem);
  PkeyPtr key = ParseKeyPem(server.key_pem);
  if (!cert || !key || X509_check_private_key(cert.get(), key.get()) != 1) return false;
  if (X509_verify(cert.get(), X509_get0_pubkey(ca.cert.get())) != 1) return false;
  time_t renew_at = std::time(nullptr) + kRenewBeforeSeconds;
  if (X509_cmp_time(X509_get0_notAfter(cert.get()), &renew_at) < 0) return false;
  for (const std::string& name : names) {
    const int match = IsIpAddress(name) ? X509_check_ip_asc(cert.get(), name.c_str(), 0)
                                        : X509_check_host(cert.get(), name.data(), name.size(),
                                                          X509_CHECK_FLAG_NO_WILDCARDS, nullptr);
    if (match != 1) return false;
  }
  return true;
}

Result<std::string> NewHostId() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) return OpenSslFailure("RAND_bytes");
  // An RFC 4122 version-4 UUID: the familiar shape of host ids in ECS documents.
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x40);
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);
  char text[37];
  std::snprintf(text, sizeof(text),
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", bytes[0],
                bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8],
                bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]);
  return std::string(text);
}

}  // namespace

Status ValidateCertificateName(const std::string& name) {
  if (IsIpAddress(name)) return Status::Ok();
  if (name.empty() || name.size() > 253) {
    return Status::InvalidArgument("a host name must be 1-253 bytes long");
  }
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.' || c == '_';
    if (!ok) {
      return Status::InvalidArgument("host name '" + name +
                                     "' may only contain letters, digits, '-', '.' and '_'");
    }
  }
  return Status::Ok();
}

Result<KeyAndCertificate> LoadOrCreateCertificateAuthority(const std::string& data_dir) {
  const std::string dir = TlsDir(data_dir);
  ULNA_RETURN_IF_ERROR(MakeDirectories(dir, 0700));
  const std::string key_path = dir + "/ca.key";
  const std::string cert_path = dir + "/ca.pem";
  if (FileExists(cert_path)) {
    if (!FileExists(key_path)) {
      return Status::FailedPrecondition(
          cert_path + " exists but " + key_path +
          " does not: restore the key, or remove both to create a new CA (every agent must "
          "then be enrolled again)");
    }
    KeyAndCertificate ca;
    auto key = ReadSmallFile(key_path);
    if (!key.ok()) return key.status();
    auto cert = ReadSmallFile(cert_path);
    if (!cert.ok()) return cert.status();
    ca.key_pem = std::move(key.value());
    ca.cert_pem = std::move(cert.value());
    auto parsed = ParseCa(ca);
    if (!parsed.ok()) return parsed.status().WithContext(dir);
    return ca;
  }
  // No certificate: creation never finished (the key is written first), so start over.
  auto ca =
      Issue({CertificateRole::kCa, "ULNA server CA", "", kCaValiditySeconds}, nullptr, nullptr);
  if (!ca.ok()) return ca.status();
  ULNA_RETURN_IF_ERROR(WriteKeyAndCertificate(ca.value(), key_path, cert_path));
  return ca;
}

Result<TlsMaterial> LoadOrCreateTlsMaterial(const std::string& data_dir,
                                            const std::vector<std::string>& extra_names) {
  std::vector<std::string> names = {"localhost", "127.0.0.1", "::1"};
  for (const std::string& name : extra_names) {
    ULNA_RETURN_IF_ERROR(ValidateCertificateName(name).WithContext("server name"));
    names.push_back(name);
  }
  auto ca = LoadOrCreateCertificateAuthority(data_dir);
  if (!ca.ok()) return ca.status();
  auto loaded_ca = ParseCa(ca.value());
  if (!loaded_ca.ok()) return loaded_ca.status();

  TlsMaterial material;
  material.ca = std::move(ca.value());
  const std::string key_path = TlsDir(data_dir) + "/server.key";
  const std::string cert_path = TlsDir(data_dir) + "/server.pem";
  auto key = ReadSmallFile(key_path);
  auto cert = ReadSmallFile(cert_path);
  if (key.ok() && cert.ok()) {
    material.server = {std::move(key.value()), std::move(cert.value())};
    const bool current = ServerCertificateIsCurrent(loaded_ca.value(), material.server, names);
    ERR_clear_error();  // a failed check explains nothing the caller needs: we just reissue
    if (current) return material;
  }
  std::string alt_names;
  for (const std::string& name : names) {
    if (!alt_names.empty()) alt_names += ',';
    alt_names += (IsIpAddress(name) ? "IP:" : "DNS:") + name;
  }
  auto server = Issue({CertificateRole::kServer, "ulna-server", alt_names, kServerValiditySeconds},
                      loaded_ca->cert.get(), loaded_ca->key.get());
  if (!server.ok()) return server.status();
  ULNA_RETURN_IF_ERROR(WriteKeyAndCertificate(server.value(), key_path, cert_path));
  material.server = std::move(server.value());
  return material;
}

Result<KeyAndCertificate> IssueAgentCertificate(const KeyAndCertificate& ca,
                                                const std::string& host_id,
                                                const std::string& host_name) {
  if (host_id.empty() || host_id.size() > 64) {
    return Status::InvalidArgument("a host id must be 1-64 bytes long");
  }
  if (IsIpAddress(host_name)) {
    return Status::InvalidArgument("an agent's host name must be a name, not an address");
  }
  ULNA_RETURN_IF_ERROR(ValidateCertificateName(host_name));
  auto loaded = ParseCa(ca);
  if (!loaded.ok()) return loaded.status();
  return Issue({CertificateRole::kAgent, host_id, "DNS:" + host_name, kAgentValiditySeconds},
               loaded->cert.get(), loaded->key.get());
}

Status WriteAgentCredentials(const std::string& data_dir, const std::string& host_name,
                             const std::string& out_dir) {
  auto ca = LoadOrCreateCertificateAuthority(data_dir);
  if (!ca.ok()) return ca.status();
  auto host_id = NewHostId();
  if (!host_id.ok()) return host_id.status();
  auto agent = IssueAgentCertificate(ca.value(), host_id.value(), host_name);
  if (!agent.ok()) return agent.status();
  ULNA_RETURN_IF_ERROR(MakeDirectories(out_dir, 0700));
  ULNA_RETURN_IF_ERROR(
      WriteKeyAndCertificate(agent.value(), out_dir + "/agent.key", out_dir + "/agent.pem"));
  ULNA_RETURN_IF_ERROR(WriteFileAtomically(out_dir + "/ca.pem", ca->cert_pem, 0644));
  return WriteFileAtomically(out_dir + "/host_id.txt", host_id.value() + "\n", 0644);
}

}  // namespace ulna::server
