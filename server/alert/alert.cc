#include "server/alert/alert.h"

#include <openssl/sha.h>

namespace ulna::server {

std::string AlertId(const std::string& rule_name, const std::string& host_id,
                    const std::string& process_key, int64_t bucket_start_ns) {
  // Fields are NUL-separated so that ("ab","c") and ("a","bc") cannot collide.
  std::string material = rule_name;
  for (const std::string* part : {&host_id, &process_key}) {
    material.push_back('\0');
    material += *part;
  }
  material.push_back('\0');
  material += std::to_string(bucket_start_ns);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(material.data()), material.size(), digest);
  // 128 bits are plenty for uniqueness and keep ids short in logs and URLs.
  // Hex by table: a rule run computes the id of every candidate in its window (snprintf per
  // byte was most of the cost).
  constexpr char kHex[] = "0123456789abcdef";
  std::string id(32, '0');
  for (int i = 0; i < 16; ++i) {
    id[2 * i] = kHex[digest[i] >> 4];
    id[2 * i + 1] = kHex[digest[i] & 0xf];
  }
  return id;
}

}  // namespace ulna::server
