// UlnaDetector: the "ulna" detection mode. Scores every (host, process) of a bucket against the
// per-host, peer-group and fleet baselines (UlnaScorer), then controls noise: hosts in their
// learning period lean on fleet priors, a name spreading to many hosts within hours is one grouped
// rollout record, a rare job back on its cadence is not new, and an ongoing episode of one
// (host, process) yields one record (and so one alert), not one per bucket. Capture drops reported
// by the agent are marked on the record. All state is persisted through the Store so a restarted
// server scores identically. Not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/hash_index.h"
#include "server/detect/detector.h"
#include "server/detect/ulna_baselines.h"
#include "server/detect/ulna_scorer.h"

namespace ulna::server {

struct UlnaDetectorOptions {
  int64_t learning_period_ns = 2 * 24 * 3600 * 1'000'000'000LL;
  // An episode of a (host, process) ends after this long without activity.
  int64_t episode_quiet_ns = 24 * 3600 * 1'000'000'000LL;
  // A rollout: the name became new on at least `rollout_min_hosts` hosts within the window...
  int64_t rollout_window_ns = 6 * 3600 * 1'000'000'000LL;
  size_t rollout_min_hosts = 3;
  // ... and it is over once no host joined for this long.
  int64_t rollout_idle_ns = 24 * 3600 * 1'000'000'000LL;
  // Records below this score are not kept (they explain nothing an analyst would look at).
  double record_min_score = 30;
  double alert_score = 50;  // the rule's threshold: one record per episode reaches it at most once
  double peer_min_similarity = 0.6;  // Jaccard of baseline process sets for two hosts to be peers
};

class UlnaDetector : public Detector {
 public:
  explicit UlnaDetector(UlnaDetectorOptions options = {});
  DetectionMode mode() const override { return DetectionMode::kUlna; }
  Status Load(const Store& store) override;
  std::vector<AnomalyRecord> ScoreBucket(const BucketActivity& bucket, const HistoryIndex& history,
                                         const BucketFacts& facts) override;
  void Persist(WriteGroup* group) override;

  const UlnaBaselines& baselines() const { return baselines_; }

 private:
  struct Episode {
    int64_t last_active_ns = 0;
    double max_score = 0;  // highest score recorded in the episode
  };
  // Episodes are keyed by (host id, name) and looked up by views of the bucket's strings.
  using EpisodeView = std::pair<std::string_view, std::string_view>;
  struct EpisodeLess {
    using is_transparent = void;
    bool operator()(EpisodeView a, EpisodeView b) const { return a < b; }
  };
  struct Rollout {
    int64_t last_join_ns = 0;
    std::set<std::string> hosts;
    bool recorded = false;
  };

  // peers_ of one host as bits of host indexes, to count shares without searching id sets.
  struct PeerBits {
    bool listed = false;  // peers_ has the host (perhaps with no peers)
    bool exact = false;   // the bits count peers_'s list (no repeated ids)
    size_t count = 0;     // peers_'s list size
    HostBits bits;
  };
  // What ScoreBucket looks up once per group: the host's baseline and its name's.
  struct GroupBaselines {
    UlnaBaselines::Found entries;  // for Observe
    const HostBaseline* host = nullptr;
    const NameBaseline* known = nullptr;  // the group's name on the host
  };

  void RefreshPeers(int64_t bucket_start_ns);
  // peer_bits_ from peers_.
  void IndexPeers();
  double PeerShare(const HostBaseline* host, const std::string& host_id,
                   const FleetNameBaseline* fleet, size_t* peers);
  // Tracks hosts on which names are new; returns the names in (or starting) a rollout.
  void TrackRollouts(const BucketActivity& bucket, const std::vector<GroupBaselines>& found);
  std::string EncodeState() const;
  Status DecodeState(std::string_view bytes);

  UlnaDetectorOptions options_;
  UlnaBaselines baselines_;
  std::map<std::string, std::vector<std::string>> peers_;  // host id -> peer host ids
  std::vector<PeerBits> peer_bits_;                        // by host index
  int64_t peers_day_ns_ = -1;                              // day the peers were computed
  std::map<std::pair<std::string, std::string>, Episode, EpisodeLess> episodes_;  // (host, name)
  // Hosts a name was new on recently: name -> (host id -> bucket).
  std::map<std::string, std::map<std::string, int64_t>> recent_joins_;
  std::map<std::string, Rollout> rollouts_;
  bool state_dirty_ = false;
  // Scratch of ScoreBucket, reused across buckets: the bucket's parent names numbered by hash
  // (views of its strings) and its (parent number, host index) pairs.
  HashIndex parent_ids_;
  std::vector<std::string_view> parent_names_;
  std::vector<uint64_t> parent_pairs_;
  std::vector<GroupBaselines> group_baselines_scratch_;  // by group
  std::vector<ActivityFeatures> features_scratch_;       // by group
  UlnaScore score_scratch_;                              // its terms' buffer reused
};

}  // namespace ulna::server
