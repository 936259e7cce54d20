// UlnaScorer: scores one (host, process) bucket against the ulna baselines as a sum of
// independent evidence terms, each a log10 likelihood factor with a reason an analyst can read:
// surprise S = sum of terms, probability p = 10^-S, score = 10 * S clamped to 0-100 (the rule's
// threshold 50 is p <= 1e-5). Every term is in docs/DETECTION.md. Pure function; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "server/detect/ulna_baselines.h"
#include "server/detect/ulna_features.h"

namespace ulna::server {

// Where the activity sits in the fleet beyond the baselines (computed by the detector).
struct ScoringInput {
  const ActivityFeatures* features = nullptr;
  std::string_view host_id;  // viewed, like `features`: outlives the call
  int64_t bucket_start_ns = 0;
  bool learning = false;  // the host is in its learning period: host-scope terms are not used
  double peer_share = 0;  // share of the host's peers (hosts running a similar process set)
                          // that ran the name; the fleet share when the host has no peers
  size_t peer_count = 0;
  size_t fleet_hosts = 0;    // hosts with a baseline
  size_t rollout_hosts = 0;  // > 0: the name is spreading across this many hosts (a deployment)
  // Build each term's reason. The weights (and so the score) are the same either way; only
  // recorded activity needs the reasons.
  bool explain = true;
  // The baselines of the host, of its process name and of the name fleet-wide, when the caller
  // looked them up already (looked_up); else ScoreActivity looks them up.
  bool looked_up = false;
  const HostBaseline* host = nullptr;
  const NameBaseline* known = nullptr;
  const FleetNameBaseline* fleet = nullptr;
  // Also when looked_up: the parent name's fleet baseline (null when the parent is the process
  // itself) and how often the process name was a parent (UlnaBaselines::ParentObservations).
  const FleetNameBaseline* parent_fleet = nullptr;
  uint64_t as_parent = 0;
};

struct ScoreTerm {
  std::string_view name;  // short key, e.g. "fleet_new" (a literal)
  double weight = 0;      // log10 factor (positive: more surprising)
  std::string reason;     // empty unless the input asked to explain
};

struct UlnaScore {
  std::vector<ScoreTerm> terms;
  double surprise = 0;
  double probability = 1;
  double score = 0;
  // "+2.0 fleet_new: ..." per term, for AnomalyRecord::reasons.
  std::vector<std::string> Reasons() const;
};

UlnaScore ScoreActivity(const ScoringInput& input, const UlnaBaselines& baselines);
// The same into *score, reusing its terms' buffer (a caller scoring many activities allocates
// nothing once warm).
void ScoreActivity(const ScoringInput& input, const UlnaBaselines& baselines, UlnaScore* score);

// The surprise of a new value in a context that showed `distinct` values over `observations`
// (a Pitman-Yor new-table estimate, discount 0.5), in log10 units capped at `cap`.
double NoveltySurprise(size_t distinct, size_t observations, double cap);

}  // namespace ulna::server
