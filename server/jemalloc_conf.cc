// jemalloc's start-up options for the server's executables (both link jemalloc, see
// server/CMakeLists.txt); jemalloc reads this symbol before the first allocation.

// Backing the heap with transparent huge pages makes RocksDB's memtables and the parsed events
// fault in 2 MB at a time: on this VM every 4 KB page fault cost ~10 us, and a replay took
// ~25 k of them.
extern "C" {
// NOLINTNEXTLINE: the name is jemalloc's.
const char* malloc_conf = "thp:always,metadata_thp:always";
}
