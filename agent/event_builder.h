// Turns the kernel's ring-buffer records (bpf/netmon.h) into the agent's types: KernelTask for
// the process cache and ulna::NetworkEvent for output, placing local/remote ends on ECS
// source/destination by direction. Pure functions; thread-safe.
#pragma once

#include <string>

#include "agent/boot_clock.h"
#include "agent/process_cache.h"
#include "common/event.h"
#include "netmon.h"

namespace ulna::agent {

KernelTask KernelTaskFromRecord(const netmon_task& task, const BootClock& clock);

// The working directory an exec record carries ("" when the kernel could not walk it), built
// from its leaf-first components: "b\0a\0" is "/a/b".
std::string CwdFromRecord(const netmon_exec_record& record);
// The resolved path of the file an exec record's process runs (symlinks followed, as
// /proc/<pid>/exe shows it); "" when the kernel could not walk it.
std::string ExecutableFromRecord(const netmon_exec_record& record);

// The address a record holds, by its canonical family (NETMON_FAMILY_V4 / _V6).
IpAddress AddressFromRecord(uint8_t family, const uint8_t bytes[16]);

// Everything but the process: time, direction, transport, ends, netns, cgroup, repeats, host.
// For egress `source` is the local end; for ingress `source` is the remote peer (ECS).
NetworkEvent NetworkEventFromRecord(const netmon_net_record& record, const BootClock& clock,
                                    const HostInfo& host);

// Fills event->process from the cache entry, its parent (may be null) and the resolved user.
void FillProcess(const CachedProcess& process, const CachedProcess* parent,
                 const std::string& user_name, const BootClock& clock, NetworkEvent* event);

}  // namespace ulna::agent
