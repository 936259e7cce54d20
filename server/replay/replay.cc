#include "server/replay/replay.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <system_error>
#include <thread>

#include "common/duration.h"
#include "common/json_writer.h"
#include "common/line_reader.h"
#include "server/ingest/ingest_pipeline.h"
#include "server/replay/bounded_queue.h"
#include "server/store/store.h"

namespace ulna::server {
namespace {

// Events are stored in chunks of this many; the job advances between chunks.
constexpr size_t kChunkEvents = 16384;
// Chunks read ahead of the store: enough to absorb a slow bucket, small enough for memory.
constexpr size_t kChunksAhead = 4;

// One chunk, parsed and encoded by the reading thread, in input order.
struct ReadyChunk {
  PreparedArchiveEvents prepared;
  int64_t latest_ns = 0;  // the latest time of the chunk's kept events (0: none kept)
};

// What the reading thread counts; read by the main thread only after joining it.
struct ReadTally {
  uint64_t lines = 0;
  uint64_t events = 0;
  RejectTally rejects;
  uint64_t bytes = 0;
  Status status;  // why reading stopped early (unreadable input)
};

// Reads, parses and encodes every input into chunks of kChunkEvents (the same chunks, in the
// same order, whatever the timing, so a replay is deterministic). Runs on its own thread: it
// is about a fifth of the work, and overlapping it with the store and job uses the second core.
void ReadInputs(const std::vector<std::string>& inputs, IngestPipeline* ingest,
                BoundedQueue<ReadyChunk>* queue, ReadTally* tally) {
  EcsEventParser parser;
  std::vector<NetworkEvent> chunk;
  chunk.reserve(kChunkEvents);
  auto send = [&]() {
    if (chunk.empty()) return true;
    ReadyChunk ready;
    ready.prepared = ingest->PrepareArchiveEvents(std::move(chunk));
    // Only kept events move the clock: one far-future line, rejected, must not make the job
    // close years of empty buckets.
    if (!ready.prepared.times.empty()) ready.latest_ns = ready.prepared.times.back();
    chunk.clear();
    chunk.reserve(kChunkEvents);
    return queue->Push(std::move(ready));
  };
  for (const std::string& path : inputs) {
    auto reader = LineReader::Open(path);
    if (!reader.ok()) {
      tally->status = reader.status();
      return;
    }
    std::string_view line;
    NetworkEvent event;
    ParseError error;
    const uint64_t line_base = tally->lines;
    while ((*reader)->Next(&line)) {
      ++tally->lines;
      if ((*reader)->oversize()) {
        tally->rejects.Add(tally->lines,
                           ParseError{RejectReason::kOversizeField, path + ": line too long"});
        continue;
      }
      if (line.empty()) continue;
      if (!parser.Parse(line, &event, &error)) {
        error.detail = path + ": " + error.detail;
        tally->rejects.Add(line_base + (*reader)->line_number(), error);
        continue;
      }
      ++tally->events;
      chunk.push_back(std::move(event));
      if (chunk.size() >= kChunkEvents && !send()) return;  // the store side stopped
    }
    tally->status = (*reader)->status().WithContext(path);
    if (!tally->status.ok()) return;
    tally->bytes += (*reader)->bytes_read();
  }
  send();
}

// A temporary folder removed when the replay ends (RAII).
class TempDir {
 public:
  static Result<TempDir> Create() {
    std::string pattern = (std::filesystem::temp_directory_path() / "ulna-replay-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      return Status::IoError("cannot create a temporary store folder");
    }
    return TempDir(pattern);
  }
  TempDir(TempDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  explicit TempDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

}  // namespace

Result<ReplaySummary> RunReplay(const ReplayOptions& options) {
  if (options.inputs.empty()) return Status::InvalidArgument("replay needs at least one --input");
  ULNA_RETURN_IF_ERROR(options.job.Validate());
  const auto started = std::chrono::steady_clock::now();

  std::optional<TempDir> temp;
  std::string state_dir = options.state_dir;
  if (state_dir.empty()) {
    auto created = TempDir::Create();
    ULNA_RETURN_IF_ERROR(created.status());
    temp.emplace(std::move(created).value());
    state_dir = temp->path();
  }
  // A replay is re-runnable from its input, so it skips per-bucket fsyncs and flushes once at
  // the end; a live server (serve) keeps every durable write synced.
  auto store = Store::Open(StoreOptions{state_dir, /*sync_writes=*/false});
  ULNA_RETURN_IF_ERROR(store.status());

  // A replay writes a fresh alert file: its lines are this run's alerts, nothing older.
  if (::truncate(options.alerts_path.c_str(), 0) != 0 && errno != ENOENT) {
    return Status::IoError("cannot truncate " + options.alerts_path);
  }
  auto output = AlertOutput::Open(options.alerts_path);
  ULNA_RETURN_IF_ERROR(output.status());

  AnomalyJob job(options.job, store->get(), MakeDetector(options.job.mode),
                 AlertSinks{output->get(), nullptr});
  ULNA_RETURN_IF_ERROR(job.Open());
  IngestOptions ingest_options;
  ingest_options.max_future_skew_ns = options.job.max_future_skew_ns;
  IngestPipeline ingest(store->get(), ingest_options, WallClockNanos,
                        [&job] { return job.closed_before_ns(); });

  // The reading thread parses ahead; this thread stores each chunk and advances the job, in
  // chunk order, exactly as a single thread would.
  BoundedQueue<ReadyChunk> queue(kChunksAhead);
  ReadTally tally;
  std::thread reading;
  try {
    reading = std::thread([&] {
      ReadInputs(options.inputs, &ingest, &queue, &tally);
      queue.Close();  // the end of the input, or of reading after an error
    });
  } catch (const std::system_error& e) {
    return Status::Internal(std::string("cannot start the reading thread: ") + e.what());
  }
  Status stored;
  int64_t clock = 0;  // the latest event time seen: the job's "now"
  while (std::optional<ReadyChunk> ready = queue.Pop()) {
    clock = std::max(clock, ready->latest_ns);
    stored = ingest.StorePreparedArchiveEvents(std::move(ready->prepared), /*sync=*/false);
    if (stored.ok()) stored = job.AdvanceTo(clock);
    if (!stored.ok()) break;
  }
  queue.Close();  // after an error: unblocks the reader, which then stops
  reading.join();
  ULNA_RETURN_IF_ERROR(tally.status);
  ULNA_RETURN_IF_ERROR(stored);

  ReplaySummary summary;
  summary.lines = tally.lines;
  summary.events = tally.events;
  summary.rejects = std::move(tally.rejects);
  summary.bytes = tally.bytes;
  // The archive is over: let every bucket that holds events close and the rule see it.
  if (clock > 0) {
    const JobConfig& c = options.job;
    ULNA_RETURN_IF_ERROR(
        job.AdvanceTo(clock + c.bucket_span_ns + c.query_delay_ns + c.rule_interval_ns));
  }
  ULNA_RETURN_IF_ERROR((*store)->Flush());

  summary.rejected_time =
      ingest.stats().rejected[static_cast<size_t>(RejectReason::kTimeOutOfRange)].load();
  summary.job = job.stats();
  summary.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return summary;
}

std::string FormatReplaySummary(const ReplaySummary& s) {
  std::string out;
  char line[256];
  auto add = [&](const char* format, auto... values) {
    std::snprintf(line, sizeof(line), format, values...);
    out += line;
  };
  add("replay: %llu lines, %llu events in %.2f s (%.0f events/s)\n",
      static_cast<unsigned long long>(s.lines), static_cast<unsigned long long>(s.events),
      s.seconds, s.seconds > 0 ? s.events / s.seconds : 0.0);
  // Every rejected line, whether the parser or the ingest time check refused it.
  add("rejected: %llu lines", static_cast<unsigned long long>(s.rejects.total() + s.rejected_time));
  for (size_t i = 0; i < s.rejects.counts.size(); ++i) {
    if (s.rejects.counts[i] == 0) continue;
    add(", %s %llu", RejectReasonName(static_cast<RejectReason>(i)),
        static_cast<unsigned long long>(s.rejects.counts[i]));
  }
  add("; out-of-range time %llu\n", static_cast<unsigned long long>(s.rejected_time));
  for (const auto& sample : s.rejects.samples) {
    add("  line %llu: %s: ", static_cast<unsigned long long>(sample.line_number),
        RejectReasonName(sample.error.reason));
    out += sample.error.detail + "\n";
  }
  add("job: %llu buckets, %llu events scored, excluded:",
      static_cast<unsigned long long>(s.job.buckets_closed),
      static_cast<unsigned long long>(s.job.events_scored));
  for (const auto& [reason, count] : s.job.events_excluded) {
    add(" %s %llu", reason.c_str(), static_cast<unsigned long long>(count));
  }
  add("\njob: %llu records, %llu rule runs, %llu alerts (%llu excepted, %llu over the per-run "
      "cap)\n",
      static_cast<unsigned long long>(s.job.records),
      static_cast<unsigned long long>(s.job.rule_runs),
      static_cast<unsigned long long>(s.job.alerts),
      static_cast<unsigned long long>(s.job.alerts_excepted),
      static_cast<unsigned long long>(s.job.alerts_capped));
  return out;
}

}  // namespace ulna::server
