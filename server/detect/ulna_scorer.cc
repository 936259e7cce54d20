#include "server/detect/ulna_scorer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "common/duration.h"

namespace ulna::server {
namespace {

// Weights (log10 likelihood factors). Chosen by reasoning about how often each fact holds for
// benign activity compared with an intrusion, not fitted to any scenario; see docs/DETECTION.md.
constexpr double kUnusualPath = 3.0;     // executable in /tmp, /dev/shm, a hidden dir, deleted
constexpr double kFleetNew = 2.0;        // no host used the network with this name before
constexpr double kHostNewMax = 2.0;      // new on the host, scaled down by peer/fleet share
constexpr double kLearning = -1.0;       // host still learning: its novelty means little
constexpr double kMaxChurn = 1.5;        // cap of the host-stability term
constexpr double kContextCap = 3.0;      // cap of a launch-context novelty surprise
constexpr double kNewContext = 1.0;      // (user, parent) never launched a network process
constexpr double kServiceAccount = 1.5;  // a one-program account runs a new program
constexpr double kFirstExternal = 1.0;   // ... and reaches outside for the first time
constexpr double kNewUserNotInit = 1.0;  // a user new to the host, started by a program
constexpr double kBehaviourNewOnHost = 1.0;
constexpr double kBehaviourFleetScale = 1.5;
constexpr double kNameFirstExternalHost = 1.0;
constexpr double kNewExecutable = 1.0;
constexpr double kKnownFleetExecutable = 0.3;
constexpr double kNewUserForName = 0.7;
constexpr double kCadence = -2.0;
constexpr double kServerParent = 1.5;
constexpr double kLauncherConnects = 1.0;
constexpr double kNameFirstExternalFleet = 1.0;
constexpr double kPortFleetNew = 1.5;
constexpr double kPortFleetRare = 0.8;
constexpr size_t kRarePortHosts = 2;
constexpr double kIngressOnly = -1.0;

// A service account runs at most this many programs and was active on at least this many days.
constexpr size_t kServiceAccountMaxNames = 2;
constexpr uint32_t kServiceAccountMinDays = 3;
// A name returning after this long on its weekday / day of month is on its cadence...
constexpr int64_t kCadenceGapNs = 3 * kNanosPerDay;
// ... if it is a rare job (at most this many buckets on the host).
constexpr uint32_t kCadenceMaxBuckets = 8;
// A launcher (shell, interpreter) is seen as a parent this many times more than as a network actor.
constexpr uint64_t kLauncherRatio = 5;
constexpr uint64_t kLauncherMinParent = 20;

std::string Format(const char* format, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), format, value);
  return buffer;
}

// The terms found; their reasons (strings, the costliest part of scoring) are built only when
// asked to explain, since most scored activity is not recorded.
// Fills a caller's vector (emptied first), so that its buffer serves one scoring after another.
class TermList {
 public:
  TermList(bool explain, std::vector<ScoreTerm>* terms) : explain_(explain), terms_(*terms) {
    terms_.clear();
  }
  // `reason` is a callable returning the reason, called only when explaining.
  template <typename Reason>
  void Add(const char* name, double weight, Reason&& reason) {
    terms_.push_back(ScoreTerm{name, weight, explain_ ? std::string(reason()) : std::string()});
  }
  bool Has(std::string_view prefix) const {
    return std::any_of(terms_.begin(), terms_.end(),
                       [&](const ScoreTerm& t) { return t.name.starts_with(prefix); });
  }

 private:
  bool explain_;
  std::vector<ScoreTerm>& terms_;
};

// How often this host gains network process names after its first day: a workstation or a
// bastion does, a database server does not.
void AddHostChurn(const HostBaseline& host, int64_t now, TermList* terms) {
  size_t late = 0;
  for (const auto& [name, baseline] : host.names) {
    if (baseline.first_bucket_ns >= host.first_bucket_ns + kNanosPerDay) ++late;
  }
  const double days = static_cast<double>(now - host.first_bucket_ns) / kNanosPerDay;
  const double rate = (late + 0.5) / (days + 1);
  const double weight = std::min(kMaxChurn, std::max(0.0, -std::log10(rate)));
  terms->Add("host_stability", weight, [&] {
    return "the host gained " + std::to_string(late) +
           " new network program(s) after its first "
           "day in " +
           Format("%.1f", days) + " days";
  });
}

