#include "replication/errors.h"

#include <string>

namespace tern::replication {
namespace {

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "replication"; }
  std::string message(int c) const override {
    switch (static_cast<replication_errc>(c)) {
      case replication_errc::not_leader_or_follower: return "not the leader of this partition";
      case replication_errc::not_enough_replicas: return "not enough in-sync replicas";
      case replication_errc::not_enough_replicas_after_append:
        return "appended, but the in-sync replicas fell below min.insync.replicas";
      case replication_errc::request_timed_out: return "timed out waiting for the in-sync replicas";
      case replication_errc::fenced_leader_epoch: return "fenced leader epoch";
      case replication_errc::unknown_leader_epoch: return "unknown leader epoch";
      case replication_errc::offset_out_of_range: return "offset out of range";
      case replication_errc::unknown_replica: return "not a replica of this partition";
      case replication_errc::too_many_waiters: return "too many requests waiting for replication";
      case replication_errc::too_many_partitions: return "too many partitions on one fetcher";
      case replication_errc::corrupt_batch: return "corrupt record batch from the leader";
      case replication_errc::offset_overlap: return "a fetched batch overlaps the local log end";
      case replication_errc::leader_error: return "the leader answered with an error";
      case replication_errc::unsupported_version: return "the leader lacks a needed API version";
      case replication_errc::truncation_failed: return "log reconciliation did not converge";
      case replication_errc::stopped: return "fetcher stopped";
    }
    return "replication error " + std::to_string(c);
  }
};

}  // namespace

const std::error_category& replication_category() {
  static const category instance;
  return instance;
}

}  // namespace tern::replication
