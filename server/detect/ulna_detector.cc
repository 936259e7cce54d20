#include "server/detect/ulna_detector.h"

#include <algorithm>

#include "common/byte_codec.h"
#include "common/duration.h"

namespace ulna::server {
namespace {

const char kStateKey[] = "model/ulna/d/state";
constexpr uint64_t kStateVersion = 1;
constexpr uint64_t kMaxEntries = 1 << 20;

void PutSet(ByteWriter& w, const std::set<std::string>& values) {
  w.Varint(values.size());
  for (const std::string& v : values) w.String(v);
}

}  // namespace

UlnaDetector::UlnaDetector(UlnaDetectorOptions options) : options_(options) {}

Status UlnaDetector::Load(const Store& store) {
  ULNA_RETURN_IF_ERROR(baselines_.Load(store));
  auto state = store.Get(Family::kMeta, kStateKey);
  if (state.ok()) {
    const Status decoded = DecodeState(*state);
    IndexPeers();
    return decoded;
  }
  if (state.status().code() != Status::Code::kNotFound) return state.status();
  return Status::Ok();
}

void UlnaDetector::RefreshPeers(int64_t bucket_start_ns) {
  const int64_t day = UtcDayStart(bucket_start_ns);
  if (day == peers_day_ns_) return;
  // Peers are recomputed once a day, from process sets that change slowly; the same day gives
  // the same peers before and after a restart because they are persisted with the state.
  peers_day_ns_ = day;
  peers_.clear();
  std::vector<const std::pair<const std::string, HostBaseline>*> hosts;
  for (const auto& entry : baselines_.hosts()) hosts.push_back(&entry);
  // Each host's names as bits of name ids (the names' ranks in the fleet's sorted list), so that
  // the names two hosts share are counted by popcount, not by merging their maps of strings.
  // Temporary: hosts x fleet names bits.
  std::vector<std::string_view> fleet_names;
  fleet_names.reserve(baselines_.fleet_names().size());
  for (const auto& entry : baselines_.fleet_names()) fleet_names.push_back(entry.first);
  std::map<std::string_view, uint32_t> unlisted;  // names of a host missing from the fleet's list
  const size_t n = hosts.size();
  std::vector<HostBits> name_bits(n);
  for (size_t i = 0; i < n; ++i) {
    // The host's names are sorted too: each is searched for after the previous one.
    auto from = fleet_names.begin();
    for (const auto& [name, baseline] : hosts[i]->second.names) {
      from = std::lower_bound(from, fleet_names.end(), name);
      uint32_t id;
      if (from != fleet_names.end() && *from == name) {
        id = static_cast<uint32_t>(from - fleet_names.begin());
      } else {
        id = unlisted.try_emplace(name, fleet_names.size() + unlisted.size()).first->second;
      }
      SetHostBit(&name_bits[i], id);
    }
  }
  // The names two hosts share, counted once per pair.
  std::vector<size_t> common(n * n, 0);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = i + 1; j < n; ++j) {
      common[i * n + j] = common[j * n + i] = CommonHosts(name_bits[i], name_bits[j]);
    }
  }
  for (size_t i = 0; i < n; ++i) {
    std::vector<std::string>& peers = peers_[hosts[i]->first];
    for (size_t j = 0; j < n; ++j) {
      if (j == i) continue;
      const size_t shared = common[i * n + j];
      const size_t all = hosts[i]->second.names.size() + hosts[j]->second.names.size() - shared;
      if (all > 0 && static_cast<double>(shared) / all >= options_.peer_min_similarity) {
        peers.push_back(hosts[j]->first);
      }
    }
  }
  state_dirty_ = true;
  IndexPeers();
}

void UlnaDetector::IndexPeers() {
  peer_bits_.clear();
  for (const auto& [id, peers] : peers_) {
    const uint32_t index = baselines_.HostIndex(id);
    if (peer_bits_.size() <= index) peer_bits_.resize(index + 1);
    PeerBits& bits = peer_bits_[index];
    bits.listed = true;
    bits.count = peers.size();
    for (const std::string& peer : peers) SetHostBit(&bits.bits, baselines_.HostIndex(peer));
    // A repeated id (only in a state not written by this code) is counted by the list alone.
    bits.exact = CommonHosts(bits.bits, bits.bits) == peers.size();
  }
}

