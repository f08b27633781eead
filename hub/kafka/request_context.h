#pragma once
// What a handler gets for one request, and how it answers. Handlers decode their own request
// body (a malformed body makes the dispatcher close the connection, as Kafka does) and answer
// exactly once through respond()/no_response().
#include <memory>
#include <utility>

#include "kafka/broker.h"
#include "tern/common/check.h"
#include "tern/common/wire.h"
#include "tern/kafka/api_key.h"
#include "tern/kafka/messages/header.h"
#include "tern/kafka/messages/metadata.h"

namespace tern::kafka {

struct request_context {
  broker& hub;
  net::connection_info conn;
  request_header header;
  net::request_frame frame;  // owns every view decoded from the request
  net::respond_fn respond_raw;

  std::int16_t version() const { return header.api_version; }

  // Whether this connection's principal may perform `op` on a topic/group/the cluster (see
  // broker::authorize; denials are logged there).
  bool may(auth::operation op, auth::resource_type type, std::string_view name) const {
    return hub.authorize(conn, op, type, name);
  }
  bool may_on_topic(auth::operation op, std::string_view topic) const {
    return may(op, auth::resource_type::topic, topic);
  }
  bool may_on_group(auth::operation op, std::string_view group) const {
    return may(op, auth::resource_type::group, group);
  }
  bool may_on_cluster(auth::operation op) const {
    return may(op, auth::resource_type::cluster, auth::cluster_name);
  }

  // Encodes header + body. `keepalive` owns external spans the body references (zero-copy).
  template <typename Response>
  void respond(const Response& body, std::shared_ptr<const void> keepalive = {}) const {
    auto w = std::make_shared<wire::wire_writer>();
    response_header h;
    h.correlation_id = header.correlation_id;
    h.encode(*w, response_header_version(Response::key, header.api_version));
    body.encode(*w, header.api_version);
    send(std::move(w), std::move(keepalive));
  }
  void no_response() const;
  void send(std::shared_ptr<wire::wire_writer> w, std::shared_ptr<const void> keepalive) const;
};

// An answer assembled from several asynchronous calls (the store's, one per partition): every
// slot of `response` exists before the first call; each completion, posted back to the io thread,
// fills its slot and calls finish_one(). `pending` counts the calls plus the handler's own
// reference, released last, so the answer goes once, after every slot is filled.
template <typename Response>
struct gathered_response {
  explicit gathered_response(request_context c) : ctx(std::move(c)) {}

  request_context ctx;
  Response response;
  std::size_t pending = 0;

  void finish_one() {
    TERN_ASSERT(pending > 0);
    if (--pending == 0) ctx.respond(response);
  }
};

// One handler per API (handle_<api>.cpp). Each returns false when the request body is malformed
// (the dispatcher then closes the connection) and otherwise answers through ctx.
bool handle_api_versions(request_context& ctx, wire::wire_reader& body);
bool handle_metadata(request_context& ctx, wire::wire_reader& body);
bool handle_produce(request_context& ctx, wire::wire_reader& body);
bool handle_fetch(request_context& ctx, wire::wire_reader& body);
bool handle_list_offsets(request_context& ctx, wire::wire_reader& body);
bool handle_create_topics(request_context& ctx, wire::wire_reader& body);
bool handle_delete_topics(request_context& ctx, wire::wire_reader& body);
bool handle_delete_records(request_context& ctx, wire::wire_reader& body);
bool handle_create_partitions(request_context& ctx, wire::wire_reader& body);
bool handle_offset_delete(request_context& ctx, wire::wire_reader& body);
bool handle_describe_cluster(request_context& ctx, wire::wire_reader& body);
bool handle_describe_log_dirs(request_context& ctx, wire::wire_reader& body);
bool handle_describe_producers(request_context& ctx, wire::wire_reader& body);

// The brokers a client on this connection's listener should see (their endpoints on that
// listener; in a cluster the unfenced brokers of the metadata image), the cluster id and the
// controller id to report (a listed broker: kafkajs sends admin requests there). Shared by
// Metadata and DescribeCluster (handle_metadata.cpp).
void list_brokers(request_context& ctx, std::vector<metadata_response::broker>& brokers,
                  std::optional<std::string>& cluster_id, std::int32_t& controller_id);
bool handle_find_coordinator(request_context& ctx, wire::wire_reader& body);
bool handle_join_group(request_context& ctx, wire::wire_reader& body);
bool handle_sync_group(request_context& ctx, wire::wire_reader& body);
bool handle_heartbeat(request_context& ctx, wire::wire_reader& body);
bool handle_leave_group(request_context& ctx, wire::wire_reader& body);
bool handle_offset_commit(request_context& ctx, wire::wire_reader& body);
bool handle_offset_fetch(request_context& ctx, wire::wire_reader& body);
bool handle_list_groups(request_context& ctx, wire::wire_reader& body);
bool handle_describe_groups(request_context& ctx, wire::wire_reader& body);
bool handle_init_producer_id(request_context& ctx, wire::wire_reader& body);
bool handle_delete_groups(request_context& ctx, wire::wire_reader& body);
bool handle_describe_configs(request_context& ctx, wire::wire_reader& body);
bool handle_alter_configs(request_context& ctx, wire::wire_reader& body);
bool handle_incremental_alter_configs(request_context& ctx, wire::wire_reader& body);
bool handle_sasl_handshake(request_context& ctx, wire::wire_reader& body);
bool handle_sasl_authenticate(request_context& ctx, wire::wire_reader& body);
bool handle_offset_for_leader_epoch(request_context& ctx, wire::wire_reader& body);
bool handle_describe_quorum(request_context& ctx, wire::wire_reader& body);

// SASL listeners (SASL_SSL, SASL_PLAINTEXT): until SaslAuthenticate succeeds only ApiVersions,
// SaslHandshake and SaslAuthenticate are admitted; anything else closes the connection (Kafka).
bool sasl_admits(const net::connection_info& conn, api_key key);

// The ApiVersions answer to a version we do not support: a v0 body with UNSUPPORTED_VERSION and
// the supported list, so the client can pick a version (KIP-511).
void respond_unsupported_api_versions(request_context& ctx);

}  // namespace tern::kafka
