#include "kafka/topic_ids.h"

#include <algorithm>

namespace tern::kafka {

bool is_zero_id(const topic_uuid& id) {
  return std::all_of(id.begin(), id.end(), [](std::uint8_t b) { return b == 0; });
}

std::optional<std::string> topic_name_by_id(request_context& ctx, const topic_uuid& id) {
  if (is_zero_id(id)) return std::nullopt;
  if (auto* node = ctx.hub.cluster()) {
    const auto* t = node->image().topic(id);
    if (!t) return std::nullopt;
    return t->name;
  }
  // The store indexes topics by name only; lookups by id are rare (admin tools), a scan will do.
  for (const auto& info : ctx.hub.store().list_topics())
    if (info.uuid == id) return info.name;
  return std::nullopt;
}

}  // namespace tern::kafka