double UlnaDetector::PeerShare(const HostBaseline* host, const std::string& host_id,
                               const FleetNameBaseline* fleet, size_t* peer_count) {
  const uint32_t index = host != nullptr ? host->index : baselines_.HostIndex(host_id);
  const PeerBits* peers = index < peer_bits_.size() ? &peer_bits_[index] : nullptr;
  if (peers == nullptr || !peers->listed || peers->count == 0) {
    *peer_count = 0;
    const size_t hosts = baselines_.hosts().size();
    return fleet == nullptr || hosts == 0 ? 0 : static_cast<double>(fleet->hosts.size()) / hosts;
  }
  *peer_count = peers->count;
  if (fleet == nullptr) return 0;
  size_t running = 0;
  if (peers->exact) {
    running = CommonHosts(peers->bits, fleet->host_bits);
  } else {
    for (const std::string& peer : peers_.find(host_id)->second)
      running += fleet->hosts.count(peer);
  }
  return static_cast<double>(running) / peers->count;
}

void UlnaDetector::TrackRollouts(const BucketActivity& bucket,
                                 const std::vector<GroupBaselines>& found) {
  const int64_t now = bucket.start_ns();
  for (size_t i = 0; i < bucket.groups().size(); ++i) {
    const ProcessActivity& group = bucket.groups()[i];
    // A learning host's new names are its baseline being learnt, not a deployment.
    const HostBaseline* host = found[i].host;
    if (host == nullptr || now - host->first_bucket_ns < options_.learning_period_ns) continue;
    if (found[i].known != nullptr) continue;
    recent_joins_[group.process_name][group.host.id] = now;
    state_dirty_ = true;
  }
  for (auto name_it = recent_joins_.begin(); name_it != recent_joins_.end();) {
    auto& joins = name_it->second;
    std::erase_if(
        joins, [&](const auto& entry) { return entry.second <= now - options_.rollout_window_ns; });
    if (joins.size() >= options_.rollout_min_hosts) {
      Rollout& rollout = rollouts_[name_it->first];
      for (const auto& [host, when] : joins) {
        if (when == now) rollout.last_join_ns = now;
        rollout.hosts.insert(host);
      }
    }
    name_it = joins.empty() ? recent_joins_.erase(name_it) : std::next(name_it);
  }
  std::erase_if(rollouts_, [&](const auto& entry) {
    return entry.second.last_join_ns <= now - options_.rollout_idle_ns;
  });
}

