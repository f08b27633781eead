#pragma once
// The controller's decision rules: pure functions from the metadata image (plus a request, and
// time/randomness as arguments — never a clock or an RNG inside) to the records the quorum
// leader proposes as one entry. Nothing here proposes or applies: the controller encodes the
// records (encode_entry), proposes them, and the image applies them once committed.
//
// Why records carry the epochs they were decided against: a decision can reach the log after
// another one changed the same broker or partition (a leader change between decide and commit,
// two requests in flight). The image then skips the stale record (see partition_change_record),
// so deciding on a slightly old image is safe; the worst case is a decision that must be retried.
//
// Rules shared by the decisions below (Kafka's KRaft semantics unless said otherwise):
// - "live" = registered, unfenced, not in controlled shutdown (metadata_image::is_live). Only a
//   live broker is elected leader or added to an ISR.
// - An election picks the first live ISR member in replica order (so the preferred replica wins
//   when it can).
// - An ISR never shrinks to empty because a broker went away: the last member stays in it (and
//   the partition goes offline, leader no_leader), so the partition can come back only with the
//   broker that has the data. Exception: a broker that registers with a new data dir id lost its
//   data; it leaves every ISR even as the last member (the ISR becomes empty) and is never
//   elected from an ISR it was in before.
// - Unclean election (a live replica outside the ISR becomes leader, ISR = {it}) happens only
//   where the topic's `unclean.leader.election.enable` is "true", or it is unset and
//   `unclean_default` is true.
//
// Threads: none; reentrant. Each function clears `out`, then fills it on success; on error `out`
// is empty. An empty `out` with no error means "nothing to do". Lifetimes: records own their data.
#include <cstdint>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "cluster/metadata_image.h"
#include "cluster/metadata_records.h"
#include "cluster/placement.h"

namespace tern::cluster {

inline constexpr const char* unclean_election_config = "unclean.leader.election.enable";

using record_list = std::vector<metadata_record>;

struct create_topic_request {
  std::string name;
  std::int32_t partitions = 1;
  std::int32_t replication_factor = 1;
  config_map configs;
  // Explicit replicas per partition; when set, partitions/replication_factor are ignored.
  std::optional<replica_assignment> assignment;
};

// One create_topic record. With placement: leader = first replica, isr = all replicas. With an
// explicit assignment: isr = its live replicas, leader = the first of them.
// `topic_id` is the caller's random id (never all-zero). Topic name syntax and config values are
// the broker's to validate; this bounds the name to 1..249 bytes.
// Errors: malformed_entry (name empty or too long), topic_exists (name, or id already used:
// draw another id), entry_too_large (more than configs_max configs), invalid_partitions,
// invalid_replication_factor, unknown_broker, broker_fenced (see placement.h).
std::error_code decide_create_topic(const metadata_image& image, const create_topic_request& req,
                                    placement_seed seed, const uuid16& topic_id,
                                    record_list& out);

// Errors: unknown_topic.
std::error_code decide_delete_topic(const metadata_image& image, std::string_view name,
                                    record_list& out);

// Replaces the topic's configs. Errors: unknown_topic, entry_too_large (> configs_max).
std::error_code decide_alter_topic_configs(const metadata_image& image, std::string_view name,
                                           const config_map& configs, record_list& out);

struct broker_registration {
  node_id node = 0;
  uuid16 incarnation_id{};
  uuid16 dir_id{};
  std::uint8_t roles = role_broker;
  std::vector<endpoint> endpoints;
};

// register_broker (the broker starts fenced), then: if its previous registration was unfenced,
// its leaderships move away as on fencing (a new process does not have the old one's state);
// if its data dir id changed, it leaves every ISR (it lost its data).
// Errors: unknown_broker (node id < 0, or brokers_max brokers already registered),
// entry_too_large (more than endpoints_max endpoints).
std::error_code decide_register_broker(const metadata_image& image,
                                       const broker_registration& reg, bool unclean_default,
                                       record_list& out);

// The broker missed its session: fence_broker, then for every partition it leads a new leader
// from the live ISR (or unclean, or offline), and for every ISR it is in: ISR minus it (never
// empty). For a broker already fenced there is no fence record, but whatever still refers to it
// moves (a change decided with the fencing may have lost to a concurrent one and been skipped),
// so `out` is empty only when nothing is left to do. Errors: unknown_broker.
std::error_code decide_fence_broker(const metadata_image& image, node_id node,
                                    bool unclean_default, record_list& out);

// The broker caught up: unfence_broker, then every leaderless partition whose ISR holds a live
// broker (counting this one) gets its first such member as leader; with unclean election, a
// leaderless partition with no live ISR member gets this broker if it is a replica.
// Nothing to do if it is not fenced. Errors: unknown_broker, shutting_down (the broker began a
// controlled shutdown: it must register again).
std::error_code decide_unfence_broker(const metadata_image& image, node_id node,
                                      bool unclean_default, record_list& out);

// begin_controlled_shutdown (once), then each leadership of the broker moves to another live
// ISR member, and the broker leaves every ISR where it is not the last member. A partition with
// no other live ISR member keeps this broker as leader until it is fenced: it still serves until
// it stops. Repeating the call after more brokers came back moves what can move now.
// Errors: unknown_broker.
std::error_code decide_controlled_shutdown(const metadata_image& image, node_id node,
                                           record_list& out);

// Preferred leader election: every partition whose first replica is live, in the ISR and not the
// leader gets it back as leader. Never fails; `out` may be empty.
void decide_preferred_leaders(const metadata_image& image, record_list& out);

// The catch-all the controller runs after a failover: every partition led by a fenced broker is
// handled as on fencing, and every leaderless partition gets its first live ISR member (or, with
// unclean election, its first live replica) as leader. Never fails; `out` may be empty.
void decide_elect_leaderless(const metadata_image& image, bool unclean_default,
                             record_list& out);

// Kafka's AlterPartition: a partition leader asks to change the ISR.
struct alter_partition_request {
  node_id leader = 0;             // the sender
  std::int64_t broker_epoch = 0;  // the sender's
  uuid16 topic_id{};
  std::int32_t partition = 0;
  std::int32_t leader_epoch = 0;
  std::int32_t partition_epoch = 0;
  std::vector<node_id> new_isr;
};

// One partition_change (isr only), or nothing when the ISR is already `new_isr`.
// Errors, in the order checked: unknown_topic (topic or partition), unknown_broker (sender not
// registered), stale_broker_epoch, broker_fenced (sender fenced), fenced_leader_epoch (older
// leader epoch, or older partition epoch), unknown_leader_epoch (newer leader or partition
// epoch), not_leader_or_follower (sender is not the leader, or a new ISR member is not a
// replica), malformed_entry (empty ISR, duplicates, or the leader not in it — errors.h has no
// "invalid request"), unknown_broker / broker_fenced (a new ISR member not registered / not live).
std::error_code decide_alter_partition(const metadata_image& image,
                                       const alter_partition_request& req, record_list& out);

// Whether unclean election is allowed for `topic` (its config, else the default).
bool unclean_election_enabled(const topic_state& topic, bool unclean_default);

}  // namespace tern::cluster
