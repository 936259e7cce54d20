// Ingest-path throughput on a real scenario archive: gzip inflate (ISA-L vs zlib), ECS parsing
// (both paths and the two together), line splitting, and the batch codec. Reads
// $ULNA_SHARED/scenarios/dev1/events.ndjson.gz (default /work/shared); each benchmark is skipped
// when the file is absent.
#include <benchmark/benchmark.h>
#include <isa-l/igzip_lib.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iterator>
#include <memory_resource>
#include <new>
#include <string>
#include <vector>

#include "common/batch_codec.h"
#include "common/ecs_codec.h"
#include "common/ecs_fast_scan.h"
#include "common/ecs_fields.h"
#include "common/line_reader.h"
#include "server/store/event_log.h"

// Heap allocations made by this process, for the allocs_per_* counters: the replay's hot loops
// should allocate nothing per event once warm. (noinline: inlined into a caller, the free() of
// memory from operator new trips GCC's -Wmismatched-new-delete.)
std::atomic<uint64_t> g_allocations{0};

__attribute__((noinline)) void* operator new(size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
__attribute__((noinline)) void operator delete(void* p) noexcept { std::free(p); }
__attribute__((noinline)) void operator delete(void* p, size_t) noexcept { std::free(p); }
// The aligned forms: std::pmr's default resource (an event's strings on the heap) and arenas
// allocate through them.
__attribute__((noinline)) void* operator new(size_t size, std::align_val_t align) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  const size_t alignment = static_cast<size_t>(align);
  const size_t rounded = (std::max<size_t>(size, 1) + alignment - 1) / alignment * alignment;
  if (void* p = std::aligned_alloc(alignment, rounded)) return p;
  throw std::bad_alloc();
}
__attribute__((noinline)) void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
__attribute__((noinline)) void operator delete(void* p, size_t, std::align_val_t) noexcept {
  std::free(p);
}

namespace ulna {
namespace {

uint64_t Allocations() { return g_allocations.load(std::memory_order_relaxed); }

constexpr size_t kInflateLimit = 200u << 20;  // decompressed bytes per inflate iteration
constexpr size_t kParseLines = 100000;

std::string ArchivePath() {
  const char* shared = std::getenv("ULNA_SHARED");
  return std::string(shared != nullptr ? shared : "/work/shared") +
         "/scenarios/dev1/events.ndjson.gz";
}

// The compressed archive, read once.
const std::string* Compressed() {
  static const std::string* bytes = [] {
    std::ifstream in(ArchivePath(), std::ios::binary);
    if (!in) return static_cast<std::string*>(nullptr);
    return new std::string(std::istreambuf_iterator<char>(in), {});
  }();
  return bytes;
}

// The first kParseLines lines, decompressed, read once.
const std::vector<std::string>* Lines() {
  static const std::vector<std::string>* lines = [] {
    auto reader = LineReader::Open(ArchivePath());
    if (!reader.ok()) return static_cast<std::vector<std::string>*>(nullptr);
    auto* out = new std::vector<std::string>();
    std::string_view line;
    while (out->size() < kParseLines && (*reader)->Next(&line)) out->emplace_back(line);
    return out;
  }();
  return lines;
}

void BM_InflateIgzip(benchmark::State& state) {
  const std::string* gz = Compressed();
  if (gz == nullptr) return state.SkipWithError("scenario archive not found");
  std::vector<uint8_t> out(1 << 20);
  size_t total = 0;
  for (auto _ : state) {
    inflate_state s;
    isal_inflate_init(&s);
    s.crc_flag = ISAL_GZIP;
    s.next_in = reinterpret_cast<uint8_t*>(const_cast<char*>(gz->data()));
    s.avail_in = static_cast<uint32_t>(gz->size());
    size_t produced = 0;
    while (produced < kInflateLimit && s.block_state != ISAL_BLOCK_FINISH) {
      s.next_out = out.data();
      s.avail_out = static_cast<uint32_t>(out.size());
      if (isal_inflate(&s) < 0) return state.SkipWithError("igzip: corrupt archive");
      produced += out.size() - s.avail_out;
    }
    total += produced;
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(total));
}
BENCHMARK(BM_InflateIgzip)->Unit(benchmark::kMillisecond);

void BM_InflateZlib(benchmark::State& state) {
  const std::string* gz = Compressed();
  if (gz == nullptr) return state.SkipWithError("scenario archive not found");
  std::vector<uint8_t> out(1 << 20);
  size_t total = 0;
  for (auto _ : state) {
    z_stream z{};
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return state.SkipWithError("zlib init");
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz->data()));
    z.avail_in = static_cast<uInt>(gz->size());
    size_t produced = 0;
    int ret = Z_OK;
    while (produced < kInflateLimit && ret != Z_STREAM_END) {
      z.next_out = out.data();
      z.avail_out = static_cast<uInt>(out.size());
      ret = inflate(&z, Z_NO_FLUSH);
      if (ret != Z_OK && ret != Z_STREAM_END) {
        inflateEnd(&z);
        return state.SkipWithError("zlib: corrupt archive");
      }
      produced += out.size() - z.avail_out;
    }
    inflateEnd(&z);
    total += produced;
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(total));
}
BENCHMARK(BM_InflateZlib)->Unit(benchmark::kMillisecond);

