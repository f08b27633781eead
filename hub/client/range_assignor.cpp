#include "client/range_assignor.h"

#include <algorithm>
#include "tern/common/check.h"
#include <set>

namespace tern::client {
namespace {

// Kafka's MemberInfo.compareTo: members with a group.instance.id sort first, by it; the others
// by member id.
bool member_before(const member_subscription* a, const member_subscription* b) {
  if (a->group_instance_id && b->group_instance_id) {
    if (*a->group_instance_id != *b->group_instance_id)
      return *a->group_instance_id < *b->group_instance_id;
    return a->member_id < b->member_id;
  }
  if (a->group_instance_id) return true;
  if (b->group_instance_id) return false;
  return a->member_id < b->member_id;
}

}  // namespace

std::map<std::string, std::vector<topic_partition>> range_assign(
    const std::vector<member_subscription>& members,
    const std::map<std::string, std::vector<std::int32_t>>& partitions_per_topic) {
  std::map<std::string, std::vector<topic_partition>> result;
  // Subscribers per topic; a std::map walks the topics in name order, so each member's list
  // comes out sorted by topic without a final sort.
  std::map<std::string, std::vector<const member_subscription*>> subscribers;
  for (const auto& m : members) {
    result[m.member_id];
    std::set<std::string> unique(m.topics.begin(), m.topics.end());
    for (const auto& t : unique) subscribers[t].push_back(&m);
  }
  for (auto& [topic, consumers] : subscribers) {
    auto found = partitions_per_topic.find(topic);
    if (found == partitions_per_topic.end()) continue;
    std::vector<std::int32_t> partitions = found->second;
    std::sort(partitions.begin(), partitions.end());
    partitions.erase(std::unique(partitions.begin(), partitions.end()), partitions.end());
    std::sort(consumers.begin(), consumers.end(), member_before);
    const std::size_t n = partitions.size();
    const std::size_t m = consumers.size();
    TERN_ASSERT(m > 0);
    const std::size_t per_member = n / m;
    const std::size_t with_extra = n % m;
    for (std::size_t i = 0; i < m; ++i) {
      const std::size_t start = per_member * i + std::min(i, with_extra);
      const std::size_t length = per_member + (i < with_extra ? 1 : 0);
      auto& out = result[consumers[i]->member_id];
      for (std::size_t k = start; k < start + length; ++k) out.push_back({topic, partitions[k]});
    }
  }
  return result;
}

}  // namespace tern::client
