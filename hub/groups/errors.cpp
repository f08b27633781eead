#include "groups/errors.h"

#include <string>

namespace tern::groups {
namespace {

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "groups"; }
  std::string message(int c) const override {
    switch (static_cast<groups_errc>(c)) {
      case groups_errc::coordinator_not_available:
        return "coordinator not available";
      case groups_errc::not_coordinator:
        return "not the coordinator of this group";
      case groups_errc::illegal_generation:
        return "illegal generation";
      case groups_errc::inconsistent_group_protocol:
        return "inconsistent group protocol";
      case groups_errc::invalid_group_id:
        return "invalid group id";
      case groups_errc::unknown_member_id:
        return "unknown member id";
      case groups_errc::invalid_session_timeout:
        return "invalid session timeout";
      case groups_errc::rebalance_in_progress:
        return "rebalance in progress";
      case groups_errc::member_id_required:
        return "member id required";
      case groups_errc::group_max_size_reached:
        return "group max size reached";
      case groups_errc::fenced_instance_id:
        return "fenced instance id";
      case groups_errc::non_empty_group:
        return "group is not empty";
      case groups_errc::group_id_not_found:
        return "group id not found";
      case groups_errc::invalid_request:
        return "invalid request";
    }
    return "unknown groups error";
  }
};

}  // namespace

const std::error_category& groups_category() {
  static const category c;
  return c;
}

}  // namespace tern::groups
