#include "server/replay/replay.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <memory_resource>
#include <optional>
#include <system_error>
#include <thread>

#include "common/duration.h"
#include "common/json_writer.h"
#include "common/line_block_reader.h"
#include "server/ingest/ingest_pipeline.h"
#include "server/job/bucket_events.h"
#include "server/replay/bounded_queue.h"
#include "server/replay/release_queue.h"
#include "server/replay/reorder_buffer.h"
#include "server/store/store.h"

namespace ulna::server {
namespace {

// The reading thread cuts the input into blocks of about this many bytes of whole lines (~600
// events): big enough that handing one over, storing it and advancing the job for it cost
// little next to parsing it, small enough that the job advances often and the blocks in flight
// stay small (dev1, alternating runs: 256 KB -> 512 KB ~5 % faster in both modes for ~6 MB more
// peak RSS; 1 MB no faster again for ~20 MB more; 128 KB slower).
constexpr size_t kBlockBytes = 512 << 10;

// Lines of one input, cut by the reading thread for a parsing worker.
struct LineBlock {
  uint64_t index = 0;                 // blocks are stored and scored in this order
  const std::string* path = nullptr;  // the input, for reject messages
  TextBlock text;
};

// A block parsed, time-checked and encoded by a worker, ready to store.
struct ParsedBlock {
  // Where the events' process strings live; declared first, so destroyed after them.
  std::unique_ptr<std::pmr::monotonic_buffer_resource> arena;
  PreparedArchiveEvents prepared;
  // A block parsed before the store was open is left for the main thread to prepare.
  bool prepared_by_worker = false;
  std::vector<NetworkEvent> parsed_events;  // unprepared: the kept events
  RejectTally rejects;                      // line numbers counted from the block's first line (1)
  uint64_t lines = 0;                       // in the block, the skipped over-long one included
  uint64_t events = 0;                      // parsed events (before the ingest's time checks)
};

// What the reading thread counts; read by the main thread only after joining it.
struct ReadTally {
  uint64_t bytes = 0;
  Status status;  // why reading stopped early (unreadable input)
};

// Reads every input into blocks of lines and dispatches them (reserving their place in
// `results`) until the input ends or `results` is closed.
void ReadInputs(const std::vector<std::string>& inputs, BoundedQueue<LineBlock>* blocks,
                ReorderBuffer<ParsedBlock>* results, ReadTally* tally) {
  for (const std::string& path : inputs) {
    auto reader = LineBlockReader::Open(path, kBlockBytes);
    if (!reader.ok()) {
      tally->status = reader.status();
      return;
    }
    LineBlock block;
    block.path = &path;
    while ((*reader)->Next(&block.text)) {
      std::optional<uint64_t> index = results->Reserve();
      if (!index) return;  // the store side stopped
      block.index = *index;
      if (!blocks->Push(std::move(block))) return;
      block = LineBlock();
      block.path = &path;
    }
    tally->status = (*reader)->status().WithContext(path);
    if (!tally->status.ok()) return;
    tally->bytes += (*reader)->bytes_read();
  }
}

// Parses, time-checks and encodes blocks until there are no more (encoding needs the store:
// until it is open, blocks are only parsed).
void ParseBlocks(const std::atomic<IngestPipeline*>* open_ingest, ReleaseQueue* released,
                 BoundedQueue<LineBlock>* blocks, ReorderBuffer<ParsedBlock>* results) {
  EcsEventParser parser;
  ParseError error;
  while (std::optional<LineBlock> block = blocks->Pop()) {
    released->FreeReleased();
    ParsedBlock parsed;
    // Each line is parsed straight into the next slot of a fresh block (see DESIGN-NOTES.md on
    // why blocks are not recycled), its process strings into the block's arena, whose first
    // buffer holds them all with room to spare (dev1: ~290 arena bytes for a line of ~880).
    parsed.arena = std::make_unique<std::pmr::monotonic_buffer_resource>(block->text.size / 2);
    std::vector<NetworkEvent> events;
    size_t kept = 0;
    // Lines run ~900 bytes; reserving avoids moving the events as the vector grows.
    events.reserve(block->text.size / 512 + 1);
    std::string_view rest = block->text.lines();
    uint64_t number = 0;
    while (!rest.empty()) {
      const size_t end = rest.find('\n');  // every line of a block ends in one
      std::string_view line = rest.substr(0, end);
      rest.remove_prefix(end + 1);
      ++number;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.size() > kMaxLineBytes) {
        parsed.rejects.Add(
            number, ParseError{RejectReason::kOversizeField, *block->path + ": line too long"});
        continue;
      }
      if (line.empty()) continue;
      // A fresh slot, or the one the last line failed in (which ParseFresh left reset).
      if (kept == events.size()) events.emplace_back(parsed.arena.get());
      if (!parser.ParseFresh(line, &events[kept], &error)) {
        error.detail = *block->path + ": " + error.detail;
        parsed.rejects.Add(number, error);
        continue;
      }
      ++kept;
    }
    events.erase(events.begin() + kept, events.end());
    if (block->text.oversize_line_after) {
      parsed.rejects.Add(
          ++number, ParseError{RejectReason::kOversizeField, *block->path + ": line too long"});
    }
    parsed.lines = number;
    parsed.events = kept;
    if (IngestPipeline* ingest = open_ingest->load(std::memory_order_acquire)) {
      parsed.prepared = ingest->PrepareArchiveEvents(std::move(events));
      parsed.prepared_by_worker = true;
    } else {
      parsed.parsed_events = std::move(events);
    }
    results->Put(block->index, std::move(parsed));
  }
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

// The reading and parsing threads (RAII): stopped and joined when it goes, whatever the
// replay returns early for.
class PipelineThreads {
 public:
  PipelineThreads(BoundedQueue<LineBlock>* blocks, ReorderBuffer<ParsedBlock>* results)
      : blocks_(blocks), results_(results) {}
  PipelineThreads(const PipelineThreads&) = delete;
  PipelineThreads& operator=(const PipelineThreads&) = delete;
  ~PipelineThreads() { StopAndJoin(); }

