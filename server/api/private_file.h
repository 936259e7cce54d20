// Small-file I/O for the server's credentials (keys, certificates, the admin token): whole-file
// reads, and atomic writes (temp file, fsync, rename) with an explicit mode so that a crash never
// leaves a half-written key and private files are never briefly world-readable.
// Thread-safety: stateless functions.
#pragma once

#include <sys/types.h>

#include <string>

#include "common/status.h"

namespace ulna::server {

// Reads a file of at most `max_bytes`. NotFound when it does not exist.
Result<std::string> ReadSmallFile(const std::string& path, size_t max_bytes = 1 << 20);

// Replaces `path` with `contents`, created with permission bits `mode` (e.g. 0600).
Status WriteFileAtomically(const std::string& path, const std::string& contents, mode_t mode);

// Creates `path` (and missing parents) as directories with `mode`; ok when it already exists.
Status MakeDirectories(const std::string& path, mode_t mode);

bool FileExists(const std::string& path);

}  // namespace ulna::server
