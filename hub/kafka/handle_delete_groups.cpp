// DeleteGroups (42) v0–2 (v2 is v1, flexible): a group without members loses its committed
// offsets (and the coordinator forgets it); one with members answers NON_EMPTY_GROUP. Needs
// Delete on each group (GROUP_AUTHORIZATION_FAILED). The offsets are deleted through the storage
// writer and the answer goes out once every deletion is done (the io thread never waits for the
// writer).
#include <memory>
#include <vector>

#include "app/log.h"
#include "kafka/errors.h"
#include "kafka/group_offsets.h"
#include "kafka/request_context.h"
#include "tern/kafka/messages/delete_groups.h"

namespace tern::kafka {
namespace {

// Queues the deletion of the committed offsets of every response->results[i], i in `indexes`, at
// once (no round trip to the io thread between them) and answers when the last one is done.
void delete_offsets_of(request_context& ctx, std::shared_ptr<delete_groups_response> response,
                       const std::vector<std::size_t>& indexes) {
  auto remaining = std::make_shared<std::size_t>(indexes.size());  // io thread only
  for (auto i : indexes) {
    const auto& id = response->results[i].group_id;
    group_offsets::delete_group(ctx.hub, id, [ctx, response, remaining, i](error_code code) {
      auto& out = response->results[i];
      out.error_code = wire(code);
      if (code == error_code::none)
        log::info("deleted group '", out.group_id, "' for ", ctx.conn.peer);
      if (--*remaining == 0) ctx.respond(*response);
    });
  }
}

}  // namespace

bool handle_delete_groups(request_context& ctx, wire::wire_reader& body) {
  delete_groups_request request;
  if (!request.decode(body, ctx.version())) return false;
  delete_groups_response response;
  std::vector<std::size_t> to_delete;  // results whose offsets the store deletes
  for (const auto& id : request.groups_names) {
    delete_groups_response::group_result result;
    result.group_id = id;
    auto coordinator = group_offsets::coordinator_check(ctx.hub);
    if (!ctx.may_on_group(auth::operation::delete_, id)) {
      result.error_code = wire(error_code::group_authorization_failed);
    } else if (coordinator != error_code::none) {
      result.error_code = wire(coordinator);
    } else if (!ctx.hub.groups().is_empty_or_unknown(id)) {
      result.error_code = wire(error_code::non_empty_group);
    } else {
      std::vector<storage::log_store::committed_offset> committed;
      auto ec = group_offsets::read(ctx.hub, id, committed);
      bool known_here = ctx.hub.groups().describe(id).has_value();
      if (ec == error_code::none && committed.empty() && !known_here) {
        result.error_code = wire(error_code::group_id_not_found);
      } else {
        // Forgotten here at once (it is empty now, on this thread); its offsets go next.
        if (known_here) ctx.hub.groups().delete_group(id);
        if (ec != error_code::none) result.error_code = wire(ec);
        else to_delete.push_back(response.results.size());
      }
    }
    response.results.push_back(std::move(result));
  }
  if (to_delete.empty()) {
    ctx.respond(response);
    return true;
  }
  delete_offsets_of(ctx, std::make_shared<delete_groups_response>(std::move(response)), to_delete);
  return true;
}

}  // namespace tern::kafka