  template <typename Body>
  Status Start(Body body) {
    try {
      threads_.emplace_back(std::move(body));
    } catch (const std::system_error& e) {
      return Status::Internal(std::string("cannot start the replay threads: ") + e.what());
    }
    return Status::Ok();
  }
  // Closes the queues: no more blocks are read; with `abandon`, results not yet taken are
  // dropped (an error stops all) and every waiting thread returns.
  void Stop(bool abandon) {
    results_->Close(abandon);
    blocks_->Close();
  }
  void StopAndJoin() {
    Stop(/*abandon=*/true);
    for (std::thread& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

 private:
  BoundedQueue<LineBlock>* blocks_;
  ReorderBuffer<ParsedBlock>* results_;
  std::vector<std::thread> threads_;
};

}  // namespace

Result<ReplaySummary> RunReplay(const ReplayOptions& options) {
  if (options.inputs.empty()) return Status::InvalidArgument("replay needs at least one --input");
  ULNA_RETURN_IF_ERROR(options.job.Validate());
  const auto started = std::chrono::steady_clock::now();

  // Declared before the job and its buffered buckets, whose blocks it takes back.
  ReleaseQueue released;
  // What the replay stores into and scores with, opened once the pipeline runs (below) and
  // declared before it, so that its threads are joined before these go.
  std::optional<TempDir> temp;
  std::unique_ptr<Store> store;
  std::unique_ptr<AlertOutput> output;
  std::optional<BufferedBucketEvents> buffered;
  std::optional<AnomalyJob> job;
  std::optional<IngestPipeline> ingest;
  std::atomic<IngestPipeline*> open_ingest{nullptr};  // set once the store is open

  // One thread reads and cuts the input, workers (one per core) parse and encode it, and this
  // thread stores each block and advances the job, in input order, exactly as a single thread
  // would: the same blocks, the same clock steps, whatever the timing.
  const size_t workers = std::max(1u, std::thread::hardware_concurrency());
  // Blocks in flight (read, parsed or waiting to be stored), ~1 MB each: enough slack that
  // a burst of job work on this thread (a rule run, a day's state commit) or of parsing does
  // not leave a core idle (dev1: 6 in flight -> 16, ~4 % faster, ~7 MB more peak RSS), and
  // that the workers parse ahead while this thread opens the store (~15 ms; more blocks in
  // flight until it is open, 32-200, were no faster).
  BoundedQueue<LineBlock> blocks(2 * workers);
  ReorderBuffer<ParsedBlock> results(8 * workers);
  ReadTally tally;
  PipelineThreads threads(&blocks, &results);
  Status started_threads = threads.Start([&] {
    ReadInputs(options.inputs, &blocks, &results, &tally);
    threads.Stop(/*abandon=*/false);  // the end of the input, or of reading after an error
  });
  for (size_t i = 0; started_threads.ok() && i < workers; ++i) {
    started_threads =
        threads.Start([&] { ParseBlocks(&open_ingest, &released, &blocks, &results); });
  }
  ULNA_RETURN_IF_ERROR(started_threads);

  std::string state_dir = options.state_dir;
  if (state_dir.empty()) {
    auto created = TempDir::Create();
    ULNA_RETURN_IF_ERROR(created.status());
    temp.emplace(std::move(created).value());
    state_dir = temp->path();
  }
  // A replay is re-runnable from its input, so it skips the write-ahead log (and every fsync)
  // and flushes once at the end (a temporary store, removed right after, not at all); a live
  // server (serve) logs and syncs every durable write.
  StoreOptions store_options;
  store_options.path = state_dir;
  store_options.sync_writes = false;
  store_options.write_ahead_log = false;
  store_options.discard_on_close = temp.has_value();
  auto opened_store = Store::Open(store_options);
  ULNA_RETURN_IF_ERROR(opened_store.status());
  store = std::move(opened_store).value();

  // A replay writes a fresh alert file: its lines are this run's alerts, nothing older.
  if (::truncate(options.alerts_path.c_str(), 0) != 0 && errno != ENOENT) {
    return Status::IoError("cannot truncate " + options.alerts_path);
  }
  auto opened_output = AlertOutput::Open(options.alerts_path, AlertSync::kOnSync);
  ULNA_RETURN_IF_ERROR(opened_output.status());
  output = std::move(opened_output).value();

  // The job takes each bucket's events from memory as they are stored, instead of reading
  // back and decoding what was just written.
  auto opened_buffer = BufferedBucketEvents::Open(store.get(), options.job.bucket_span_ns);
  ULNA_RETURN_IF_ERROR(opened_buffer.status());
  buffered.emplace(std::move(opened_buffer).value());
  // A replay's writes become durable only at its flushes (no write-ahead log), so committing
  // the model state every bucket buys nothing; once a day of buckets, the rows that most
  // buckets rewrite (the same processes' baselines) are written once instead of ~100 times.
  // A temporary store is never opened again, so nothing could resume from a commit before the
  // last: its job commits once, at the end (dev1: 14 commits of ~12 k rows -> 1).
  JobConfig job_config = options.job;
  job_config.state_commit_buckets =
      temp ? std::numeric_limits<uint32_t>::max()
           : static_cast<uint32_t>(std::max<int64_t>(1, kNanosPerDay / job_config.bucket_span_ns));
  job.emplace(job_config, store.get(), MakeDetector(job_config.mode),
              AlertSinks{output.get(), nullptr}, &*buffered);
  ULNA_RETURN_IF_ERROR(job->Open());
  IngestOptions ingest_options;
  ingest_options.max_future_skew_ns = options.job.max_future_skew_ns;
  ingest.emplace(store.get(), ingest_options, WallClockNanos,
                 [&job] { return job->closed_before_ns(); });
  open_ingest.store(&*ingest, std::memory_order_release);

  Status stored;
  int64_t clock = 0;  // the latest event time seen: the job's "now"
  uint64_t lines = 0;
  uint64_t events = 0;
  RejectTally rejects;
  while (std::optional<ParsedBlock> parsed = results.Next()) {
    // Blocks arrive in input order: their line numbers continue from the lines before them.
    for (RejectTally::Sample& sample : parsed->rejects.samples) sample.line_number += lines;
    lines += parsed->lines;
    events += parsed->events;
    rejects.Merge(parsed->rejects);
    // Blocks parsed while the store was opening are prepared here.
    if (!parsed->prepared_by_worker) {
      parsed->prepared = ingest->PrepareArchiveEvents(std::move(parsed->parsed_events));
    }
    std::vector<NetworkEvent>& kept = parsed->prepared.events;
    // Only kept events move the clock: one far-future line, rejected, must not make the job
    // close years of empty buckets.
    if (!kept.empty()) clock = std::max(clock, kept.back().time_ns);
    stored = ingest->StorePreparedArchiveEvents(&parsed->prepared, /*sync=*/false);
    if (!stored.ok()) break;
    buffered->Add(released.Share(std::move(parsed->arena), std::move(kept)));
    stored = job->AdvanceTo(clock);
    if (!stored.ok()) break;
  }
  threads.StopAndJoin();  // after an error: unblocks the reader and workers, which stop
  ULNA_RETURN_IF_ERROR(tally.status);
  ULNA_RETURN_IF_ERROR(stored);

  ReplaySummary summary;
  summary.lines = lines;
  summary.events = events;
  summary.rejects = std::move(rejects);
  summary.bytes = tally.bytes;
  // The archive is over: let every bucket that holds events close and the rule see it.
  if (clock > 0) {
    const JobConfig& c = options.job;
    ULNA_RETURN_IF_ERROR(
        job->AdvanceTo(clock + c.bucket_span_ns + c.query_delay_ns + c.rule_interval_ns));
  }
  ULNA_RETURN_IF_ERROR(job->CommitState());
  // A --state-dir is kept for later runs: make it durable, and the alerts its job state
  // counts as written. A temporary store is not, nor then is the alert file: like the store,
  // it is made again by replaying again (its fsync took ~20 ms, ~5 % of a dev1 replay).
  if (!temp) {
    ULNA_RETURN_IF_ERROR(output->Sync());
    ULNA_RETURN_IF_ERROR(store->Flush());
  }

  summary.rejected_time =
      ingest->stats().rejected[static_cast<size_t>(RejectReason::kTimeOutOfRange)].load();
  summary.job = job->stats();
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
