/* netmon_policy.h: the filtering and dedup decisions of netmon.bpf.c as plain inline C, so the
 * same code runs in the kernel and in the agent's unit tests (tests/unit/agent/). Pure functions
 * of their arguments; no maps, no helpers, safe anywhere. */
#ifndef ULNA_BPF_NETMON_POLICY_H_
#define ULNA_BPF_NETMON_POLICY_H_

#include "netmon.h"

/* Folds an IPv6 v4-mapped address (::ffff:a.b.c.d) to IPv4 in place, so one peer has one key.
 * `*family` is NETMON_FAMILY_V4 or NETMON_FAMILY_V6. */
static inline void netmon_canonicalize(__u8 *family, __u8 addr[16]) {
  if (*family != NETMON_FAMILY_V6) return;
  for (int i = 0; i < 10; i++)
    if (addr[i] != 0) return;
  if (addr[10] != 0xff || addr[11] != 0xff) return;
  addr[0] = addr[12];
  addr[1] = addr[13];
  addr[2] = addr[14];
  addr[3] = addr[15];
  for (int i = 4; i < 16; i++) addr[i] = 0;
  *family = NETMON_FAMILY_V4;
}

/* 127.0.0.0/8 or ::1, on a canonical address. */
static inline int netmon_is_loopback(__u8 family, const __u8 addr[16]) {
  if (family == NETMON_FAMILY_V4) return addr[0] == 127;
  for (int i = 0; i < 15; i++)
    if (addr[i] != 0) return 0;
  return addr[15] == 1;
}

/* The port that names the service: the remote port for egress, the local one for ingress. */
static inline __u16 netmon_service_port(__u8 direction, __u16 local_port, __u16 remote_port) {
  return direction == NETMON_INGRESS ? local_port : remote_port;
}

/* Whether a repeat seen at `now_ns` falls inside the window opened by the last emitted record.
 * A zero window disables dedup. */
static inline int netmon_dedup_suppresses(const struct netmon_dedup_value *last, __u64 now_ns,
                                          __u64 window_ns) {
  if (last == 0 || window_ns == 0) return 0;
  if (now_ns < last->window_start_ns) return 0; /* clock went backwards: emit, never hide */
  return now_ns - last->window_start_ns < window_ns;
}

#endif /* ULNA_BPF_NETMON_POLICY_H_ */
