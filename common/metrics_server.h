// MetricsServer: a minimal HTTP/1.0 endpoint on 127.0.0.1 that answers every request with the
// Prometheus text produced by a callback. Loopback only: metrics reveal host activity. Runs one
// background thread; the callback is invoked on that thread and must be thread-safe.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "common/scoped_fd.h"
#include "common/status.h"

namespace ulna {

class MetricsServer {
 public:
  using Render = std::function<std::string()>;
  // Port 0 picks a free port (see port()).
  static Result<std::unique_ptr<MetricsServer>> Start(uint16_t port, Render render);
  ~MetricsServer();  // stops and joins the thread
  uint16_t port() const { return port_; }

 private:
  MetricsServer(ScopedFd listener, ScopedFd wake_read, ScopedFd wake_write, uint16_t port,
                Render render);
  void Run();

  ScopedFd listener_;
  ScopedFd wake_read_;
  ScopedFd wake_write_;
  uint16_t port_;
  Render render_;
  std::thread thread_;
};

}  // namespace ulna
