#include "agent/capture.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "agent/capture_runtime.h"
#include "common/ecs_codec.h"
#include "common/metrics_server.h"

namespace ulna::agent {
namespace {

struct FileCloser {
  void operator()(FILE* f) const { std::fclose(f); }
};

// Writes one NDJSON line per event; flushed between polls. Capture thread only.
class NdjsonWriter {
 public:
  explicit NdjsonWriter(FILE* out) : out_(out) {}

  bool Write(const NetworkEvent& event) {
    line_.clear();
    AppendEcsEvent(event, &line_);
    line_ += '\n';
    if (std::fwrite(line_.data(), 1, line_.size(), out_) != line_.size()) return false;
    ++unflushed_;
    return true;
  }
  // Returns the lines lost when the flush fails.
  uint64_t Flush() {
    uint64_t lost = 0;
    if (std::fflush(out_) != 0) {
      std::fprintf(stderr, "ulna-agent: output flush failed: %s\n", std::strerror(errno));
      lost = unflushed_;
    }
    unflushed_ = 0;
    return lost;
  }

 private:
  FILE* out_;
  std::string line_;
  uint64_t unflushed_ = 0;
};

}  // namespace

int RunCapture(const CaptureOptions& options) {
  Result<HookPlan> plan = ProbeAndReport(options);
  if (!plan.ok()) {
    std::fprintf(stderr, "ulna-agent: %s\n", plan.status().message().c_str());
    return 1;
  }
  if (options.probe_only) return 0;

  std::unique_ptr<FILE, FileCloser> owned_out;
  FILE* out = stdout;
  if (!options.file.empty()) {
    owned_out.reset(std::fopen(options.file.c_str(), "we"));
    if (!owned_out) {
      std::fprintf(stderr, "ulna-agent: cannot open %s: %s\n", options.file.c_str(),
                   std::strerror(errno));
      return 1;
    }
    out = owned_out.get();
  }
  NdjsonWriter writer(out);
  Result<std::unique_ptr<CaptureRuntime>> runtime = CaptureRuntime::Start(
      options, *plan, [&writer](NetworkEvent&& event) { return writer.Write(event); });
  if (!runtime.ok()) {
    std::fprintf(stderr, "ulna-agent: %s\n", runtime.status().ToString().c_str());
    return 1;
  }
  CaptureRuntime* rt = runtime->get();

  std::unique_ptr<MetricsServer> metrics;
  if (options.metrics_port >= 0) {
    Result<std::unique_ptr<MetricsServer>> server =
        MetricsServer::Start(static_cast<uint16_t>(options.metrics_port),
                             [rt] { return RenderPrometheus(rt->Snapshot()); });
    if (!server.ok()) {
      std::fprintf(stderr, "ulna-agent: %s\n", server.status().ToString().c_str());
      return 1;
    }
    metrics = std::move(server.value());
    std::fprintf(stderr, "ulna-agent: metrics on http://127.0.0.1:%u/metrics\n", metrics->port());
  }
  std::fprintf(stderr, "ulna-agent: capturing\n");

  Status ran = rt->Run([&](int64_t) { rt->session().AddWriteErrors(writer.Flush()); });
  int rc = 0;
  if (!ran.ok()) {
    std::fprintf(stderr, "ulna-agent: %s\n", ran.ToString().c_str());
    rc = 1;
  }
  metrics.reset();
  if (options.stats) {
    std::fprintf(stderr, "%s", RenderSummary(rt->Snapshot(), rt->elapsed_seconds()).c_str());
  }
  runtime->reset();  // detaches every program
  std::fprintf(stderr, "ulna-agent: detached\n");
  return rc;
}

}  // namespace ulna::agent
