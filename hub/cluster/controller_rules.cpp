#include "cluster/controller_rules.h"

#include <algorithm>

#include "cluster/errors.h"

namespace tern::cluster {
namespace {

bool contains(const std::vector<node_id>& v, node_id n) {
  return std::find(v.begin(), v.end(), n) != v.end();
}

std::vector<node_id> without(const std::vector<node_id>& v, node_id n) {
  std::vector<node_id> out;
  for (node_id x : v) {
    if (x != n) out.push_back(x);
  }
  return out;
}

// Why a broker leaves a partition.
enum class leaving {
  fenced,    // gone: elect elsewhere or go offline; stays in the ISR as its last member
  lost_data, // new data dir: leaves every ISR, even as the last member
  shutdown,  // controlled shutdown: move what can move, keep leading otherwise
};

// A record turning `p` into `next`, or nothing if they do not differ.
void propose(const topic_state& t, std::size_t idx, const partition_state& next,
             record_list& out) {
  const partition_state& p = t.partitions[idx];
  if (next.leader == p.leader && next.isr == p.isr) return;
  partition_change_record rec;
  rec.topic_id = t.id;
  rec.partition = static_cast<std::int32_t>(idx);
  rec.partition_epoch = p.partition_epoch;
  if (next.leader != p.leader) rec.leader = next.leader;
  if (next.isr != p.isr) rec.isr = next.isr;
  out.push_back(std::move(rec));
}

// The first replica (in replica order) among `candidates` that `eligible` accepts.
template <typename Pred>
node_id first_eligible(const partition_state& p, const std::vector<node_id>& candidates,
                       Pred eligible) {
  for (node_id r : p.replicas) {
    if (contains(candidates, r) && eligible(r)) return r;
  }
  return no_leader;
}

// Takes broker `b` out of partition `idx`'s leadership and ISR, as `why` says.
void evict(const metadata_image& image, const topic_state& t, std::size_t idx, node_id b,
           leaving why, bool unclean, record_list& out) {
  const partition_state& p = t.partitions[idx];
  if (!contains(p.isr, b) && p.leader != b) return;
  auto live_other = [&](node_id r) { return r != b && image.is_live(r); };
  partition_state next = p;
  next.isr = without(p.isr, b);
  if (p.leader == b) {
    next.leader = first_eligible(p, next.isr, live_other);
    if (next.leader == no_leader && why == leaving::shutdown) return;  // keeps leading
    if (next.leader == no_leader && unclean) {
      next.leader = first_eligible(p, p.replicas, live_other);
      if (next.leader != no_leader) next.isr = {next.leader};
    }
  }
  // The last member keeps its claim on the data: never an empty ISR, unless the data is gone.
  if (next.isr.empty() && why != leaving::lost_data) next.isr = {b};
  propose(t, idx, next, out);
}

template <typename Fn>
void for_each_partition(const metadata_image& image, Fn fn) {
  for (const auto& [name, t] : image.topics()) {
    for (std::size_t i = 0; i < t.partitions.size(); ++i) fn(t, i);
  }
}

// A leader for a leaderless partition: the first live ISR member (counting `extra_live` as
// live), else with unclean election the first such replica.
void elect_leaderless(const metadata_image& image, const topic_state& t, std::size_t idx,
                      node_id extra_live, bool unclean_default, record_list& out) {
  const partition_state& p = t.partitions[idx];
  if (p.leader != no_leader) return;
  auto live = [&](node_id r) { return r == extra_live || image.is_live(r); };
  partition_state next = p;
  next.leader = first_eligible(p, p.isr, live);
  if (next.leader == no_leader && unclean_election_enabled(t, unclean_default)) {
    next.leader = first_eligible(p, p.replicas, live);
    if (next.leader != no_leader) next.isr = {next.leader};
  }
  propose(t, idx, next, out);
}

std::error_code check_create(const metadata_image& image, const create_topic_request& req,
                             const uuid16& topic_id) {
  if (req.name.empty() || req.name.size() > topic_name_size_max) {
    return cluster_errc::malformed_entry;
  }
  if (image.topic(req.name) || image.topic(topic_id) || topic_id == uuid16{}) {
    return cluster_errc::topic_exists;
  }
  if (req.configs.size() > configs_max) return cluster_errc::entry_too_large;
  return {};
}

}  // namespace

bool unclean_election_enabled(const topic_state& topic, bool unclean_default) {
  auto it = topic.configs.find(unclean_election_config);
  if (it == topic.configs.end()) return unclean_default;
  return it->second == "true";
}

std::error_code decide_create_topic(const metadata_image& image, const create_topic_request& req,
                                    placement_seed seed, const uuid16& topic_id,
                                    record_list& out) {
  out.clear();
  if (auto ec = check_create(image, req, topic_id)) return ec;
  replica_assignment assignment;
  if (req.assignment) {
    if (auto ec = validate_assignment(image, *req.assignment)) return ec;
    assignment = *req.assignment;
  } else {
    std::vector<node_id> brokers = placeable_brokers(image);
    if (auto ec = assign_replicas(brokers, req.partitions, req.replication_factor, seed,
                                  assignment)) {
      return ec;
    }
  }
  create_topic_record rec;
  rec.name = req.name;
  rec.topic_id = topic_id;
  rec.configs = req.configs;
  for (auto& replicas : assignment) {
    partition_assignment a;
    for (node_id r : replicas) {
      if (image.is_live(r)) a.isr.push_back(r);
    }
    a.leader = a.isr.front();  // validate_assignment/placement guarantee a live replica
    a.replicas = std::move(replicas);
    rec.partitions.push_back(std::move(a));
  }
  out.push_back(std::move(rec));
  return {};
}

std::error_code decide_delete_topic(const metadata_image& image, std::string_view name,
                                    record_list& out) {
  out.clear();
  const topic_state* t = image.topic(name);
  if (!t) return cluster_errc::unknown_topic;
  out.push_back(delete_topic_record{t->id});
  return {};
}

std::error_code decide_alter_topic_configs(const metadata_image& image, std::string_view name,
                                           const config_map& configs, record_list& out) {
  out.clear();
  const topic_state* t = image.topic(name);
  if (!t) return cluster_errc::unknown_topic;
  if (configs.size() > configs_max) return cluster_errc::entry_too_large;
  out.push_back(alter_topic_configs_record{t->id, configs});
  return {};
}

std::error_code decide_register_broker(const metadata_image& image,
                                       const broker_registration& reg, bool unclean_default,
                                       record_list& out) {
  out.clear();
  const broker_state* prev = image.broker(reg.node);
  if (reg.node < 0 || (!prev && image.brokers().size() >= brokers_max)) {
    return cluster_errc::unknown_broker;
  }
  if (reg.endpoints.size() > endpoints_max) return cluster_errc::entry_too_large;
  out.push_back(register_broker_record{reg.node, reg.incarnation_id, reg.dir_id, reg.roles,
                                       reg.endpoints});
  if (!prev) return {};
  const bool lost_data = prev->dir_id != reg.dir_id;
  const bool was_unfenced = !prev->fenced;
  if (!lost_data && !was_unfenced) return {};
  const leaving why = lost_data ? leaving::lost_data : leaving::fenced;
  for_each_partition(image, [&](const topic_state& t, std::size_t i) {
    evict(image, t, i, reg.node, why, unclean_election_enabled(t, unclean_default), out);
  });
  return {};
}

std::error_code decide_fence_broker(const metadata_image& image, node_id node,
                                    bool unclean_default, record_list& out) {
  out.clear();
  const broker_state* b = image.broker(node);
  if (!b) return cluster_errc::unknown_broker;
  // Already fenced: no record for the broker, but whatever still refers to it moves (a change
  // decided together with the fencing may have lost to a concurrent one and been skipped).
  if (!b->fenced) out.push_back(fence_broker_record{node, b->broker_epoch});
  for_each_partition(image, [&](const topic_state& t, std::size_t i) {
    evict(image, t, i, node, leaving::fenced, unclean_election_enabled(t, unclean_default), out);
  });
  return {};
}

std::error_code decide_unfence_broker(const metadata_image& image, node_id node,
                                      bool unclean_default, record_list& out) {
  out.clear();
  const broker_state* b = image.broker(node);
  if (!b) return cluster_errc::unknown_broker;
  if (b->in_controlled_shutdown) return cluster_errc::shutting_down;
  if (!b->fenced) return {};
  out.push_back(unfence_broker_record{node, b->broker_epoch});
  for_each_partition(image, [&](const topic_state& t, std::size_t i) {
    elect_leaderless(image, t, i, node, unclean_default, out);
  });
  return {};
}

std::error_code decide_controlled_shutdown(const metadata_image& image, node_id node,
                                           record_list& out) {
  out.clear();
  const broker_state* b = image.broker(node);
  if (!b) return cluster_errc::unknown_broker;
  if (!b->in_controlled_shutdown) {
    out.push_back(begin_controlled_shutdown_record{node, b->broker_epoch});
  }
  for_each_partition(image, [&](const topic_state& t, std::size_t i) {
    evict(image, t, i, node, leaving::shutdown, false, out);
  });
  return {};
}

void decide_preferred_leaders(const metadata_image& image, record_list& out) {
  out.clear();
  for_each_partition(image, [&](const topic_state& t, std::size_t i) {
    const partition_state& p = t.partitions[i];
    node_id preferred = p.replicas.front();
    if (p.leader == preferred || !image.is_live(preferred) || !contains(p.isr, preferred)) return;
    partition_state next = p;
    next.leader = preferred;
    propose(t, i, next, out);
  });
}

void decide_elect_leaderless(const metadata_image& image, bool unclean_default,
                             record_list& out) {
  out.clear();
  for_each_partition(image, [&](const topic_state& t, std::size_t i) {
    const node_id leader = t.partitions[i].leader;
    const broker_state* b = image.broker(leader);
    const bool unclean = unclean_election_enabled(t, unclean_default);
    if (leader != no_leader && (!b || b->fenced)) {
      evict(image, t, i, leader, leaving::fenced, unclean, out);
    } else {
      elect_leaderless(image, t, i, no_leader, unclean_default, out);
    }
  });
}

namespace {

std::error_code check_alter_sender(const metadata_image& image,
                                   const alter_partition_request& req,
                                   const partition_state& p) {
  const broker_state* sender = image.broker(req.leader);
  if (!sender) return cluster_errc::unknown_broker;
  if (sender->broker_epoch != req.broker_epoch) return cluster_errc::stale_broker_epoch;
  if (sender->fenced) return cluster_errc::broker_fenced;
  if (req.leader_epoch < p.leader_epoch || req.partition_epoch < p.partition_epoch) {
    return cluster_errc::fenced_leader_epoch;
  }
  if (req.leader_epoch > p.leader_epoch || req.partition_epoch > p.partition_epoch) {
    return cluster_errc::unknown_leader_epoch;
  }
  if (p.leader != req.leader) return cluster_errc::not_leader_or_follower;
  return {};
}

std::error_code check_new_isr(const metadata_image& image, const alter_partition_request& req,
                              const partition_state& p) {
  const auto& isr = req.new_isr;
  std::vector<node_id> sorted = isr;
  std::sort(sorted.begin(), sorted.end());
  if (isr.empty() || std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end() ||
      !contains(isr, req.leader)) {
    return cluster_errc::malformed_entry;
  }
  for (node_id r : isr) {
    if (!contains(p.replicas, r)) return cluster_errc::not_leader_or_follower;
  }
  for (node_id r : isr) {
    if (!image.broker(r)) return cluster_errc::unknown_broker;
    // The leader was checked unfenced; it may lead while shutting down. Others must be live.
    if (r != req.leader && !image.is_live(r)) return cluster_errc::broker_fenced;
  }
  return {};
}

}  // namespace

std::error_code decide_alter_partition(const metadata_image& image,
                                       const alter_partition_request& req, record_list& out) {
  out.clear();
  const partition_state* p = image.partition(req.topic_id, req.partition);
  if (!p) return cluster_errc::unknown_topic;
  if (auto ec = check_alter_sender(image, req, *p)) return ec;
  if (auto ec = check_new_isr(image, req, *p)) return ec;
  if (req.new_isr == p->isr) return {};
  partition_change_record rec;
  rec.topic_id = req.topic_id;
  rec.partition = req.partition;
  rec.partition_epoch = p->partition_epoch;
  rec.isr = req.new_isr;
  out.push_back(std::move(rec));
  return {};
}

}  // namespace tern::cluster
