#include "server/detect/anomaly_score.h"

#include <algorithm>
#include <cfloat>
#include <cmath>

namespace ulna::server {
namespace {

constexpr double kMaxRawScore = 100.0;
constexpr double kSmallProbabilityScore = 1.0;
constexpr double kMinusculeProbabilityScore = 50.0;

// ln B(a, b).
double LogBeta(double a, double b) { return std::lgamma(a) + std::lgamma(b) - std::lgamma(a + b); }

// The continued fraction of I_x(a, b) (modified Lentz). It converges in O(sqrt(max(a, b)))
// terms when x < (a + 1) / (a + b + 2); the caller uses the symmetry I_x(a,b) = 1 - I_1-x(b,a)
// otherwise. The rare model calls this with a + b <= 10000 (beyond that it uses one sample), so
// 20000 terms is a generous cap.
double IncompleteBetaFraction(double a, double b, double x) {
  constexpr int kMaxTerms = 20000;
  constexpr double kEpsilon = 1e-15;
  constexpr double kTiny = 1e-300;
  const double qab = a + b;
  const double qap = a + 1.0;
  const double qam = a - 1.0;
  double c = 1.0;
  double d = 1.0 - qab * x / qap;
  if (std::fabs(d) < kTiny) d = kTiny;
  d = 1.0 / d;
  double h = d;
  for (int m = 1; m <= kMaxTerms; ++m) {
    const double m2 = 2.0 * m;
    double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
    d = 1.0 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1.0 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    h *= d * c;
    aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
    d = 1.0 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1.0 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    const double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1.0) < kEpsilon) break;
  }
  return h;
}

// I_x(a, b) given log_beta = LogBeta(a, b), log_x = ln x and log_1mx = ln(1 - x): the callers
// that evaluate it repeatedly for one (a, b) compute ln B(a, b) (three lgamma calls) once.
double IncompleteBeta(double a, double b, double x, double log_beta, double log_x, double log_1mx) {
  if (!(x > 0.0)) return 0.0;
  if (x >= 1.0) return 1.0;
  const double log_front = a * log_x + b * log_1mx - log_beta;
  const double front = std::exp(log_front);
  if (x < (a + 1.0) / (a + b + 2.0)) return front * IncompleteBetaFraction(a, b, x) / a;
  return 1.0 - front * IncompleteBetaFraction(b, a, 1.0 - x) / b;
}

// I_x(a, b) given log_beta = LogBeta(a, b).
double IncompleteBeta(double a, double b, double x, double log_beta) {
  if (!(x > 0.0)) return 0.0;
  if (x >= 1.0) return 1.0;
  return IncompleteBeta(a, b, x, log_beta, std::log(x), std::log1p(-x));
}

// BetaQuantile given log_beta = LogBeta(a, b).
double BetaQuantileWithLogBeta(double a, double b, double q, double log_beta) {
  if (q <= 0.0) return 0.0;
  if (q >= 1.0) return 1.0;
  // Newton's method from the mean, kept inside a shrinking bracket [lo, hi] that always holds
  // the root; a step that would leave the bracket (heavy tails when a or b < 1) bisects instead.
  double lo = 0.0;
  double hi = 1.0;
  double x = a / (a + b);
  for (int iteration = 0; iteration < 200; ++iteration) {
    const double log_x = std::log(x);
    const double log_1mx = std::log1p(-x);
    const double f = IncompleteBeta(a, b, x, log_beta, log_x, log_1mx) - q;
    if (f == 0.0) return x;
    if (f < 0.0) {
      lo = x;
    } else {
      hi = x;
    }
    // The Beta(a, b) density at x.
    const double pdf = std::exp((a - 1.0) * log_x + (b - 1.0) * log_1mx - log_beta);
    double next = (pdf > 0.0 && std::isfinite(pdf)) ? x - f / pdf : -1.0;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (std::fabs(next - x) <= 1e-15 * std::max(x, 1e-300) || hi - lo <= 1e-300) return next;
    x = next;
  }
  return x;
}

}  // namespace

double RawAnomalyScore(double p) {
  if (std::isnan(p)) return 0.0;
  const double adj = std::max(p, DBL_MIN);
  if (adj >= kLargestSignificantProbability) return 0.0;
  if (adj >= kSmallProbability) {
    // Linear in 1/p on (0, 1].
    return kSmallProbabilityScore * (1.0 / adj - 1.0 / kLargestSignificantProbability) /
           (1.0 / kSmallProbability - 1.0 / kLargestSignificantProbability);
  }
  const double minus_log_small = -std::log(kSmallProbability);
  const double minus_log_minuscule = -std::log(kMinusculeProbability);
  if (adj >= kMinusculeProbability) {
    // Linear in -ln p on (1, 50].
    return kSmallProbabilityScore + (kMinusculeProbabilityScore - kSmallProbabilityScore) *
                                        (-std::log(adj) - minus_log_small) /
                                        (minus_log_minuscule - minus_log_small);
  }
  // Linear in -ln p on (50, 100], reaching 100 at the smallest positive normal double.
  const double minus_log_smallest = -std::log(DBL_MIN);
  return kMinusculeProbabilityScore + (kMaxRawScore - kMinusculeProbabilityScore) *
                                          (-std::log(adj) - minus_log_minuscule) /
                                          (minus_log_smallest - minus_log_minuscule);
}

double RecordRawScore(double p) {
  return p < kRecordProbabilityThreshold ? RawAnomalyScore(p) : 0.0;
}

double AbsoluteCeiling(double p) {
  // M is the slope of the raw score (0 at p = 0.05, 1 at p = 1e-4) against ln p, so the ceiling
  // is 5 at p = 0.05 and 100 at p = 1e-4: probabilities near the cut-off cannot score high.
  static const double kSlope =
      1.0 / (std::log(kSmallProbability) - std::log(kLargestSignificantProbability));
  if (std::isnan(p)) return 0.0;
  const double ceiling =
      100.0 *
      (0.95 * kSlope * (std::log(std::max(p, DBL_MIN)) - std::log(kLargestSignificantProbability)) +
       0.05);
  return std::clamp(ceiling, 0.0, 100.0);
}

const char* SeverityName(double normalized_score) {
  if (normalized_score < 25.0) return "warning";
  if (normalized_score < 50.0) return "minor";
  if (normalized_score < 75.0) return "major";
  return "critical";
}

double RegularizedIncompleteBeta(double a, double b, double x) {
  return IncompleteBeta(a, b, x, LogBeta(a, b));
}

double BetaQuantile(double a, double b, double q) {
  return BetaQuantileWithLogBeta(a, b, q, LogBeta(a, b));
}

std::vector<double> BetaQuantileBinMeans(double a, double b, int n) {
  const double mean = a / (a + b);
  if (n <= 1 || a == 0.0 || b == 0.0) return {mean};
  std::vector<double> samples;
  samples.reserve(n);
  const double dq = 1.0 / n;
  // E[X; X in bin] / P(bin) = mean * (I(a+1, b) difference) / dq.
  const double scaled_mean = mean / dq;
  const double log_beta = LogBeta(a, b);
  const double log_beta_next = LogBeta(a + 1.0, b);
  double previous_cdf = 0.0;
  for (int k = 1; k < n; ++k) {
    const double xq = BetaQuantileWithLogBeta(a, b, k * dq, log_beta);
    const double cdf = IncompleteBeta(a + 1.0, b, xq, log_beta_next);
    samples.push_back(scaled_mean * (cdf - previous_cdf));
    previous_cdf = cdf;
  }
  samples.push_back(scaled_mean * (1.0 - previous_cdf));
  return samples;
}

}  // namespace ulna::server
