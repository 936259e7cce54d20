// The probability-to-score arithmetic of Elastic's ml-cpp anomaly detector (CTools::anomalyScore,
// the absolute ceiling of CAnomalyScore::CNormalizer, severity labels), plus the Beta-distribution
// helpers that the rare model and the score normaliser both need. Pure functions; thread-safe.
// Reference: /work/shared/reference/elastic_rare.md §3.5, §3.7, §3.8; docs/DETECTION-elastic.md.
#pragma once

#include <vector>

namespace ulna::server {

// ml-cpp maths/Constants.h: the probabilities at which the raw score reaches 0, 1 and 50.
inline constexpr double kLargestSignificantProbability = 0.05;
inline constexpr double kSmallProbability = 1e-4;
inline constexpr double kMinusculeProbability = 1e-50;
// CLimits unusualProbabilityThreshold (3.5 %): a record is written, and gets a non-zero raw score,
// only when its probability is below this.
inline constexpr double kRecordProbabilityThreshold = 0.035;

// CTools::anomalyScore: 0 for p >= 0.05; (1/p - 20) / (10000 - 20) on [1e-4, 0.05) (0..1);
// linear in -ln p from 1 to 50 on [1e-50, 1e-4); linear in -ln p from 50 to 100 down to DBL_MIN.
// p is clamped below at DBL_MIN; NaN counts as 1 (not anomalous).
double RawAnomalyScore(double p);

// The raw score a record of probability p enters the normaliser with: RawAnomalyScore(p) when
// p < kRecordProbabilityThreshold, else 0 (CHierarchicalResultsNormalizer zeroes those).
double RecordRawScore(double p);

// Ceiling c3 of the normaliser: 100 * (0.95 * M * (ln p - ln 0.05) + 0.05) with
// M = 1 / (ln 1e-4 - ln 0.05), clamped to [0, 100]. p = 0.00263 gives ~50.
double AbsoluteCeiling(double p);

// CAnomalyScore::normalizedScoreToSeverity: "warning" < 25 <= "minor" < 50 <= "major" < 75 <=
// "critical".
const char* SeverityName(double normalized_score);

// Regularised incomplete beta I_x(a, b) for a, b > 0; 0 for x <= 0 and 1 for x >= 1.
double RegularizedIncompleteBeta(double a, double b, double x);

// The q-quantile of Beta(a, b) (a, b > 0, q in [0, 1]): the x with I_x(a, b) = q.
double BetaQuantile(double a, double b, double q);

// ml-cpp detail::generateBetaSamples: the conditional means of Beta(a, b) over n equal-probability
// quantile bins [x_k, x_k+1], i.e. n * a/(a+b) * (I_{x_k+1}(a+1, b) - I_{x_k}(a+1, b)). Returns
// just the mean a/(a+b) when n <= 1 or a or b is 0 (as ml-cpp does).
std::vector<double> BetaQuantileBinMeans(double a, double b, int n);

}  // namespace ulna::server
