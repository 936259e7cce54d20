// jemalloc's start-up options for the server's executables (both link jemalloc, see
// server/CMakeLists.txt); jemalloc reads this symbol before the first allocation.

// Backing the heap with transparent huge pages makes RocksDB's memtables and the parsed events
// fault in 2 MB at a time: on this VM every 4 KB page fault cost ~10 us, and a replay took
// ~25 k of them.
// `ulna-server` (the replay) keeps one arena for all threads (jemalloc's default is 4 a core,
// one per thread here): each arena starts on huge pages of its own, zeroed at first touch,
// while the threads' own caches keep allocation off the arena's lock (dev1: 15 alternating
// runs, ~3 % less CPU in elastic mode, ~8 % in ulna mode, peak RSS 80 -> 61 MB). The serving
// executable, with its many gRPC threads, keeps jemalloc's default, unmeasured there.
extern "C" {
// NOLINTNEXTLINE: the name is jemalloc's.
const char* malloc_conf =
#ifdef ULNA_JEMALLOC_ONE_ARENA
    "thp:always,metadata_thp:always,narenas:1";
#else
    "thp:always,metadata_thp:always";
#endif
}
