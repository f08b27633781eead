// DescribeGroups (15) v0–5 (v5 is v4, flexible): live state from the coordinator; a group known
// only by its committed offsets is "Empty", one known nowhere is "Dead" (both with no error, as
// Kafka answers). Needs Describe on each group (GROUP_AUTHORIZATION_FAILED).
#include "kafka/errors.h"
#include "kafka/group_offsets.h"
#include "kafka/request_context.h"
#include "tern/kafka/messages/describe_groups.h"

namespace tern::kafka {

bool handle_describe_groups(request_context& ctx, wire::wire_reader& body) {
  describe_groups_request request;
  if (!request.decode(body, ctx.version())) return false;
  describe_groups_response response;
  // respond() copies the member bytes while encoding; keep the descriptions alive until then.
  std::vector<groups::group_description> live;
  live.reserve(request.groups.size());
  for (const auto& id : request.groups) {
    describe_groups_response::described_group out;
    out.group_id = id;
    auto coordinator = group_offsets::coordinator_check(ctx.hub);
    if (!ctx.may_on_group(auth::operation::describe, id)) {
      out.error_code = wire(error_code::group_authorization_failed);
    } else if (coordinator != error_code::none) {
      out.error_code = wire(coordinator);
    } else if (auto d = ctx.hub.groups().describe(id)) {
      live.push_back(std::move(*d));
      const auto& g = live.back();
      out.group_state = g.state;
      out.protocol_type = g.protocol_type;
      out.protocol_data = g.protocol;
      for (const auto& m : g.members)
        out.members.push_back({m.member_id, m.group_instance_id, m.client_id, m.client_host,
                               wire::bytes_view(m.metadata), wire::bytes_view(m.assignment)});
    } else {
      std::vector<storage::log_store::committed_offset> committed;
      out.error_code = wire(group_offsets::read(ctx.hub, id, committed));
      out.group_state = committed.empty() ? "Dead" : "Empty";
      out.protocol_type = committed.empty() ? "" : "consumer";
    }
    response.groups.push_back(std::move(out));
  }
  ctx.respond(response);
  return true;
}

}  // namespace tern::kafka
