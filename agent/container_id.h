// Container id from a process's cgroup membership (/proc/<pid>/cgroup): the 64-hex id that
// Docker, containerd, CRI-O and Podman put in the cgroup path. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace ulna::agent {

// The container id named by one cgroup path such as "/docker/<id>",
// "/system.slice/docker-<id>.scope", "/kubepods/burstable/pod.../cri-containerd-<id>.scope" or
// "/machine.slice/libpod-<id>.scope"; empty when the path names no container (host processes).
// The deepest matching path component wins (nested runtimes report the innermost container).
std::string ContainerIdFromCgroupPath(std::string_view path);

// The container id from the whole text of /proc/<pid>/cgroup ("hierarchy:controllers:path" per
// line, v1 and v2); the cgroup v2 line ("0::") is preferred, then the first v1 line that names a
// container. Empty when none does.
std::string ContainerIdFromCgroupFile(std::string_view text);

}  // namespace ulna::agent