// Runs `parse(line, &event, &error)` (true: the line counts as `counter`) over the archive's
// first lines; `counter` is reported as a share of all lines.
template <typename Parse>
void ParseLines(benchmark::State& state, const char* counter, Parse parse) {
  const std::vector<std::string>* lines = Lines();
  if (lines == nullptr || lines->empty()) return state.SkipWithError("scenario archive not found");
  NetworkEvent event;
  ParseError error;
  size_t bytes = 0, counted = 0, total = 0;
  const uint64_t allocations_before = Allocations();
  for (auto _ : state) {
    for (const std::string& line : *lines) {
      if (parse(line, &event, &error)) ++counted;
      ++total;
      bytes += line.size();
    }
    benchmark::DoNotOptimize(event);
  }
  state.SetItemsProcessed(static_cast<int64_t>(total));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters[counter] = 100.0 * counted / static_cast<double>(total);
  state.counters["allocs_per_event"] =
      static_cast<double>(Allocations() - allocations_before) / static_cast<double>(total);
}

void BM_ParseEcs(benchmark::State& state) {
  EcsEventParser parser;
  ParseLines(state, "parsed_pct", [&](const std::string& line, NetworkEvent* e, ParseError* err) {
    return parser.Parse(line, e, err);
  });
}
BENCHMARK(BM_ParseEcs)->Unit(benchmark::kMillisecond);

// Events in one of the replay's ~256 KB blocks of ~900-byte lines.
constexpr size_t kBlockEvents = 300;

