#include "server/replay/replay.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "common/duration.h"
#include "common/json_writer.h"
#include "common/line_reader.h"
#include "server/ingest/ingest_pipeline.h"
#include "server/store/store.h"

namespace ulna::server {
namespace {

// Events are stored in chunks of this many; the job advances between chunks.
constexpr size_t kChunkEvents = 16384;

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

  ReplaySummary summary;
  EcsEventParser parser;
  std::vector<NetworkEvent> chunk;
  chunk.reserve(kChunkEvents);
  int64_t clock = 0;  // the latest event time seen: the job's "now"
  auto flush_chunk = [&]() -> Status {
    if (chunk.empty()) return Status::Ok();
    for (const NetworkEvent& e : chunk) clock = std::max(clock, e.time_ns);
    ULNA_RETURN_IF_ERROR(ingest.StoreArchiveEvents(std::move(chunk), /*sync=*/false));
    chunk.clear();
    return job.AdvanceTo(clock);
  };

  for (const std::string& path : options.inputs) {
    auto reader = LineReader::Open(path);
    ULNA_RETURN_IF_ERROR(reader.status());
    std::string_view line;
    NetworkEvent event;
    ParseError error;
    const uint64_t line_base = summary.lines;
    while ((*reader)->Next(&line)) {
      ++summary.lines;
      if ((*reader)->oversize()) {
        summary.rejects.Add(summary.lines,
                            ParseError{RejectReason::kOversizeField, path + ": line too long"});
        continue;
      }
      if (line.empty()) continue;
      if (!parser.Parse(line, &event, &error)) {
        error.detail = path + ": " + error.detail;
        summary.rejects.Add(line_base + (*reader)->line_number(), error);
        continue;
      }
      ++summary.events;
      chunk.push_back(std::move(event));
      if (chunk.size() >= kChunkEvents) ULNA_RETURN_IF_ERROR(flush_chunk());
    }
    ULNA_RETURN_IF_ERROR((*reader)->status().WithContext(path));
    summary.bytes += (*reader)->bytes_read();
  }
  ULNA_RETURN_IF_ERROR(flush_chunk());
  // The archive is over: let every bucket that holds events close and the rule see it.
  if (clock > 0) {
    const JobConfig& c = options.job;
    ULNA_RETURN_IF_ERROR(job.AdvanceTo(clock + c.bucket_span_ns + c.query_delay_ns +
                                       c.rule_interval_ns));
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
  add("rejected: %llu lines", static_cast<unsigned long long>(s.rejects.total()));
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
  add("\njob: %llu records, %llu rule runs, %llu alerts (%llu excepted, %llu over the per-run cap)\n",
      static_cast<unsigned long long>(s.job.records),
      static_cast<unsigned long long>(s.job.rule_runs),
      static_cast<unsigned long long>(s.job.alerts),
      static_cast<unsigned long long>(s.job.alerts_excepted),
      static_cast<unsigned long long>(s.job.alerts_capped));
  return out;
}

}  // namespace ulna::server
