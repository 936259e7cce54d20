// The server's /metrics page: what agents sent and what was rejected (by reason), what the job
// scored, excluded, recorded and alerted, and the process's own footprint — so an operator sees
// every dropped event counted. Pure rendering; the caller collects consistent snapshots.
#pragma once

#include <string>

#include "server/api/ingest_metrics.h"
#include "server/ingest/ingest_pipeline.h"
#include "server/job/anomaly_job.h"

namespace ulna::server {

std::string RenderServerMetrics(const IngestCounters& api, const IngestStats& pipeline,
                                const JobStats& job, int64_t job_closed_before_ns);

}  // namespace ulna::server
