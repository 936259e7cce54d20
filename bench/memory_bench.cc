// memory_bench: what memory costs on this machine, a limit under every replay figure
// (docs/BENCHMARKS.md): writing memory for the first time (a page fault per page, and the kernel
// zeroes each page it hands out; on a VM the hypervisor may have to back it too), with 4 KB and
// with transparent huge pages, against rewriting memory already touched.
//   build/bin/memory_bench [--benchmark_filter=...]
#include <benchmark/benchmark.h>
#include <sys/mman.h>

#include <cstring>
#include <vector>

namespace {

constexpr size_t kRegionBytes = 64 << 20;
constexpr size_t kPageBytes = 4096;

char* MapAnonymous(bool huge_pages) {
  void* region =
      mmap(nullptr, kRegionBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (region == MAP_FAILED) return nullptr;
  madvise(region, kRegionBytes, huge_pages ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
  return static_cast<char*>(region);
}

// Maps a fresh region and writes one byte a page: the cost of memory touched for the first time.
void BM_FirstTouch(benchmark::State& state) {
  const bool huge_pages = state.range(0) != 0;
  for (auto _ : state) {
    char* region = MapAnonymous(huge_pages);
    if (region == nullptr) return state.SkipWithError("mmap failed");
    for (size_t offset = 0; offset < kRegionBytes; offset += kPageBytes) region[offset] = 1;
    benchmark::DoNotOptimize(region);
    state.PauseTiming();
    munmap(region, kRegionBytes);
    state.ResumeTiming();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kRegionBytes));
}
BENCHMARK(BM_FirstTouch)->Arg(0)->Arg(1)->ArgName("huge_pages")->Unit(benchmark::kMillisecond);

// As BM_FirstTouch with huge pages, but keeping every region until the end, so that the kernel
// cannot hand back the pages it just took: closer to a process that grows (the replay's
// memtables), whose pages the kernel has not handed out for a while.
void BM_FirstTouchGrowing(benchmark::State& state) {
  std::vector<char*> regions;
  for (auto _ : state) {
    char* region = MapAnonymous(/*huge_pages=*/true);
    if (region == nullptr) return state.SkipWithError("mmap failed");
    for (size_t offset = 0; offset < kRegionBytes; offset += kPageBytes) region[offset] = 1;
    benchmark::DoNotOptimize(region);
    regions.push_back(region);
  }
  for (char* region : regions) munmap(region, kRegionBytes);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kRegionBytes));
}
// 16 regions: 1 GB, taken once per repetition.
BENCHMARK(BM_FirstTouchGrowing)->Iterations(16)->Unit(benchmark::kMillisecond);

// Writes every byte of a region touched before: what reused memory costs.
void BM_RewriteTouched(benchmark::State& state) {
  char* region = MapAnonymous(/*huge_pages=*/true);
  if (region == nullptr) return state.SkipWithError("mmap failed");
  std::memset(region, 0, kRegionBytes);
  for (auto _ : state) {
    std::memset(region, 1, kRegionBytes);
    benchmark::ClobberMemory();
  }
  munmap(region, kRegionBytes);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kRegionBytes));
}
BENCHMARK(BM_RewriteTouched)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
