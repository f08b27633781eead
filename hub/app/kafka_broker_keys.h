#pragma once
// The configuration keys a Kafka 3.9 broker defines. A server.properties written for Kafka names
// many of them (num.network.threads, zookeeper.connect, offsets.topic.replication.factor, ...):
// `tern serve` accepts those it does not implement, keeps them for DescribeConfigs (which says
// they are not acted on) and names them in one warning at start, instead of refusing the file. A
// key that is neither Tern's nor Kafka's (a typo) is still refused.
#include <string_view>

namespace tern::app {

// Whether `key` is a Kafka broker configuration key: one of Kafka's names, or one of them behind
// a listener prefix (listener.name.<listener>.<key>, also with a SASL mechanism:
// listener.name.<listener>.<mechanism>.<key>), as Kafka accepts per-listener settings.
bool is_kafka_broker_key(std::string_view key);

}  // namespace tern::app
