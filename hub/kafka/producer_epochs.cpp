#include "kafka/producer_epochs.h"

#include <cstdint>

#include "tern/common/check.h"

namespace tern::kafka {

void producer_epochs::record(std::int64_t id, std::int16_t epoch) {
  TERN_ASSERT(id >= 0 && epoch >= 0);
  if (_by_id.size() >= entries_max && !_by_id.count(id)) _by_id.erase(_by_id.begin());
  _by_id[id] = entry{epoch, -1};
}

producer_epochs::result producer_epochs::bump(std::int64_t id, std::int16_t epoch) {
  TERN_ASSERT(epoch >= 0);
  auto it = _by_id.find(id);
  if (it == _by_id.end()) return {outcome::unknown};
  entry& e = it->second;
  if (epoch == e.replaced) return {outcome::bumped, e.current};  // a retry of the last bump
  if (epoch != e.current) return {outcome::fenced};
  // Kafka treats INT16_MAX - 1 as the last usable epoch: bumping from it gets a new id.
  if (e.current >= INT16_MAX - 1) {
    _by_id.erase(it);
    return {outcome::exhausted};
  }
  e.replaced = e.current;
  ++e.current;
  return {outcome::bumped, e.current};
}

}  // namespace tern::kafka
