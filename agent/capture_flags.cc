#include "agent/capture.h"
#include "agent/flag_values.h"

namespace ulna::agent {

std::string CaptureUsage() {
  return "usage: ulna-agent capture --output ndjson [--file F] [--duration S]\n"
         "                          [--include-loopback] [--metrics-port P] [--stats]\n"
         "                          [--dedup-window S] [--ringbuf-mb N] [--no-udp]\n"
         "       ulna-agent probe   (print the hook set this kernel allows, then exit)\n";
}

Result<CaptureOptions> ParseCaptureFlags(const std::vector<std::string>& args) {
  CaptureOptions o;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string* out) -> Status {
      if (i + 1 >= args.size()) return Status::InvalidArgument(a + ": missing value");
      *out = args[++i];
      return Status::Ok();
    };
    std::string v;
    if (a == "--output") {
      ULNA_RETURN_IF_ERROR(value(&v));
      if (v != "ndjson") return Status::InvalidArgument("--output: only 'ndjson' is supported");
      o.output = v;
    } else if (a == "--file") {
      ULNA_RETURN_IF_ERROR(value(&o.file));
    } else if (a == "--duration") {
      ULNA_RETURN_IF_ERROR(value(&v));
      ULNA_RETURN_IF_ERROR(ParseNonNegativeFlag(a, v, &o.duration_seconds));
    } else if (a == "--include-loopback") {
      o.include_loopback = true;
    } else if (a == "--metrics-port") {
      ULNA_RETURN_IF_ERROR(value(&v));
      uint64_t port = 0;
      ULNA_RETURN_IF_ERROR(ParseCountFlag(a, v, 0, 65535, &port));
      o.metrics_port = static_cast<int>(port);
    } else if (a == "--stats") {
      o.stats = true;
    } else if (a == "--dedup-window") {
      ULNA_RETURN_IF_ERROR(value(&v));
      ULNA_RETURN_IF_ERROR(ParseNonNegativeFlag(a, v, &o.dedup_window_seconds));
    } else if (a == "--ringbuf-mb") {
      ULNA_RETURN_IF_ERROR(value(&v));
      uint64_t mb = 0;
      ULNA_RETURN_IF_ERROR(ParseCountFlag(a, v, 0, 1024, &mb));
      if (mb == 0 || (mb & (mb - 1)) != 0) {
        return Status::InvalidArgument("--ringbuf-mb: must be a power of two (1, 2, 4, ...)");
      }
      o.ringbuf_mb = static_cast<uint32_t>(mb);
    } else if (a == "--no-udp") {
      o.udp = false;
    } else {
      return Status::InvalidArgument("unknown flag '" + a + "'");
    }
  }
  return o;
}

}  // namespace ulna::agent
