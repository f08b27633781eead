// DeleteGroups (42) v0–1: a group without members loses its committed offsets (and the
// coordinator forgets it); one with members answers NON_EMPTY_GROUP. Needs Delete on each group
// (GROUP_AUTHORIZATION_FAILED).
#include "app/log.h"
#include "kafka/errors.h"
#include "kafka/request_context.h"
#include "tern/kafka/messages/delete_groups.h"

namespace tern::kafka {

bool handle_delete_groups(request_context& ctx, wire::wire_reader& body) {
  delete_groups_request request;
  if (!request.decode(body, ctx.version())) return false;
  delete_groups_response response;
  for (const auto& id : request.groups_names) {
    delete_groups_response::group_result result;
    result.group_id = id;
    if (!ctx.may_on_group(auth::operation::delete_, id)) {
      result.error_code = wire(error_code::group_authorization_failed);
    } else if (!ctx.hub.groups().is_empty_or_unknown(id)) {
      result.error_code = wire(error_code::non_empty_group);
    } else {
      std::vector<storage::log_store::committed_offset> committed;
      auto ec = ctx.hub.store().committed_offsets(id, committed);
      bool known_here = ctx.hub.groups().describe(id).has_value();
      if (!ec && committed.empty() && !known_here) {
        result.error_code = wire(error_code::group_id_not_found);
      } else {
        if (!ec) ec = ctx.hub.store().delete_group_offsets(id);
        if (known_here) ctx.hub.groups().delete_group(id);
        result.error_code = wire(to_kafka_error(ec));
        if (!ec) log::info("deleted group '", id, "' for ", ctx.conn.peer);
      }
    }
    response.results.push_back(std::move(result));
  }
  ctx.respond(response);
  return true;
}

}  // namespace tern::kafka
