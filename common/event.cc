#include "common/event.h"

namespace ulna {

const char* DirectionName(Direction d) { return d == Direction::kIngress ? "ingress" : "egress"; }

const char* TransportName(Transport t) { return t == Transport::kUdp ? "udp" : "tcp"; }

const IpAddress& NetworkEvent::remote_ip() const {
  return direction == Direction::kIngress ? source_ip : destination_ip;
}

const char* NetworkEvent::action() const {
  return direction == Direction::kIngress ? "connection_accepted" : "connection_attempted";
}

}  // namespace ulna
