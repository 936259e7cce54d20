#include "server/api/ingest_service.h"

#include <utility>
#include <vector>

#include "common/batch_codec.h"
#include "server/api/agent_identity.h"
#include "server/api/grpc_status.h"

namespace ulna::server {
namespace {

// Decodes and stores one batch. A non-ok result is the sink failing (disk full, I/O): the stream
// ends with it so the agent resends later; a batch that is itself bad is answered in the ack.
Result<v1::BatchAck> HandleBatch(const HostInfo& host, const v1::EventBatch& batch,
                                 BatchDecoder* decoder, EventSink* sink, IngestMetrics* metrics) {
  metrics->AddBatch();
  v1::BatchAck ack;
  ack.set_sequence(batch.sequence());
  std::vector<NetworkEvent> events;
  RejectTally rejects;
  // Decoded even when it will turn out a duplicate: its strings extend the stream's dictionary.
  Status decoded = decoder->Decode(batch, &host, &events, &rejects);
  if (!decoded.ok()) {
    metrics->AddFailedBatch();
    ack.set_error(decoded.ToString());
    return ack;
  }
  if (batch.sequence() == 0) {
    metrics->AddFailedBatch();
    ack.set_error("INVALID_ARGUMENT: batch sequence numbers start at 1");
    return ack;
  }
  const v1::CaptureCounters& counters = batch.counters();
  CaptureLoss loss;
  loss.ring_buffer_drops = counters.ring_buffer_drops();
  loss.map_full = counters.map_full();
  loss.spool_drops = counters.spool_drops();

  auto outcome = sink->StoreAgentBatch(host, batch.sequence(), std::move(events), loss);
  if (!outcome.ok()) return outcome.status();
  if (outcome->duplicate) {
    metrics->AddDuplicate();
    ack.set_duplicate(true);
    return ack;
  }
  // Rejects and losses are counted once, when the batch is first stored.
  metrics->AddDecodeRejects(rejects);
  metrics->AddCaptureLoss(loss.ring_buffer_drops, loss.map_full, loss.spool_drops);
  metrics->AddAccepted(outcome->accepted);
  metrics->AddSinkRejects(outcome->rejected);
  ack.set_accepted_events(outcome->accepted);
  ack.set_rejected_events(static_cast<uint32_t>(rejects.total()) + outcome->rejected);
  return ack;
}

}  // namespace

grpc::Status IngestService::Stream(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<v1::IngestResponse, v1::IngestRequest>* stream) {
  auto host = AgentIdentityFromPeer(*context);
  if (!host.ok()) {
    metrics_.AddUnauthenticated();
    return ToGrpcStatus(host.status());
  }
  metrics_.AddStream();

  v1::IngestRequest request;
  if (!stream->Read(&request)) return grpc::Status::OK;  // the agent left before saying hello
  if (!request.has_hello()) {
    metrics_.AddProtocolError();
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        "the first message of an Ingest stream must be Hello");
  }
  auto last = sink_->LastSequence(host->id);
  if (!last.ok()) return ToGrpcStatus(last.status());
  v1::IngestResponse response;
  response.mutable_ready()->set_host_id(host->id);
  response.mutable_ready()->set_last_durable_sequence(last.value());
  if (!stream->Write(response)) return grpc::Status::OK;

  BatchDecoder decoder;  // the dictionary is scoped to this stream
  while (stream->Read(&request)) {
    if (!request.has_batch()) {
      metrics_.AddProtocolError();
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                          "after Hello an Ingest stream carries only batches");
    }
    auto ack = HandleBatch(host.value(), request.batch(), &decoder, sink_, &metrics_);
    if (!ack.ok()) return ToGrpcStatus(ack.status());
    response.Clear();
    *response.mutable_ack() = std::move(ack.value());
    if (!stream->Write(response)) break;
  }
  return grpc::Status::OK;
}

}  // namespace ulna::server
