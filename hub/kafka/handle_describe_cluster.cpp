// DescribeCluster (60) v0–1 (KIP-700; Kafka's admin clients list brokers and find the controller
// with it): the brokers Metadata would list on this listener, the cluster id and the controller
// id (list_brokers). Needs Describe on the cluster, like Kafka (CLUSTER_AUTHORIZATION_FAILED).
// Endpoint type 2 (controllers) is answered UNSUPPORTED_ENDPOINT_TYPE as by a Kafka broker:
// clients ask the controllers themselves for that, and Tern's controllers are its brokers.
// Cluster authorized operations are not computed (the "not requested" value is returned).
#include "kafka/request_context.h"
#include "tern/kafka/error_code.h"
#include "tern/kafka/messages/describe_cluster.h"

namespace tern::kafka {

bool handle_describe_cluster(request_context& ctx, wire::wire_reader& body) {
  describe_cluster_request request;
  if (!request.decode(body, ctx.version())) return false;
  describe_cluster_response response;
  response.endpoint_type = request.endpoint_type;
  if (!ctx.may_on_cluster(auth::operation::describe)) {
    response.error_code = wire(error_code::cluster_authorization_failed);
    response.error_message = "Describe on the cluster is not allowed";
    ctx.respond(response);
    return true;
  }
  if (request.endpoint_type != 1) {
    response.error_code = wire(error_code::unsupported_endpoint_type);
    response.error_message = "only brokers (endpoint type 1) are described here";
    ctx.respond(response);
    return true;
  }
  std::vector<metadata_response::broker> brokers;
  std::optional<std::string> cluster_id;
  list_brokers(ctx, brokers, cluster_id, response.controller_id);
  response.cluster_id = cluster_id.value_or("");
  for (const auto& b : brokers) response.brokers.push_back({b.node_id, b.host, b.port, b.rack});
  ctx.respond(response);
  return true;
}

}  // namespace tern::kafka
