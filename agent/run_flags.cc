#include "agent/flag_values.h"
#include "agent/run_mode.h"
#include "common/duration.h"

namespace ulna::agent {

std::string RunUsage() {
  return "usage: ulna-agent run --server HOST:PORT --credentials DIR [--server-name NAME]\n"
         "                      [--spool-dir DIR] [--spool-max-mb N] [--batch-max-events N]\n"
         "                      [--batch-max-delay 1s] [--drain 5s] [--duration S]\n"
         "                      [--include-loopback] [--metrics-port P] [--stats]\n"
         "                      [--dedup-window S] [--ringbuf-mb N] [--no-udp]\n";
}

Result<RunOptions> ParseRunFlags(const std::vector<std::string>& args) {
  RunOptions o;
  std::vector<std::string> capture_args;  // the flags `capture` also has
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string* out) -> Status {
      if (i + 1 >= args.size()) return Status::InvalidArgument(a + ": missing value");
      *out = args[++i];
      return Status::Ok();
    };
    std::string v;
    uint64_t n = 0;
    if (a == "--server") {
      ULNA_RETURN_IF_ERROR(value(&o.server));
    } else if (a == "--server-name") {
      ULNA_RETURN_IF_ERROR(value(&o.server_name));
    } else if (a == "--credentials") {
      ULNA_RETURN_IF_ERROR(value(&o.credentials_dir));
    } else if (a == "--spool-dir") {
      ULNA_RETURN_IF_ERROR(value(&o.spool_dir));
    } else if (a == "--spool-max-mb") {
      ULNA_RETURN_IF_ERROR(value(&v));
      ULNA_RETURN_IF_ERROR(ParseCountFlag(a, v, 1, 1 << 20, &n));
      o.spool_max_bytes = n << 20;
    } else if (a == "--batch-max-events") {
      ULNA_RETURN_IF_ERROR(value(&v));
      ULNA_RETURN_IF_ERROR(ParseCountFlag(a, v, 1, 100000, &n));
      o.batch_max_events = n;
    } else if (a == "--batch-max-delay" || a == "--drain") {
      ULNA_RETURN_IF_ERROR(value(&v));
      Result<int64_t> d = ParseDuration(v);
      if (!d.ok()) return Status::InvalidArgument(a + ": " + d.status().message());
      if (a == "--drain") {
        if (*d < 0) return Status::InvalidArgument("--drain: must not be negative");
        o.drain_ms = *d / 1'000'000;
      } else {
        if (*d < 10'000'000 || *d > 3600 * kNanosPerSecond) {
          return Status::InvalidArgument("--batch-max-delay: expected 10ms..1h, got '" + v + "'");
        }
        o.batch_max_delay_ns = *d;
      }
    } else if (a == "--output" || a == "--file") {
      return Status::InvalidArgument(a + ": `run` streams to the server; use `capture` for files");
    } else {
      capture_args.push_back(a);
      // Flags of `capture` that take a value carry it along.
      if ((a == "--duration" || a == "--metrics-port" || a == "--dedup-window" ||
           a == "--ringbuf-mb") &&
          i + 1 < args.size()) {
        capture_args.push_back(args[++i]);
      }
    }
  }
  if (o.server.empty()) return Status::InvalidArgument("--server HOST:PORT is required");
  if (o.credentials_dir.empty()) return Status::InvalidArgument("--credentials DIR is required");
  Result<CaptureOptions> capture = ParseCaptureFlags(capture_args);
  if (!capture.ok()) return capture.status();
  o.capture = *capture;
  return o;
}

}  // namespace ulna::agent