void AddLaunchContext(const ScoringInput& in, const HostBaseline& host,
                      const UlnaBaselines& baselines, TermList* terms) {
  const ActivityFeatures& f = *in.features;
  auto user_it = host.users.find(f.user);
  if (user_it == host.users.end()) {
    const FleetUserBaseline* fleet_user = baselines.FleetUser(f.user);
    if (fleet_user != nullptr && fleet_user->names.count(f.name) == 0) {
      const size_t distinct = fleet_user->names.size();
      terms->Add("fleet_user_context", NoveltySurprise(distinct, fleet_user->buckets, kContextCap),
                 [&] {
                   return "user '" + f.user + "' is new here; across the fleet it ran " +
                          std::to_string(distinct) + " other program(s), never this one";
                 });
      if (distinct <= kServiceAccountMaxNames) {
        terms->Add("service_account_fleet", kServiceAccount, [&] {
          return "'" + f.user + "' is a service account fleet-wide (runs " +
                 *fleet_user->names.begin() + ")";
        });
      }
    } else {
      terms->Add("new_user", 0, [&] { return "user '" + f.user + "' is new on this host"; });
    }
    if (!f.parent_is_init) {
      terms->Add("new_user_not_init", kNewUserNotInit, [&] {
        return "the new user's program was started by '" + f.parent_name +
               "', not by the service manager";
      });
    }
    return;
  }
  const UserBaseline& user = user_it->second;
  auto context = host.contexts.find(LaunchContextKey(f.user, f.parent_name));
  if (context == host.contexts.end()) {
    terms->Add("new_launch_context",
               NoveltySurprise(user.names.size(), user.buckets, kContextCap) + kNewContext, [&] {
                 return "'" + f.parent_name + "' never started a network program as '" + f.user +
                        "' here; the user ran " + std::to_string(user.names.size()) +
                        " program(s) in " + std::to_string(user.buckets) + " buckets";
               });
  } else {
    terms->Add("launch_context",
               NoveltySurprise(context->second.names.size(), context->second.buckets, kContextCap),
               [&] {
                 return "'" + f.parent_name + "' as '" + f.user + "' started " +
                        std::to_string(context->second.names.size()) + " network program(s) in " +
                        std::to_string(context->second.buckets) + " buckets, not this one";
               });
  }
  if (user.names.count(f.name) == 0 && user.names.size() <= kServiceAccountMaxNames &&
      user.days >= kServiceAccountMinDays) {
    const bool first_external = f.outbound_external && !user.outbound_external;
    terms->Add("service_account", kServiceAccount + (first_external ? kFirstExternal : 0), [&] {
      std::string programs;
      for (const std::string& n : user.names) programs += (programs.empty() ? "" : ", ") + n;
      return "'" + f.user + "' only ever ran " + programs + " here" +
             (first_external ? "; this is its first connection outside" : "");
    });
  }
}

void AddIdentityNovelty(const ScoringInput& in, const HostBaseline* host,
                        const FleetNameBaseline* fleet, const UlnaBaselines& baselines,
                        TermList* terms) {
  const ActivityFeatures& f = *in.features;
  if (in.rollout_hosts > 0) {
    terms->Add("rollout", 0, [&] {
      return "part of a rollout: new on " + std::to_string(in.rollout_hosts) +
             " hosts within hours, a deployment rather than an intrusion";
    });
  } else if (fleet == nullptr) {
    terms->Add("fleet_new", kFleetNew,
               [&] { return "no host in the fleet used the network as '" + f.name + "' before"; });
  } else {
    const double fleet_share =
        in.fleet_hosts == 0 ? 0 : static_cast<double>(fleet->hosts.size()) / in.fleet_hosts;
    terms->Add("host_new",
               std::max(0.0, kHostNewMax * (1 - in.peer_share) - fleet_share * fleet_share), [&] {
                 return "new on this host; " + Format("%.0f%%", 100 * in.peer_share) + " of its " +
                        std::to_string(in.peer_count) + " peer host(s) and " +
                        std::to_string(fleet->hosts.size()) + " of " +
                        std::to_string(in.fleet_hosts) + " fleet hosts run it";
               });
  }
  if (in.learning || host == nullptr) {
    terms->Add("learning", kLearning, [&] { return "the host is in its learning period"; });
    return;
  }
  AddHostChurn(*host, in.bucket_start_ns, terms);
  AddLaunchContext(in, *host, baselines, terms);
}