std::vector<AnomalyRecord> UlnaDetector::ScoreBucket(const BucketActivity& bucket,
                                                     const HistoryIndex& history,
                                                     const BucketFacts& facts) {
  (void)history;  // the ulna baselines carry their own, richer history
  std::vector<AnomalyRecord> records;
  if (bucket.groups().empty()) return records;
  const int64_t now = bucket.start_ns();
  RefreshPeers(now);
  // The baselines do not change until every group is scored: each group's are looked up once.
  std::vector<GroupBaselines>& found = group_baselines_scratch_;
  found.clear();
  for (const ProcessActivity& g : bucket.groups()) {
    GroupBaselines& lookup = found.emplace_back();
    lookup.entries = baselines_.Find(g.host.id, g.process_name);
    if (lookup.entries.host != nullptr) lookup.host = &lookup.entries.host->second;
    if (lookup.entries.name != nullptr) lookup.known = &lookup.entries.name->second;
  }
  TrackRollouts(bucket, found);

  // Reused: the features' strings keep their buffers from one bucket to the next.
  std::vector<ActivityFeatures>& features = features_scratch_;
  if (features.size() < bucket.groups().size()) features.resize(bucket.groups().size());
  // Groups come sorted by name: what depends on the name alone is looked up once per name. Their
  // parents mostly repeat the previous group's, whose fleet entry is then reused.
  const FleetNameBaseline* fleet = nullptr;
  uint64_t as_parent = 0;
  const FleetNameBaseline* parent_fleet = nullptr;
  const ActivityFeatures* parent_of = nullptr;  // the features parent_fleet was looked up for
  UlnaScore& score = score_scratch_;
  for (size_t i = 0; i < bucket.groups().size(); ++i) {
    const ProcessActivity& g = bucket.groups()[i];
    ExtractFeatures(g, &features[i], i == 0 ? nullptr : &features[i - 1]);
    const ActivityFeatures& f = features[i];
    const HostBaseline* host = found[i].host;
    const bool known_on_host = found[i].known != nullptr;
    if (i == 0 || bucket.NameIndex(i) != bucket.NameIndex(i - 1)) {
      const UlnaBaselines::FleetNameFacts facts = baselines_.FindFleetName(f.name);
      fleet = facts.fleet;
      as_parent = facts.as_parent;
    }
    if (f.parent_name == f.name) {
      // Not needed: a process started by its own name has no server parent.
    } else if (parent_of == nullptr || parent_of->parent_name != f.parent_name) {
      parent_fleet = baselines_.FindFleetName(f.parent_name).fleet;
      parent_of = &f;
    }

    ScoringInput input;
    input.features = &f;
    input.host_id = g.host.id;
    input.bucket_start_ns = now;
    input.learning = host == nullptr || now - host->first_bucket_ns < options_.learning_period_ns;
    input.peer_share = PeerShare(host, g.host.id, fleet, &input.peer_count);
    input.fleet_hosts = baselines_.hosts().size();
    input.looked_up = true;
    input.host = host;
    input.known = found[i].known;
    input.fleet = fleet;
    input.parent_fleet = f.parent_name == f.name ? nullptr : parent_fleet;
    input.as_parent = as_parent;
    auto rollout = rollouts_.find(f.name);
    const bool in_rollout =
        !known_on_host && rollout != rollouts_.end() && rollout->second.hosts.count(g.host.id) > 0;
    if (in_rollout) input.rollout_hosts = rollout->second.hosts.size();
    // Scored without reasons; the few records kept are scored again to explain them.
    input.explain = false;
    ScoreActivity(input, baselines_, &score);

    // One record per (host, process, episode): the first one worth keeping, and once more if the
    // episode later crosses the alert threshold. A rollout gets one grouped record in total.
    // An untracked (host, process) is an episode that has not started: an entry is made only
    // for one that starts.
    auto episode_it = episodes_.find(EpisodeView(g.host.id, f.name));
    Episode untracked;
    Episode& episode = episode_it == episodes_.end() ? untracked : episode_it->second;
    const bool ongoing =
        episode.last_active_ns != 0 && episode.last_active_ns > now - options_.episode_quiet_ns;
    if (!ongoing) episode.max_score = 0;
    bool emit;
    if (in_rollout) {
      emit = !rollout->second.recorded;
      rollout->second.recorded = true;
    } else if (score.score < options_.record_min_score) {
      emit = false;
    } else if (!ongoing || episode.max_score == 0) {
      emit = true;
    } else {
      emit = score.score >= options_.alert_score && episode.max_score < options_.alert_score;
    }
    const bool tracked = ongoing || emit;
    if (tracked) {
      Episode& kept =
          episode_it != episodes_.end()
              ? episode
              : episodes_.emplace(std::make_pair(g.host.id, f.name), episode).first->second;
      kept.last_active_ns = now;
      state_dirty_ = true;
      if (emit) kept.max_score = std::max(kept.max_score, score.score);
    } else if (episode_it != episodes_.end()) {
      episodes_.erase(episode_it);
    }
    if (!emit) continue;
    input.explain = true;
    ScoreActivity(input, baselines_, &score);

    AnomalyRecord record;
    record.host = g.host;
    record.process_name = f.name;
    record.process_executable = f.executable;
    record.probability = score.probability;
    record.score = score.score;
    record.reasons = score.Reasons();
    record.context = BuildContext(g);
    if (in_rollout) {
      // Grouped: below the alert threshold whatever the terms say, naming the spread.
      record.score = std::min(record.score, options_.record_min_score);
      record.other_hosts = static_cast<uint32_t>(rollout->second.hosts.size() - 1);
      record.reasons.insert(record.reasons.begin(),
                            "rollout: '" + f.name + "' became new on " +
                                std::to_string(rollout->second.hosts.size()) +
                                " hosts within hours; one grouped record for all of them");
    } else {
      record.other_hosts = static_cast<uint32_t>(bucket.HostCount(f.name) - 1);
    }
    if (facts.hosts_with_capture_loss.count(g.host.id) > 0) {
      record.context.capture_drops = true;
      record.reasons.push_back(
          "the agent reported capture drops in this bucket: activity may be missing");
    }
    records.push_back(std::move(record));
  }
  // Episodes that went quiet are over; drop them so the state stays bounded.
  std::erase_if(episodes_, [&](const auto& entry) {
    return entry.second.last_active_ns <= now - options_.episode_quiet_ns;
  });

  // Baselines learn the bucket after it is scored.
  // Each (parent, host) pair counts once (in any order: only the counts are kept). Parents are
  // numbered by hash for the bucket (views of its strings), so that pairs are integers to sort;
  // a group's events mostly repeat one parent, so pairs are made distinct within a group first.
  // Each parent is then counted with one lookup for all its hosts.
  parent_ids_.Clear();
  parent_names_.clear();
  std::vector<uint64_t>& pairs = parent_pairs_;
  pairs.clear();
  for (size_t i = 0; i < bucket.groups().size(); ++i) {
    const ProcessActivity& g = bucket.groups()[i];
    baselines_.Observe(now, g.host, features[i], found[i].entries);
    const uint32_t host_index =
        found[i].host != nullptr ? found[i].host->index : baselines_.HostIndex(g.host.id);
    const size_t group_start = pairs.size();
    const EventString* previous = nullptr;
    for (const NetworkEvent* e : g.events) {
      const EventString& parent = e->process.parent_name;
      if (previous != nullptr && parent == *previous) continue;
      previous = &parent;
      bool inserted = false;
      const uint32_t id = parent_ids_.FindOrInsert(
          HashBytes(parent), static_cast<uint32_t>(parent_names_.size()),
          [&](uint32_t candidate) { return parent_names_[candidate] == parent; }, &inserted);
      if (inserted) parent_names_.push_back(parent);
      const uint64_t pair = uint64_t{id} << 32 | host_index;
      if (std::find(pairs.begin() + group_start, pairs.end(), pair) == pairs.end()) {
        pairs.push_back(pair);
      }
    }
  }
  std::sort(pairs.begin(), pairs.end());
  pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
  for (size_t run = 0; run < pairs.size();) {
    const uint64_t parent = pairs[run] >> 32;
    size_t end = run + 1;
    while (end < pairs.size() && pairs[end] >> 32 == parent) ++end;
    baselines_.ObserveParent(parent_names_[parent], end - run);
    run = end;
  }
  return records;
}

