// ElasticDetector: Elastic's "rare by process.name" job, faithfully — one fleet-wide, time-decayed
// model over process names, each name counted once per bucket it appears in, record probability
// = the decayed share of names no more common than it, records when p < 0.035, scored 0-100 by a
// quantile normaliser, and every host of a record's bucket listed (as one record per host).
// Not thread-safe.
#pragma once

#include "server/detect/detector.h"
#include "server/detect/rare_model.h"
#include "server/detect/score_normalizer.h"

namespace ulna::server {

class ElasticDetector : public Detector {
 public:
  ElasticDetector();
  DetectionMode mode() const override { return DetectionMode::kElastic; }
  Status Load(const Store& store) override;
  std::vector<AnomalyRecord> ScoreBucket(const BucketActivity& bucket, const HistoryIndex& history,
                                         const BucketFacts& facts) override;
  void Persist(WriteGroup* group) override;

 private:
  RareModel model_;
  ScoreNormalizer normalizer_;
  bool dirty_ = false;
};

}  // namespace ulna::server
