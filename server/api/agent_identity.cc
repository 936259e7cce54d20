#include "server/api/agent_identity.h"

#include <grpc/grpc_security_constants.h>

#include "server/api/openssl_handles.h"

namespace ulna::server {

Result<HostInfo> AgentIdentityFromPeer(const grpc::ServerContext& context) {
  auto auth = context.auth_context();
  if (auth == nullptr || !auth->IsPeerAuthenticated()) {
    return Status::Unauthenticated(
        "Ingest needs an agent client certificate signed by the server CA (see `ulna-server "
        "enroll-agent`)");
  }
  auto pem = auth->FindPropertyValues(GRPC_X509_PEM_CERT_PROPERTY_NAME);
  if (pem.empty()) return Status::Unauthenticated("the TLS peer has no client certificate");
  return AgentIdentityFromCertificate(std::string(pem.front().data(), pem.front().size()));
}

Result<HostInfo> AgentIdentityFromCertificate(const std::string& cert_pem) {
  X509Ptr cert = ParseCertificatePem(cert_pem);
  if (!cert) return Status::Unauthenticated("unreadable client certificate: " + OpenSslError());
  // The server certificate is signed by the same CA; only client certificates identify agents.
  if ((X509_get_extension_flags(cert.get()) & EXFLAG_XKUSAGE) == 0 ||
      (X509_get_extended_key_usage(cert.get()) & XKU_SSL_CLIENT) == 0) {
    return Status::Unauthenticated("the client certificate is not issued for client auth");
  }
  HostInfo host;
  X509_NAME* subject = X509_get_subject_name(cert.get());
  const int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (index >= 0) {
    ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
    host.id.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                   static_cast<size_t>(ASN1_STRING_length(data)));
  }
  GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert.get(), NID_subject_alt_name, nullptr, nullptr)));
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names.get()) && host.name.empty(); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    if (name->type != GEN_DNS) continue;
    host.name.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(name->d.dNSName)),
                     static_cast<size_t>(ASN1_STRING_length(name->d.dNSName)));
  }
  if (host.id.empty()) return Status::Unauthenticated("the client certificate has no CN (host id)");
  if (host.name.empty()) {
    return Status::Unauthenticated("the client certificate has no DNS name (host name)");
  }
  return host;
}

}  // namespace ulna::server
