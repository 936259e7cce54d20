// Ingest service (gRPC ulna.v1.Ingest): authenticated agents stream event batches; each batch is
// decoded with the stream's dictionary, stamped with the host identity of the client certificate,
// stored durably through the EventSink and then acked. Thread-safety: one instance serves all
// streams concurrently; per-stream state lives on the handler's stack.
#pragma once

#include "server/api/ingest_metrics.h"
#include "server/ingest/event_sink.h"
#include "ulna/v1/ingest.grpc.pb.h"

namespace ulna::server {

class IngestService final : public v1::Ingest::Service {
 public:
  explicit IngestService(EventSink* sink) : sink_(sink) {}

  grpc::Status Stream(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<v1::IngestResponse, v1::IngestRequest>* stream) override;

  const IngestMetrics& metrics() const { return metrics_; }

 private:
  EventSink* sink_;
  IngestMetrics metrics_;
};

}  // namespace ulna::server