void AddBehaviourNovelty(const ScoringInput& in, const NameBaseline& known,
                         const FleetNameBaseline* fleet, TermList* terms) {
  const ActivityFeatures& f = *in.features;
  // What the name did in its last bucket (Observe's memo) answers most of the set searches.
  const NameBaseline::LastSeen& last = known.last_seen;
  const auto was_known = [&](const std::string& b) {
    return std::any_of(last.behaviours.begin(), last.behaviours.end(),
                       [&](const std::string* seen) { return *seen == b; }) ||
           known.behaviours.count(b) > 0;
  };
  std::vector<std::string> fresh;
  for (const std::string& b : f.behaviours) {
    if (IsOutboundBehaviour(b) && !was_known(b)) fresh.push_back(b);
  }
  if (in.learning) {
    // The host's own behaviour set is still being learnt: only fleet-scope evidence counts.
    terms->Add("learning", kLearning, [&] { return "the host is in its learning period"; });
  } else if (!fresh.empty()) {
    terms->Add("behaviour_new_on_host", kBehaviourNewOnHost,
               [&] { return "'" + f.name + "' never did " + fresh.front() + " on this host"; });
    if (fleet != nullptr) {
      auto fleet_new = std::find_if(fresh.begin(), fresh.end(), [&](const std::string& b) {
        return fleet->behaviour_hosts.count(b) == 0;
      });
      if (fleet_new != fresh.end()) {
        terms->Add("behaviour_fleet_new",
                   kBehaviourFleetScale * NoveltySurprise(fleet->behaviour_hosts.size(),
                                                          fleet->observations, kContextCap),
                   [&] {
                     return "no host saw '" + f.name + "' do " + *fleet_new + "; it showed " +
                            std::to_string(fleet->behaviour_hosts.size()) + " behaviour(s) in " +
                            std::to_string(fleet->observations) + " host-buckets";
                   });
      }
    }
    const bool known_external = std::any_of(
        known.behaviours.begin(), known.behaviours.end(),
        [](const std::string& b) { return IsOutboundBehaviour(b) && IsExternalBehaviour(b); });
    if (!known_external && std::any_of(fresh.begin(), fresh.end(), [](const std::string& b) {
          return IsExternalBehaviour(b);
        })) {
      terms->Add("name_first_external_host", kNameFirstExternalHost,
                 [&] { return "first connection outside for '" + f.name + "' on this host"; });
    }
  }
  // So does what it ran from and as.
  const bool executable_known = (last.executable != nullptr && *last.executable == f.executable) ||
                                known.executables.count(f.executable) > 0;
  if (!executable_known) {
    const bool fleet_known = fleet != nullptr && fleet->executables.count(f.executable) > 0;
    terms->Add("executable_new", fleet_known ? kKnownFleetExecutable : kNewExecutable, [&] {
      return "'" + f.name + "' runs from " + f.executable + ", new on this host" +
             (fleet_known ? " (known in the fleet)" : " and in the fleet");
    });
  }
  const bool user_known =
      (last.user != nullptr && last.user->first == f.user) || known.users.count(f.user) > 0;
  if (!user_known) {
    terms->Add("user_new_for_name", kNewUserForName,
               [&] { return "'" + f.name + "' never ran as '" + f.user + "' here"; });
  }
  if (known.last_bucket_ns < in.bucket_start_ns - kCadenceGapNs &&
      known.buckets <= kCadenceMaxBuckets && !terms->Has("behaviour_")) {
    const bool weekday = (known.weekdays >> UtcWeekday(in.bucket_start_ns)) & 1;
    const bool month_day = (known.month_days >> (UtcDayOfMonth(in.bucket_start_ns) - 1)) & 1;
    if (weekday || month_day) {
      terms->Add("cadence", kCadence, [&] {
        return std::string("a rare job back on its ") +
               (month_day ? "day of the month" : "weekday");
      });
    }
  }
}

