#pragma once
// The request message of every API the hub dispatches (and its response), as compile-time lists
// of types, so that fuzz_request and fuzz_response (and the seed generator) can reach each one's
// decode() from an api key read at run time without a hand-written switch that could silently
// miss an API.
//
// The list is checked against the advertised table (tern::kafka::supported_apis()) by
// coverage_gaps(): every advertised key must have exactly one type here, and each type's codec
// must accept every version the table advertises. fuzz_request and fuzz_response abort at
// start-up when that check fails, and tests/unit/common/test_hub_fuzz_request_types.cpp fails, so a new API added to
// the table without being added here is noticed. New versions of an API need no change here:
// request_versions() reads them from the table.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tern/kafka/api_key.h"
#include "tern/kafka/messages/alter_configs.h"
#include "tern/kafka/messages/api_versions.h"
#include "tern/kafka/messages/create_partitions.h"
#include "tern/kafka/messages/create_topics.h"
#include "tern/kafka/messages/delete_groups.h"
#include "tern/kafka/messages/delete_records.h"
#include "tern/kafka/messages/delete_topics.h"
#include "tern/kafka/messages/describe_cluster.h"
#include "tern/kafka/messages/describe_configs.h"
#include "tern/kafka/messages/describe_log_dirs.h"
#include "tern/kafka/messages/describe_producers.h"
#include "tern/kafka/messages/describe_groups.h"
#include "tern/kafka/messages/describe_quorum.h"
#include "tern/kafka/messages/fetch.h"
#include "tern/kafka/messages/find_coordinator.h"
#include "tern/kafka/messages/heartbeat.h"
#include "tern/kafka/messages/incremental_alter_configs.h"
#include "tern/kafka/messages/init_producer_id.h"
#include "tern/kafka/messages/join_group.h"
#include "tern/kafka/messages/leave_group.h"
#include "tern/kafka/messages/list_groups.h"
#include "tern/kafka/messages/list_offsets.h"
#include "tern/kafka/messages/metadata.h"
#include "tern/kafka/messages/offset_commit.h"
#include "tern/kafka/messages/offset_delete.h"
#include "tern/kafka/messages/offset_fetch.h"
#include "tern/kafka/messages/offset_for_leader_epoch.h"
#include "tern/kafka/messages/produce.h"
#include "tern/kafka/messages/sasl.h"
#include "tern/kafka/messages/sync_group.h"

namespace tern::hub_fuzz {

template <typename... T>
struct type_list {};

using request_types =
    type_list<kafka::produce_request, kafka::fetch_request, kafka::list_offsets_request,
              kafka::metadata_request, kafka::offset_commit_request, kafka::offset_fetch_request,
              kafka::find_coordinator_request, kafka::join_group_request, kafka::heartbeat_request,
              kafka::leave_group_request, kafka::sync_group_request, kafka::describe_groups_request,
              kafka::list_groups_request, kafka::sasl_handshake_request, kafka::api_versions_request,
              kafka::create_topics_request, kafka::delete_topics_request, kafka::delete_records_request,
              kafka::init_producer_id_request, kafka::offset_for_leader_epoch_request,
              kafka::describe_configs_request, kafka::alter_configs_request,
              kafka::sasl_authenticate_request, kafka::delete_groups_request,
              kafka::incremental_alter_configs_request, kafka::offset_delete_request,
              kafka::describe_quorum_request, kafka::describe_cluster_request,
              kafka::describe_log_dirs_request, kafka::describe_producers_request,
              kafka::create_partitions_request>;

// The responses, for the hub's own client side (forwarding links, replication followers, the
// CLI), which decodes what an upstream broker sends: fuzz_response.
using response_types =
    type_list<kafka::produce_response, kafka::fetch_response, kafka::list_offsets_response,
              kafka::metadata_response, kafka::offset_commit_response, kafka::offset_fetch_response,
              kafka::find_coordinator_response, kafka::join_group_response, kafka::heartbeat_response,
              kafka::leave_group_response, kafka::sync_group_response, kafka::describe_groups_response,
              kafka::list_groups_response, kafka::sasl_handshake_response, kafka::api_versions_response,
              kafka::create_topics_response, kafka::delete_topics_response, kafka::delete_records_response,
              kafka::init_producer_id_response, kafka::offset_for_leader_epoch_response,
              kafka::describe_configs_response, kafka::alter_configs_response,
              kafka::sasl_authenticate_response, kafka::delete_groups_response,
              kafka::incremental_alter_configs_response, kafka::offset_delete_response,
              kafka::describe_quorum_response, kafka::describe_cluster_response,
              kafka::describe_log_dirs_response, kafka::describe_producers_response,
              kafka::create_partitions_response>;

// Two types claiming one key would make the dispatch below depend on their order.
template <typename... T>
constexpr bool keys_unique(type_list<T...>) {
  const kafka::api_key keys[] = {T::key...};
  for (std::size_t i = 0; i < sizeof...(T); ++i)
    for (std::size_t j = i + 1; j < sizeof...(T); ++j)
      if (keys[i] == keys[j]) return false;
  return true;
}
static_assert(keys_unique(request_types{}), "two request types in request_types share an api key");
static_assert(keys_unique(response_types{}), "two response types in response_types share an api key");

// Calls f.template operator()<T>() for the request type T whose key is `key`; false if the list
// has none. f is typically a template lambda: [&]<typename T>() { T request; ... }.
template <typename F, typename... T>
bool with_request_type(kafka::api_key key, F&& f, type_list<T...>) {
  return ((T::key == key ? (f.template operator()<T>(), true) : false) || ...);
}
template <typename F>
bool with_request_type(kafka::api_key key, F&& f) {
  return with_request_type(key, std::forward<F>(f), request_types{});
}

// Every (key, version) the hub advertises, in table order: fuzz inputs pick one by index.
inline std::vector<std::pair<kafka::api_key, std::int16_t>> request_versions() {
  std::vector<std::pair<kafka::api_key, std::int16_t>> out;
  for (const auto& api : kafka::supported_apis())
    for (std::int16_t v = api.min_version; v <= api.max_version; ++v) out.emplace_back(api.key, v);
  return out;
}

// What `list` misses against the advertised table, one sentence per gap; empty when every
// advertised key has a type whose codec takes every advertised version.
template <typename List = request_types>
std::string coverage_gaps(List list = {}) {
  std::string gaps;
  for (const auto& api : kafka::supported_apis()) {
    const int key = static_cast<int>(api.key);
    bool found = with_request_type(api.key, [&]<typename T>() {
      if (api.min_version < T::min_version || api.max_version > T::max_version)
        gaps += "api key " + std::to_string(key) + ": the table advertises v" +
                std::to_string(api.min_version) + "-" + std::to_string(api.max_version) +
                " but the request codec takes v" + std::to_string(T::min_version) + "-" +
                std::to_string(T::max_version) + ". ";
    }, list);
    if (!found) gaps += "api key " + std::to_string(key) + " has no type in request_types. ";
  }
  return gaps;
}

}  // namespace tern::hub_fuzz
