#include "common/ip_address.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace ulna {

IpAddress IpAddress::FromV4(uint32_t host_order) {
  IpAddress a;
  a.is_v4_ = true;
  a.bytes_[0] = static_cast<uint8_t>(host_order >> 24);
  a.bytes_[1] = static_cast<uint8_t>(host_order >> 16);
  a.bytes_[2] = static_cast<uint8_t>(host_order >> 8);
  a.bytes_[3] = static_cast<uint8_t>(host_order);
  return a;
}

IpAddress IpAddress::FromV6(const std::array<uint8_t, 16>& bytes) {
  static constexpr uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  IpAddress a;
  if (std::memcmp(bytes.data(), kMappedPrefix, sizeof(kMappedPrefix)) == 0) {
    a.is_v4_ = true;
    std::memcpy(a.bytes_.data(), bytes.data() + 12, 4);
    return a;
  }
  a.is_v4_ = false;
  a.bytes_ = bytes;
  return a;
}

std::optional<IpAddress> IpAddress::Parse(std::string_view text) {
  char buf[INET6_ADDRSTRLEN + 1];
  if (text.empty() || text.size() >= sizeof(buf)) return std::nullopt;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  in_addr v4;
  if (inet_pton(AF_INET, buf, &v4) == 1) return FromV4(ntohl(v4.s_addr));
  std::array<uint8_t, 16> v6;
  if (inet_pton(AF_INET6, buf, v6.data()) == 1) return FromV6(v6);
  return std::nullopt;
}

uint32_t IpAddress::v4_host_order() const {
  return (uint32_t{bytes_[0]} << 24) | (uint32_t{bytes_[1]} << 16) | (uint32_t{bytes_[2]} << 8) |
         uint32_t{bytes_[3]};
}

bool IpAddress::IsLoopback() const {
  if (is_v4_) return bytes_[0] == 127;
  for (int i = 0; i < 15; ++i)
    if (bytes_[i] != 0) return false;
  return bytes_[15] == 1;
}

bool IpAddress::IsUnspecified() const {
  const int n = is_v4_ ? 4 : 16;
  for (int i = 0; i < n; ++i)
    if (bytes_[i] != 0) return false;
  return true;
}

bool IpAddress::IsPrivate() const {
  if (is_v4_) {
    const uint8_t a = bytes_[0], b = bytes_[1];
    return a == 10 || (a == 172 && (b & 0xf0) == 16) || (a == 192 && b == 168) ||
           (a == 100 && (b & 0xc0) == 64);
  }
  return (bytes_[0] & 0xfe) == 0xfc;
}

bool IpAddress::IsLinkLocal() const {
  if (is_v4_) return bytes_[0] == 169 && bytes_[1] == 254;
  return bytes_[0] == 0xfe && (bytes_[1] & 0xc0) == 0x80;
}

bool IpAddress::InPrefix(const IpAddress& network, int prefix_len) const {
  if (is_v4_ != network.is_v4_) return false;
  const int max_bits = is_v4_ ? 32 : 128;
  if (prefix_len < 0 || prefix_len > max_bits) return false;
  const int full = prefix_len / 8, rest = prefix_len % 8;
  if (std::memcmp(bytes_.data(), network.bytes_.data(), full) != 0) return false;
  if (rest == 0) return true;
  const uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (bytes_[full] & mask) == (network.bytes_[full] & mask);
}

std::string IpAddress::ToString() const {
  char buf[INET6_ADDRSTRLEN];
  if (is_v4_) {
    inet_ntop(AF_INET, bytes_.data(), buf, sizeof(buf));
  } else {
    inet_ntop(AF_INET6, bytes_.data(), buf, sizeof(buf));
  }
  return buf;
}

std::optional<IpPrefix> IpPrefix::Parse(std::string_view text) {
  const size_t slash = text.find('/');
  auto address = IpAddress::Parse(text.substr(0, slash));
  if (!address) return std::nullopt;
  const int max_bits = address->is_v4() ? 32 : 128;
  int length = max_bits;
  if (slash != std::string_view::npos) {
    std::string_view len_text = text.substr(slash + 1);
    auto [ptr, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), length);
    if (ec != std::errc() || ptr != len_text.data() + len_text.size() || length < 0 ||
        length > max_bits) {
      return std::nullopt;
    }
  }
  return IpPrefix{*address, length};
}

std::string IpPrefix::ToString() const { return network.ToString() + "/" + std::to_string(length); }

}  // namespace ulna