void AddAncestryAndPrevalence(const ScoringInput& in, const FleetNameBaseline* fleet,
                              const FleetNameBaseline* parent, uint64_t as_parent,
                              const UlnaBaselines& baselines, TermList* terms) {
  const ActivityFeatures& f = *in.features;
  if (f.parent_name != f.name && parent != nullptr && parent->accepts_ingress) {
    terms->Add("server_parent", kServerParent, [&] {
      return "started by '" + f.parent_name + "', a network server in this fleet";
    });
  }
  const uint64_t as_actor = fleet == nullptr ? 0 : fleet->observations;
  if (as_parent >= kLauncherMinParent &&
      as_parent >= kLauncherRatio * std::max<uint64_t>(1, as_actor)) {
    terms->Add("launcher_connects", kLauncherConnects, [&] {
      return "'" + f.name + "' usually launches network programs (" + std::to_string(as_parent) +
             " times) rather than connecting itself (" + std::to_string(as_actor) + ")";
    });
  }
  if (fleet != nullptr && f.outbound_external) {
    const bool known_external = std::any_of(
        fleet->behaviour_hosts.begin(), fleet->behaviour_hosts.end(), [](const auto& entry) {
          return IsOutboundBehaviour(entry.first) && IsExternalBehaviour(entry.first);
        });
    if (!known_external) {
      terms->Add("name_first_external_fleet", kNameFirstExternalFleet,
                 [&] { return "no host saw '" + f.name + "' connect outside before"; });
    }
  }
  for (const std::string& b : f.behaviours) {
    if (!IsOutboundBehaviour(b) || !IsExternalBehaviour(b)) continue;
    const size_t hosts = baselines.BehaviourHosts(b);
    if (hosts == 0) {
      terms->Add("port_fleet_new", kPortFleetNew,
                 [&] { return "no program in the fleet did " + b + " before"; });
      break;
    }
    if (hosts <= kRarePortHosts) {
      terms->Add("port_fleet_rare", kPortFleetRare,
                 [&] { return b + " was seen on only " + std::to_string(hosts) + " host(s)"; });
      break;
    }
  }
  if (f.ingress_only)
    terms->Add("ingress_only", kIngressOnly, [&] { return "it only accepted connections"; });
}

}  // namespace

double NoveltySurprise(size_t distinct, size_t observations, double cap) {
  const double p = (1 + 0.5 * distinct) / (observations + 2.0);
  return std::clamp(-std::log10(p), 0.0, cap);
}

std::vector<std::string> UlnaScore::Reasons() const {
  std::vector<std::string> reasons;
  for (const ScoreTerm& t : terms) {
    reasons.push_back(Format("%+.1f ", t.weight) + std::string(t.name) + ": " + t.reason);
  }
  return reasons;
}

UlnaScore ScoreActivity(const ScoringInput& in, const UlnaBaselines& baselines) {
  UlnaScore score;
  ScoreActivity(in, baselines, &score);
  return score;
}

void ScoreActivity(const ScoringInput& in, const UlnaBaselines& baselines, UlnaScore* score) {
  const ActivityFeatures& f = *in.features;
  TermList terms(in.explain, &score->terms);
  if (IsUnusualPath(f.path_class)) {
    terms.Add("unusual_path", kUnusualPath, [&] {
      return std::string("runs from a ") + PathClassName(f.path_class) +
             " location: " + f.executable;
    });
  }
  const HostBaseline* host = in.host;
  const FleetNameBaseline* fleet = in.fleet;
  const NameBaseline* known = in.known;
  const FleetNameBaseline* parent = in.parent_fleet;
  uint64_t as_parent = in.as_parent;
  if (!in.looked_up) {
    host = baselines.Host(in.host_id);
    fleet = baselines.FleetName(f.name);
    known = nullptr;
    if (host != nullptr) {
      auto it = host->names.find(f.name);
      if (it != host->names.end()) known = &it->second;
    }
    parent = f.parent_name == f.name ? nullptr : baselines.FleetName(f.parent_name);
    as_parent = baselines.ParentObservations(f.name);
  }
  if (known == nullptr) {
    AddIdentityNovelty(in, host, fleet, baselines, &terms);
  } else {
    AddBehaviourNovelty(in, *known, fleet, &terms);
  }
  AddAncestryAndPrevalence(in, fleet, parent, as_parent, baselines, &terms);

  score->surprise = 0;
  for (const ScoreTerm& t : score->terms) score->surprise += t.weight;
  score->probability = std::min(1.0, std::pow(10.0, -score->surprise));
  score->score = std::clamp(10 * score->surprise, 0.0, 100.0);
}

}  // namespace ulna::server