// Parse into recycled events: each line of a block into the next slot of a vector of events
// from earlier blocks, whose strings and args keep their capacity (one warm-up pass over the
// lines first, so that the counters show the steady state). The replay tried this and dropped
// it: the recycled strings lie scattered, which cost the encoder more than the allocations
// saved (docs/DESIGN-NOTES.md).
void BM_ParseEcsRecycled(benchmark::State& state) {
  const std::vector<std::string>* lines = Lines();
  if (lines == nullptr || lines->empty()) return state.SkipWithError("scenario archive not found");
  EcsEventParser parser;
  std::vector<NetworkEvent> slots(kBlockEvents);
  ParseError error;
  auto parse_all = [&] {
    size_t slot = 0, parsed = 0;
    for (const std::string& line : *lines) {
      if (parser.Parse(line, &slots[slot], &error)) {
        ++parsed;
        if (++slot == slots.size()) slot = 0;
      }
    }
    return parsed;
  };
  parse_all();
  size_t total = 0, parsed = 0;
  const uint64_t allocations_before = Allocations();
  for (auto _ : state) {
    parsed += parse_all();
    total += lines->size();
    benchmark::DoNotOptimize(slots.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(total));
  state.counters["parsed_pct"] = 100.0 * parsed / static_cast<double>(total);
  state.counters["allocs_per_event"] =
      static_cast<double>(Allocations() - allocations_before) / static_cast<double>(total);
}
BENCHMARK(BM_ParseEcsRecycled)->Unit(benchmark::kMillisecond);

// Parse into fresh events on the heap, as the replay did until round 9 (there each line went
// into a new slot of the block's vector; here one event is moved into it): every string is
// allocated anew.
void BM_ParseEcsMovedFrom(benchmark::State& state) {
  const std::vector<std::string>* lines = Lines();
  if (lines == nullptr || lines->empty()) return state.SkipWithError("scenario archive not found");
  EcsEventParser parser;
  NetworkEvent event;
  std::vector<NetworkEvent> block;
  block.reserve(kBlockEvents);
  ParseError error;
  size_t total = 0;
  const uint64_t allocations_before = Allocations();
  for (auto _ : state) {
    for (const std::string& line : *lines) {
      if (!parser.Parse(line, &event, &error)) continue;
      if (block.size() == kBlockEvents) block.clear();
      block.push_back(std::move(event));
    }
    total += lines->size();
    benchmark::DoNotOptimize(block.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(total));
  state.counters["allocs_per_event"] =
      static_cast<double>(Allocations() - allocations_before) / static_cast<double>(total);
}
BENCHMARK(BM_ParseEcsMovedFrom)->Unit(benchmark::kMillisecond);

// Parse as the replay does: each line into the next fresh slot of a block whose process strings
// live in the block's arena (first buffer: half the block's text), the block freed whole when
// full -- events, then arena.
void BM_ParseEcsIntoArena(benchmark::State& state) {
  const std::vector<std::string>* lines = Lines();
  if (lines == nullptr || lines->empty()) return state.SkipWithError("scenario archive not found");
  EcsEventParser parser;
  ParseError error;
  size_t total = 0;
  const uint64_t allocations_before = Allocations();
  for (auto _ : state) {
    size_t line = 0;
    while (line < lines->size()) {
      const size_t end = std::min(lines->size(), line + kBlockEvents);
      size_t text_bytes = 0;
      for (size_t i = line; i < end; ++i) text_bytes += (*lines)[i].size() + 1;
      std::pmr::monotonic_buffer_resource arena(text_bytes / 2);
      std::vector<NetworkEvent> block;
      block.reserve(end - line);
      size_t kept = 0;
      for (; line < end; ++line) {
        if (kept == block.size()) block.emplace_back(&arena);
        if (parser.ParseFresh((*lines)[line], &block[kept], &error)) ++kept;
      }
      benchmark::DoNotOptimize(block.data());
    }
    total += lines->size();
  }
  state.SetItemsProcessed(static_cast<int64_t>(total));
  state.counters["allocs_per_event"] =
      static_cast<double>(Allocations() - allocations_before) / static_cast<double>(total);
}
BENCHMARK(BM_ParseEcsIntoArena)->Unit(benchmark::kMillisecond);

// The constructor's fixed cost (paid once per replay worker).
void BM_ParserConstruct(benchmark::State& state) {
  for (auto _ : state) {
    EcsEventParser parser;
    benchmark::DoNotOptimize(&parser);
  }
}
BENCHMARK(BM_ParserConstruct);

// The two halves of Parse on the same lines: the simdjson path alone (what Parse was before the
// fast scanner), and the fast scanner alone (lines it leaves count as not handled).
void BM_ParseEcsSimdjson(benchmark::State& state) {
  EcsEventParser parser;
  ParseLines(state, "parsed_pct", [&](const std::string& line, NetworkEvent* e, ParseError* err) {
    return parser.ParseWithSimdjson(line, e, err);
  });
}
BENCHMARK(BM_ParseEcsSimdjson)->Unit(benchmark::kMillisecond);

void BM_ParseEcsFastScan(benchmark::State& state) {
  EcsFastScanner scanner;
  ParseLines(state, "handled_pct", [&](const std::string& line, NetworkEvent* e, ParseError* err) {
    ecs::ResetEvent(e);
    return scanner.Scan(line, e, err) != FastScanResult::kNotHandled;
  });
}
BENCHMARK(BM_ParseEcsFastScan)->Unit(benchmark::kMillisecond);

void BM_LineReaderGz(benchmark::State& state) {
  if (Compressed() == nullptr) return state.SkipWithError("scenario archive not found");
  size_t lines = 0, bytes = 0;
  for (auto _ : state) {
    auto reader = LineReader::Open(ArchivePath());
    if (!reader.ok()) return state.SkipWithError(reader.status().ToString().c_str());
    std::string_view line;
    while ((*reader)->Next(&line)) {
      ++lines;
      bytes += line.size() + 1;
    }
    if (!(*reader)->status().ok()) {
      return state.SkipWithError((*reader)->status().ToString().c_str());
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(lines));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_LineReaderGz)->Unit(benchmark::kMillisecond);

// 1000-event batches of parsed scenario events, as an agent would send them.
std::vector<std::vector<NetworkEvent>> Batches() {
  std::vector<std::vector<NetworkEvent>> batches;
  const std::vector<std::string>* lines = Lines();
  if (lines == nullptr) return batches;
  EcsEventParser parser;
  NetworkEvent event;
  ParseError error;
  for (const std::string& line : *lines) {
    if (!parser.Parse(line, &event, &error)) continue;
    if (batches.empty() || batches.back().size() == 1000) batches.emplace_back();
    batches.back().push_back(event);
  }
  return batches;
}

void BM_BatchEncodeDecode(benchmark::State& state) {
  const bool self_contained = state.range(0) != 0;
  const auto batches = Batches();
  if (batches.empty()) return state.SkipWithError("scenario archive not found");
  size_t events = 0, wire_bytes = 0;
  for (auto _ : state) {
    BatchEncoder encoder(self_contained);
    BatchDecoder decoder;
    RejectTally rejects;
    std::vector<NetworkEvent> decoded;
    uint64_t sequence = 0;
    for (const auto& batch : batches) {
      const v1::EventBatch wire = encoder.Encode(++sequence, batch);
      wire_bytes += wire.ByteSizeLong();
      decoded.clear();
      if (!decoder.Decode(wire, nullptr, &decoded, &rejects).ok()) {
        return state.SkipWithError("decode failed");
      }
      events += decoded.size();
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(events));
  state.counters["wire_bytes_per_event"] = static_cast<double>(wire_bytes) / events;
}
BENCHMARK(BM_BatchEncodeDecode)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// The storage path alone: self-contained batches encoded as the event log stores them, in
// pieces that go straight into a RocksDB batch (one encoder reused by each thread, as the event
// log does).
void BM_BatchEncodeStored(benchmark::State& state) {
  const auto batches = Batches();
  if (batches.empty()) return state.SkipWithError("scenario archive not found");
  BatchEncoder encoder(/*self_contained=*/true);
  size_t events = 0, bytes = 0, encoded_batches = 0;
  for (const auto& batch : batches) encoder.EncodeParts(1, batch);  // warm: steady state
  const uint64_t allocations_before = Allocations();
  for (auto _ : state) {
    for (const auto& batch : batches) {
      const BatchEncoder::Parts parts = encoder.EncodeParts(1, batch);
      for (std::string_view part : parts) {
        benchmark::DoNotOptimize(part.data());
        bytes += part.size();
      }
      events += batch.size();
      ++encoded_batches;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(events));
  state.counters["bytes_per_event"] = static_cast<double>(bytes) / events;
  state.counters["allocs_per_batch"] =
      static_cast<double>(Allocations() - allocations_before) / encoded_batches;
}
BENCHMARK(BM_BatchEncodeStored)->Unit(benchmark::kMillisecond);

double ThreadCpuSeconds() {
  timespec now;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + 1e-9 * static_cast<double>(now.tv_nsec);
}

// The stored batches as a replay makes them: blocks of ~290 events (a 256 KB block of lines),
// sorted by time, each cut into batches of less than kMaxBatchSpanNs of event time (dev1: ~76
// events from ~30 hosts a batch, most of them a process new to its batch), through one reused
// encoder. Each block is copied into reused events first, untimed, so that the encoder reads
// events that are in cache, as a worker's just-parsed block is; only the encoding is timed, by
// the thread's CPU clock (other jobs on this VM's two cores then weigh less on the figure).
void BM_BatchEncodeArchive(benchmark::State& state) {
  constexpr size_t kEventsPerBlock = 290;
  std::vector<std::vector<NetworkEvent>> blocks;
  for (const auto& batch : Batches()) {
    for (size_t begin = 0; begin < batch.size(); begin += kEventsPerBlock) {
      const size_t end = std::min(batch.size(), begin + kEventsPerBlock);
      blocks.emplace_back(batch.begin() + begin, batch.begin() + end);
      std::stable_sort(blocks.back().begin(), blocks.back().end(),
                       [](const auto& a, const auto& b) { return a.time_ns < b.time_ns; });
    }
  }
  if (blocks.empty()) return state.SkipWithError("scenario archive not found");
  BatchEncoder encoder(/*self_contained=*/true);
  std::vector<NetworkEvent> block;
  size_t events = 0, bytes = 0, encoded_batches = 0;
  for (auto _ : state) {
    double encoding_s = 0;
    for (const auto& source : blocks) {
      block = source;  // reuses the events' string buffers: no allocation once warm
      const double start = ThreadCpuSeconds();
      const std::span<const NetworkEvent> sorted(block);
      for (size_t begin = 0; begin < sorted.size();) {
        size_t end = begin + 1;
        while (end < sorted.size() &&
               sorted[end].time_ns - sorted[begin].time_ns < server::kMaxBatchSpanNs) {
          ++end;
        }
        for (std::string_view part : encoder.EncodeParts(1, sorted.subspan(begin, end - begin))) {
          benchmark::DoNotOptimize(part.data());
          bytes += part.size();
        }
        ++encoded_batches;
        begin = end;
      }
      encoding_s += ThreadCpuSeconds() - start;
      events += block.size();
    }
    state.SetIterationTime(encoding_s);
  }
  state.SetItemsProcessed(static_cast<int64_t>(events));
  state.counters["bytes_per_event"] = static_cast<double>(bytes) / events;
  state.counters["events_per_batch"] = static_cast<double>(events) / encoded_batches;
}
BENCHMARK(BM_BatchEncodeArchive)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace ulna

BENCHMARK_MAIN();
