// IpAddress: an IPv4 or IPv6 address as 16 bytes, with v4-mapped IPv6 folded to IPv4 so that one
// host never appears under two spellings. Value type; safe to copy and share between threads.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ulna {

class IpAddress {
 public:
  IpAddress() = default;  // the unspecified IPv4 address 0.0.0.0
  static IpAddress FromV4(uint32_t host_order);
  // `bytes` in network order; v4-mapped (::ffff:a.b.c.d) becomes IPv4.
  static IpAddress FromV6(const std::array<uint8_t, 16>& bytes);
  // Parses dotted IPv4 or any textual IPv6 (including v4-mapped); nullopt when malformed.
  static std::optional<IpAddress> Parse(std::string_view text);

  bool is_v4() const { return is_v4_; }
  // Network-order bytes; for IPv4 only the first 4 are meaningful.
  const std::array<uint8_t, 16>& bytes() const { return bytes_; }
  uint32_t v4_host_order() const;

  bool IsLoopback() const;     // 127.0.0.0/8, ::1
  bool IsUnspecified() const;  // 0.0.0.0, ::
  bool IsPrivate() const;      // RFC 1918, 100.64/10 (CGNAT), fc00::/7 (ULA)
  bool IsLinkLocal() const;    // 169.254/16 (incl. cloud metadata), fe80::/10
  // True when the first `prefix_len` bits equal those of `network` (same family only).
  bool InPrefix(const IpAddress& network, int prefix_len) const;

  std::string ToString() const;
  friend bool operator==(const IpAddress&, const IpAddress&) = default;
  friend auto operator<=>(const IpAddress&, const IpAddress&) = default;

 private:
  bool is_v4_ = true;
  std::array<uint8_t, 16> bytes_{};
};

// A CIDR block such as 10.0.0.0/8 or 2001:db8::/32, for exceptions and destination classes.
struct IpPrefix {
  IpAddress network;
  int length = 0;
  static std::optional<IpPrefix> Parse(std::string_view text);  // "a.b.c.d/n", "::1/128", or bare
  bool Contains(const IpAddress& address) const { return address.InPrefix(network, length); }
  std::string ToString() const;
};

}  // namespace ulna
