// ApiVersions (18) v0–3: the versions we support, straight from the one table in api_key.h.
#include "kafka/request_context.h"
#include "tern/kafka/error_code.h"
#include "tern/kafka/messages/api_versions.h"

namespace tern::kafka {
namespace {
api_versions_response supported_list() {
  api_versions_response response;
  for (const auto& api : supported_apis())
    response.api_keys.push_back({static_cast<std::int16_t>(api.key), api.min_version, api.max_version});
  return response;
}
}  // namespace

bool handle_api_versions(request_context& ctx, wire::wire_reader& body) {
  api_versions_request request;
  if (!request.decode(body, ctx.version())) return false;
  ctx.respond(supported_list());
  return true;
}

void respond_unsupported_api_versions(request_context& ctx) {
  auto response = supported_list();
  response.error_code = wire(error_code::unsupported_version);
  // The client cannot parse a version it did not ask for; answer in v0, which every client reads.
  auto w = std::make_shared<wire::wire_writer>();
  response_header h;
  h.correlation_id = ctx.header.correlation_id;
  h.encode(*w, 0);
  response.encode(*w, 0);
  ctx.send(std::move(w), {});
}
}  // namespace tern::kafka
