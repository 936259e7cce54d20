#include "agent/netmon_loader.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/scoped_fd.h"
#include "netmon.skel.h"

namespace ulna::agent {
namespace {

struct SkeletonDeleter {
  void operator()(netmon* skel) const { netmon__destroy(skel); }
};
struct LinkDeleter {
  void operator()(bpf_link* link) const { bpf_link__destroy(link); }
};
struct RingBufferDeleter {
  void operator()(ring_buffer* rb) const { ring_buffer__free(rb); }
};

std::string ErrnoText(int err) { return std::strerror(err < 0 ? -err : err); }

}  // namespace

// Declaration order is destruction order reversed: the ring buffer and links go before the
// object they point into, and the cgroup fd last.
struct NetmonLoader::Rep {
  ScopedFd cgroup_fd;
  std::unique_ptr<netmon, SkeletonDeleter> skel;
  std::vector<std::unique_ptr<bpf_link, LinkDeleter>> links;
  std::unique_ptr<ring_buffer, RingBufferDeleter> ring;
  RecordHandler handler;
  int ncpus = 0;
};

NetmonLoader::NetmonLoader(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}
NetmonLoader::~NetmonLoader() = default;

Result<std::unique_ptr<NetmonLoader>> NetmonLoader::Open(const HookPlan& plan,
                                                         const NetmonOptions& options,
                                                         RecordHandler handler) {
  auto rep = std::make_unique<Rep>();
  rep->handler = std::move(handler);
  rep->ncpus = libbpf_num_possible_cpus();
  if (rep->ncpus <= 0) return Status::Internal("cannot count possible CPUs");

  rep->skel.reset(netmon__open());
  if (!rep->skel) return Status::Internal("netmon: open failed: " + ErrnoText(errno));
  netmon* skel = rep->skel.get();
  skel->rodata->dedup_window_ns = options.dedup_window_ns;
  skel->rodata->include_loopback = options.include_loopback ? 1 : 0;
  skel->rodata->wakeup_bytes = options.wakeup_bytes;
  if (int err = bpf_map__set_max_entries(skel->maps.events, options.ringbuf_bytes); err != 0) {
    return Status::InvalidArgument("ring buffer size " + std::to_string(options.ringbuf_bytes) +
                                   ": " + ErrnoText(err));
  }
  bpf_map__set_max_entries(skel->maps.dedup, options.dedup_entries);

  bpf_program* accept_progs[] = {skel->progs.handle_accept4_exit,
                                 skel->progs.handle_accept_exit_tp};
  bpf_program* udp_progs[] = {skel->progs.udp_connect4, skel->progs.udp_connect6,
                              skel->progs.udp_sendmsg4, skel->progs.udp_sendmsg6,
                              skel->progs.udp_recvmsg4, skel->progs.udp_recvmsg6};
  for (bpf_program* p : accept_progs) bpf_program__set_autoload(p, plan.tcp_accept);
  for (bpf_program* p : udp_progs) bpf_program__set_autoload(p, plan.udp);

  if (int err = netmon__load(skel); err != 0) {
    return Status::FailedPrecondition("netmon: load failed (" + ErrnoText(err) +
                                      "); the verifier log above says why");
  }

  auto loader = std::unique_ptr<NetmonLoader>(new NetmonLoader(std::move(rep)));
  Rep& r = *loader->rep_;
  loader->ringbuf_bytes_ = options.ringbuf_bytes;

  auto attach = [&](bpf_program* prog, const std::string& what) -> Status {
    bpf_link* link = bpf_program__attach(prog);
    if (link == nullptr) {
      return Status::FailedPrecondition("attach " + what + ": " + ErrnoText(errno));
    }
    r.links.emplace_back(link);
    loader->attached_.push_back(what);
    return Status::Ok();
  };
  ULNA_RETURN_IF_ERROR(attach(skel->progs.handle_tcp_state, "tracepoint sock:inet_sock_set_state"));
  ULNA_RETURN_IF_ERROR(attach(skel->progs.handle_exec, "tracepoint sched:sched_process_exec"));
  ULNA_RETURN_IF_ERROR(attach(skel->progs.handle_newtask, "tracepoint task:task_newtask"));
  ULNA_RETURN_IF_ERROR(attach(skel->progs.handle_exit, "tracepoint sched:sched_process_exit"));
  if (plan.tcp_accept) {
    ULNA_RETURN_IF_ERROR(
        attach(skel->progs.handle_accept4_exit, "tracepoint syscalls:sys_exit_accept4"));
    ULNA_RETURN_IF_ERROR(
        attach(skel->progs.handle_accept_exit_tp, "tracepoint syscalls:sys_exit_accept"));
  }
  if (plan.udp) {
    r.cgroup_fd = ScopedFd(::open(plan.cgroup2_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!r.cgroup_fd.valid()) {
      return Status::FailedPrecondition("open cgroup " + plan.cgroup2_path + ": " +
                                        ErrnoText(errno));
    }
    for (bpf_program* p : udp_progs) {
      // Attached with BPF_F_ALLOW_MULTI by libbpf's link API: other programs on the root stay.
      bpf_link* link = bpf_program__attach_cgroup(p, r.cgroup_fd.get());
      if (link == nullptr) {
        return Status::FailedPrecondition(std::string("attach cgroup/") + bpf_program__name(p) +
                                          " to " + plan.cgroup2_path + ": " + ErrnoText(errno));
      }
      r.links.emplace_back(link);
      loader->attached_.push_back(std::string("cgroup_sock_addr ") + bpf_program__name(p) + " on " +
                                  plan.cgroup2_path);
    }
  }

  auto on_record = [](void* ctx, void* data, size_t size) -> int {
    static_cast<Rep*>(ctx)->handler(data, size);
    return 0;
  };
  r.ring.reset(ring_buffer__new(bpf_map__fd(skel->maps.events), on_record, &r, nullptr));
  if (!r.ring) return Status::Internal("ring buffer: " + ErrnoText(errno));
  return loader;
}

Result<int> NetmonLoader::Poll(int timeout_ms) {
  int n = ring_buffer__poll(rep_->ring.get(), timeout_ms);
  if (n == -EINTR) return 0;
  if (n < 0) return Status::IoError("ring buffer poll: " + ErrnoText(n));
  // With wakeups batched, a timed-out poll has not looked at the ring: drain it now.
  if (n == 0) return Consume();
  return n;
}

Result<int> NetmonLoader::Consume() {
  int n = ring_buffer__consume(rep_->ring.get());
  if (n == -EINTR) return 0;
  if (n < 0) return Status::IoError("ring buffer consume: " + ErrnoText(n));
  return n;
}

Result<KernelCounters> NetmonLoader::ReadCounters() const {
  KernelCounters total{};
  std::vector<uint64_t> per_cpu(static_cast<size_t>(rep_->ncpus));
  int fd = bpf_map__fd(rep_->skel->maps.counters);
  for (uint32_t slot = 0; slot < NETMON_CNT__COUNT; ++slot) {
    if (bpf_map_lookup_elem(fd, &slot, per_cpu.data()) != 0) {
      return Status::IoError("read counters: " + ErrnoText(errno));
    }
    for (uint64_t v : per_cpu) {
      if (slot == NETMON_CNT_RB_FILL_BYTES) {
        total[slot] = std::max(total[slot], v);
      } else {
        total[slot] += v;
      }
    }
  }
  return total;
}

}  // namespace ulna::agent
