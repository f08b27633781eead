#include "cluster/errors.h"

#include <string>

namespace tern::cluster {
namespace {

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "cluster"; }
  std::string message(int c) const override {
    switch (static_cast<cluster_errc>(c)) {
      case cluster_errc::not_leader: return "not the quorum leader";
      case cluster_errc::no_quorum: return "no quorum leader available";
      case cluster_errc::shutting_down: return "shutting down";
      case cluster_errc::entry_too_large: return "metadata entry too large";
      case cluster_errc::malformed_entry: return "malformed metadata entry";
      case cluster_errc::unknown_broker: return "unknown broker";
      case cluster_errc::stale_broker_epoch: return "stale broker epoch";
      case cluster_errc::broker_fenced: return "broker is fenced";
      case cluster_errc::invalid_replication_factor: return "invalid replication factor";
      case cluster_errc::topic_exists: return "topic already exists";
      case cluster_errc::unknown_topic: return "unknown topic";
      case cluster_errc::invalid_partitions: return "invalid number of partitions";
      case cluster_errc::not_enough_replicas: return "not enough in-sync replicas";
      case cluster_errc::fenced_leader_epoch: return "fenced leader epoch";
      case cluster_errc::unknown_leader_epoch: return "unknown leader epoch";
      case cluster_errc::not_leader_or_follower: return "not the leader or a follower of this partition";
      case cluster_errc::io_error: return "quorum storage I/O error";
      case cluster_errc::cluster_id_mismatch: return "data dir belongs to another cluster";
    }
    return "cluster error " + std::to_string(c);
  }
};

}  // namespace

const std::error_category& cluster_category() {
  static const category instance;
  return instance;
}

}  // namespace tern::cluster