std::string UlnaDetector::EncodeState() const {
  std::string out;
  ByteWriter w(&out);
  w.Varint(kStateVersion);
  w.SignedVarint(peers_day_ns_);
  w.Varint(peers_.size());
  for (const auto& [host, peers] : peers_) {
    w.String(host);
    w.Varint(peers.size());
    for (const std::string& p : peers) w.String(p);
  }
  w.Varint(episodes_.size());
  for (const auto& [key, episode] : episodes_) {
    w.String(key.first);
    w.String(key.second);
    w.SignedVarint(episode.last_active_ns);
    w.Double(episode.max_score);
  }
  w.Varint(recent_joins_.size());
  for (const auto& [name, joins] : recent_joins_) {
    w.String(name);
    w.Varint(joins.size());
    for (const auto& [host, when] : joins) {
      w.String(host);
      w.SignedVarint(when);
    }
  }
  w.Varint(rollouts_.size());
  for (const auto& [name, rollout] : rollouts_) {
    w.String(name);
    w.SignedVarint(rollout.last_join_ns);
    PutSet(w, rollout.hosts);
    w.Varint(rollout.recorded ? 1 : 0);
  }
  return out;
}

Status UlnaDetector::DecodeState(std::string_view bytes) {
  ByteReader r(bytes);
  if (r.Varint() != kStateVersion) return Status::InvalidArgument("unknown ulna detector state");
  peers_day_ns_ = r.SignedVarint();
  peers_.clear();
  for (uint64_t n = r.Count(kMaxEntries), i = 0; i < n && r.ok(); ++i) {
    std::vector<std::string>& peers = peers_[r.String()];
    for (uint64_t m = r.Count(kMaxEntries), j = 0; j < m && r.ok(); ++j)
      peers.push_back(r.String());
  }
  episodes_.clear();
  for (uint64_t n = r.Count(kMaxEntries), i = 0; i < n && r.ok(); ++i) {
    std::string host = r.String();
    std::string name = r.String();
    Episode& episode = episodes_[{std::move(host), std::move(name)}];
    episode.last_active_ns = r.SignedVarint();
    episode.max_score = r.Double();
  }
  recent_joins_.clear();
  for (uint64_t n = r.Count(kMaxEntries), i = 0; i < n && r.ok(); ++i) {
    auto& joins = recent_joins_[r.String()];
    for (uint64_t m = r.Count(kMaxEntries), j = 0; j < m && r.ok(); ++j) {
      std::string host = r.String();
      joins[std::move(host)] = r.SignedVarint();
    }
  }
  rollouts_.clear();
  for (uint64_t n = r.Count(kMaxEntries), i = 0; i < n && r.ok(); ++i) {
    Rollout& rollout = rollouts_[r.String()];
    rollout.last_join_ns = r.SignedVarint();
    for (uint64_t m = r.Count(kMaxEntries), j = 0; j < m && r.ok(); ++j) {
      rollout.hosts.insert(r.String());
    }
    rollout.recorded = r.Varint() != 0;
  }
  if (!r.ok() || !r.done()) return Status::InvalidArgument("corrupt ulna detector state");
  return Status::Ok();
}

void UlnaDetector::Persist(WriteGroup* group) {
  baselines_.Persist(group);
  if (!state_dirty_) return;
  group->Put(Family::kMeta, kStateKey, EncodeState());
  state_dirty_ = false;
}

}  // namespace ulna::server
