#include "server/detect/elastic_detector.h"
#include "server/detect/ulna_detector.h"

namespace ulna::server {

std::unique_ptr<Detector> MakeDetector(DetectionMode mode) {
  switch (mode) {
    case DetectionMode::kElastic:
      return std::make_unique<ElasticDetector>();
    case DetectionMode::kUlna:
      return std::make_unique<UlnaDetector>();
  }
  return nullptr;
}

}  // namespace ulna::server
