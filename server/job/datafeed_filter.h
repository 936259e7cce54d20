// DatafeedFilter: which network events the anomaly job looks at, like the Elastic datafeed's
// must_not clauses. Excluded events are counted by reason, never silently ignored.
// Immutable after construction; safe to share between threads.
#pragma once

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "common/event.h"
#include "server/job/job_config.h"

namespace ulna::server {

class DatafeedFilter {
 public:
  // elastic: destination.ip 127.0.0.1, 127.0.0.53, ::, ::1; user jenkins; the Elastic agent and
  //          Beats; our own agent (reference/elastic_rare.md §2.2).
  // ulna: any loopback or unspecified destination or remote end; our own agent. No user is
  //       excluded: CI noise is handled by the per-host baselines instead.
  static DatafeedFilter ForMode(DetectionMode mode);

  // nullptr when the event is kept, else a short reason ("loopback", "user", "agent").
  const char* ExclusionReason(const NetworkEvent& event) const;

 private:
  // A short list of exact names. Most names checked against it are not in it, and those are
  // told apart by their length alone (a bit per length), or else by their first 8 bytes read as
  // one number, without comparing strings.
  class NameList {
   public:
    NameList() = default;
    NameList(std::initializer_list<const char*> names);
    bool Contains(std::string_view name) const {
      return (lengths_ & LengthBit(name.size())) != 0 && Listed(name);
    }

   private:
    static uint64_t LengthBit(size_t length) { return uint64_t{1} << std::min<size_t>(length, 63); }
    // The first 8 bytes of `name`, zero-padded.
    static uint64_t Head(std::string_view name);
    bool Listed(std::string_view name) const;

    struct Entry {
      uint64_t head;  // Head(name)
      std::string name;
    };
    std::vector<Entry> entries_;
    uint64_t lengths_ = 0;  // bit n set: a name of n bytes is listed (n >= 63: bit 63)
  };

  DetectionMode mode_ = DetectionMode::kUlna;
  NameList excluded_process_names_;
  NameList excluded_users_;
};

}  // namespace ulna::server
