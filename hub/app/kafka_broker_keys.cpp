#include "app/kafka_broker_keys.h"

#include <algorithm>
#include <iterator>
#include <string_view>

namespace tern::app {
namespace {

// Kafka 3.9's broker configuration names, sorted: the *_CONFIG names of its broker-side config
// definitions (ServerConfigs, ServerLogConfigs, ReplicationConfigs, SocketServerConfigs,
// KRaftConfigs, ZkConfigs, QuorumConfig, GroupCoordinatorConfig, ShareGroupConfig,
// TransactionLogConfigs, TransactionStateManagerConfigs, QuotaConfigs, MetricConfigs,
// DelegationTokenManagerConfigs, RemoteLogManagerConfig, CleanerConfig,
// ProducerStateManagerConfig, PasswordEncoderConfigs and the broker's SSL/SASL configs) plus the
// broker synonyms of the topic configs. Names only: what each means is Kafka's documentation.
// (std::string_view elements with an explicit size: deducing a 300-element array's type is a fold
// expression clang refuses.)
constexpr std::string_view kafka_keys[] = {
    "advertised.listeners", "alter.config.policy.class.name",
    "alter.log.dirs.replication.quota.window.num",
    "alter.log.dirs.replication.quota.window.size.seconds", "authorizer.class.name",
    "auto.create.topics.enable", "auto.include.jmx.reporter", "auto.leader.rebalance.enable",
    "background.threads", "bootstrap.servers", "broker.heartbeat.interval.ms", "broker.id",
    "broker.id.generation.enable", "broker.rack", "broker.session.timeout.ms", "client.dns.lookup",
    "client.id", "client.quota.callback.class", "client.rack", "compression.gzip.level",
    "compression.lz4.level", "compression.type", "compression.zstd.level",
    "connection.failed.authentication.delay.ms", "connection_creation_rate",
    "connections.max.idle.ms", "connections.max.reauth.ms", "consumer_byte_rate",
    "control.plane.listener.name", "controlled.shutdown.enable", "controlled.shutdown.max.retries",
    "controlled.shutdown.retry.backoff.ms", "controller.listener.names",
    "controller.quorum.append.linger.ms", "controller.quorum.bootstrap.servers",
    "controller.quorum.election.backoff.max.ms", "controller.quorum.election.timeout.ms",
    "controller.quorum.fetch.timeout.ms", "controller.quorum.request.timeout.ms",
    "controller.quorum.retry.backoff.ms", "controller.quorum.voters", "controller.quota.window.num",
    "controller.quota.window.size.seconds", "controller.socket.timeout.ms",
    "controller_mutation_rate", "create.topic.policy.class.name", "default.api.timeout.ms",
    "default.replication.factor", "delegation.token.expiry.check.interval.ms",
    "delegation.token.expiry.time.ms", "delegation.token.master.key",
    "delegation.token.max.lifetime.ms", "delegation.token.secret.key",
    "delete.records.purgatory.purge.interval.requests", "delete.topic.enable",
    "early.start.listeners", "eligible.leader.replicas.enable", "enable.metrics.push",
    "fetch.max.bytes", "fetch.purgatory.purge.interval.requests",
    "follower.replication.throttled.rate", "follower.replication.throttled.replicas",
    "group.consumer.assignors", "group.consumer.heartbeat.interval.ms",
    "group.consumer.max.heartbeat.interval.ms", "group.consumer.max.session.timeout.ms",
    "group.consumer.max.size", "group.consumer.migration.policy",
    "group.consumer.min.heartbeat.interval.ms", "group.consumer.min.session.timeout.ms",
    "group.consumer.session.timeout.ms", "group.coordinator.append.linger.ms",
    "group.coordinator.new.enable", "group.coordinator.rebalance.protocols",
    "group.coordinator.threads", "group.id", "group.initial.rebalance.delay.ms",
    "group.instance.id", "group.max.session.timeout.ms", "group.max.size",
    "group.min.session.timeout.ms", "group.share.delivery.count.limit", "group.share.enable",
    "group.share.heartbeat.interval.ms", "group.share.max.groups",
    "group.share.max.heartbeat.interval.ms", "group.share.max.record.lock.duration.ms",
    "group.share.max.session.timeout.ms", "group.share.max.size",
    "group.share.min.heartbeat.interval.ms", "group.share.min.record.lock.duration.ms",
    "group.share.min.session.timeout.ms", "group.share.partition.max.record.locks",
    "group.share.record.lock.duration.ms", "group.share.session.timeout.ms",
    "heartbeat.interval.ms", "initial.broker.registration.timeout.ms", "inter.broker.listener.name",
    "inter.broker.protocol.version", "kafka.metrics.polling.interval.secs",
    "kafka.metrics.reporters", "leader.imbalance.check.interval.seconds",
    "leader.imbalance.per.broker.percentage", "leader.replication.throttled.rate",
    "leader.replication.throttled.replicas", "listener.security.protocol.map", "listeners",
    "log.cleaner.backoff.ms", "log.cleaner.dedupe.buffer.size", "log.cleaner.enable",
    "log.cleaner.io.buffer.load.factor", "log.cleaner.io.buffer.size",
    "log.cleaner.io.max.bytes.per.second", "log.cleaner.max.compaction.lag.ms",
    "log.cleaner.min.cleanable.ratio", "log.cleaner.threads", "log.dir",
    "log.dir.failure.timeout.ms", "log.dirs", "log.flush.interval.messages",
    "log.flush.interval.ms", "log.flush.offset.checkpoint.interval.ms",
    "log.flush.scheduler.interval.ms", "log.flush.start.offset.checkpoint.interval.ms",
    "log.index.interval.bytes", "log.index.size.max.bytes", "log.initial.task.delay.ms",
    "log.local.retention.bytes", "log.local.retention.ms", "log.message.downconversion.enable",
    "log.message.format.version", "log.message.timestamp.after.max.ms",
    "log.message.timestamp.before.max.ms", "log.message.timestamp.difference.max.ms",
    "log.message.timestamp.type", "log.preallocate", "log.retention.check.interval.ms",
    "log.retention.hours", "log.retention.minutes", "log.roll.hours", "log.roll.jitter.hours",
    "log.roll.jitter.ms", "log.segment.delete.delay.ms", "max.connection.creation.rate",
    "max.connections", "max.connections.per.ip", "max.connections.per.ip.overrides",
    "max.incremental.fetch.session.cache.slots", "max.poll.interval.ms",
    "max.request.partition.size.limit", "message.max.bytes", "metadata.log.dir",
    "metadata.log.max.record.bytes.between.snapshots", "metadata.log.max.snapshot.interval.ms",
    "metadata.log.segment.bytes", "metadata.log.segment.min.bytes", "metadata.log.segment.ms",
    "metadata.max.age.ms", "metadata.max.idle.interval.ms", "metadata.max.retention.bytes",
    "metadata.max.retention.ms", "metadata.recovery.strategy", "metric.reporters",
    "metrics.num.samples", "metrics.recording.level", "metrics.sample.window.ms",
    "min.insync.replicas", "node.id", "num.io.threads", "num.network.threads", "num.partitions",
    "num.recovery.threads.per.data.dir", "num.replica.alter.log.dirs.threads",
    "num.replica.fetchers", "offset.metadata.max.bytes", "offsets.commit.required.acks",
    "offsets.commit.timeout.ms", "offsets.load.buffer.size", "offsets.retention.check.interval.ms",
    "offsets.retention.minutes", "offsets.topic.compression.codec", "offsets.topic.num.partitions",
    "offsets.topic.replication.factor", "offsets.topic.segment.bytes",
    "password.encoder.cipher.algorithm", "password.encoder.iterations",
    "password.encoder.key.length", "password.encoder.keyfactory.algorithm",
    "password.encoder.old.secret", "password.encoder.secret", "principal.builder.class",
    "process.roles", "producer.id.expiration.check.interval.ms", "producer.id.expiration.ms",
    "producer.purgatory.purge.interval.requests", "producer_byte_rate", "queued.max.request.bytes",
    "queued.max.requests", "quota.window.num", "quota.window.size.seconds", "rebalance.timeout.ms",
    "receive.buffer.bytes", "reconnect.backoff.max.ms", "reconnect.backoff.ms",
    "remote.fetch.max.wait.ms", "remote.log.index.file.cache.total.size.bytes",
    "remote.log.manager.copier.thread.pool.size", "remote.log.manager.copy.max.bytes.per.second",
    "remote.log.manager.copy.quota.window.num", "remote.log.manager.copy.quota.window.size.seconds",
    "remote.log.manager.expiration.thread.pool.size",
    "remote.log.manager.fetch.max.bytes.per.second", "remote.log.manager.fetch.quota.window.num",
    "remote.log.manager.fetch.quota.window.size.seconds", "remote.log.manager.task.interval.ms",
    "remote.log.manager.task.retry.backoff.max.ms", "remote.log.manager.task.retry.backoff.ms",
    "remote.log.manager.task.retry.jitter", "remote.log.manager.thread.pool.size",
    "remote.log.metadata.custom.metadata.max.bytes", "remote.log.metadata.manager.class.name",
    "remote.log.metadata.manager.class.path", "remote.log.metadata.manager.impl.prefix",
    "remote.log.metadata.manager.listener.name", "remote.log.reader.max.pending.tasks",
    "remote.log.reader.threads", "remote.log.storage.manager.class.name",
    "remote.log.storage.manager.class.path", "remote.log.storage.manager.impl.prefix",
    "remote.log.storage.system.enable", "replica.alter.log.dirs.io.max.bytes.per.second",
    "replica.fetch.backoff.ms", "replica.fetch.max.bytes", "replica.fetch.min.bytes",
    "replica.fetch.response.max.bytes", "replica.fetch.wait.max.ms",
    "replica.high.watermark.checkpoint.interval.ms", "replica.lag.time.max.ms",
    "replica.selector.class", "replica.socket.receive.buffer.bytes", "replica.socket.timeout.ms",
    "replication.quota.window.num", "replication.quota.window.size.seconds", "request.timeout.ms",
    "request_percentage", "reserved.broker.max.id", "retries", "retry.backoff.max.ms",
    "retry.backoff.ms", "sasl.enabled.mechanisms", "sasl.jaas.config",
    "sasl.kerberos.principal.to.local.rules", "sasl.mechanism.controller.protocol",
    "sasl.mechanism.inter.broker.protocol", "sasl.server.callback.handler.class",
    "sasl.server.max.receive.size", "security.inter.broker.protocol", "security.protocol",
    "send.buffer.bytes", "server.max.startup.time.ms", "session.timeout.ms",
    "socket.connection.setup.timeout.max.ms", "socket.connection.setup.timeout.ms",
    "socket.listen.backlog.size", "socket.receive.buffer.bytes", "socket.request.max.bytes",
    "socket.send.buffer.bytes", "ssl.allow.dn.changes", "ssl.allow.san.changes",
    "ssl.cipher.suites", "ssl.client.auth", "ssl.enabled.protocols",
    "ssl.endpoint.identification.algorithm", "ssl.engine.factory.class", "ssl.key.password",
    "ssl.keymanager.algorithm", "ssl.keystore.certificate.chain", "ssl.keystore.key",
    "ssl.keystore.location", "ssl.keystore.password", "ssl.keystore.type",
    "ssl.principal.mapping.rules", "ssl.protocol", "ssl.provider",
    "ssl.secure.random.implementation", "ssl.trustmanager.algorithm", "ssl.truststore.certificates",
    "ssl.truststore.location", "ssl.truststore.password", "ssl.truststore.type",
    "telemetry.max.bytes", "transaction.abort.timed.out.transaction.cleanup.interval.ms",
    "transaction.max.timeout.ms", "transaction.partition.verification.enable",
    "transaction.remove.expired.transaction.cleanup.interval.ms",
    "transaction.state.log.load.buffer.size", "transaction.state.log.min.isr",
    "transaction.state.log.num.partitions", "transaction.state.log.replication.factor",
    "transaction.state.log.segment.bytes", "transactional.id.expiration.ms",
    "unclean.leader.election.enable", "unclean.leader.election.interval.ms",
    "unstable.api.versions.enable", "unstable.feature.versions.enable", "zookeeper.connect",
    "zookeeper.connection.timeout.ms", "zookeeper.max.in.flight.requests",
    "zookeeper.metadata.migration.enable", "zookeeper.metadata.migration.min.batch.size",
    "zookeeper.session.timeout.ms", "zookeeper.set.acl", "zookeeper.ssl.cipher.suites",
    "zookeeper.ssl.client.enable", "zookeeper.ssl.crl.enable", "zookeeper.ssl.enabled.protocols",
    "zookeeper.ssl.endpoint.identification.algorithm", "zookeeper.ssl.keystore.location",
    "zookeeper.ssl.keystore.password", "zookeeper.ssl.keystore.type", "zookeeper.ssl.ocsp.enable",
    "zookeeper.ssl.protocol", "zookeeper.ssl.truststore.location",
    "zookeeper.ssl.truststore.password", "zookeeper.ssl.truststore.type",
};

}  // namespace

bool is_kafka_broker_key(std::string_view key) {
  static_assert(std::is_sorted(std::begin(kafka_keys), std::end(kafka_keys)));
  auto known = [](std::string_view k) {
    return std::binary_search(std::begin(kafka_keys), std::end(kafka_keys), k);
  };
  if (known(key)) return true;
  constexpr std::string_view listener_prefix = "listener.name.";
  if (!key.starts_with(listener_prefix)) return false;
  // listener.name.<listener>.<key> or listener.name.<listener>.<mechanism>.<key>
  std::string_view rest = key.substr(listener_prefix.size());
  for (int parts = 0; parts < 2; ++parts) {
    auto dot = rest.find('.');
    if (dot == std::string_view::npos || dot == 0) return false;
    rest = rest.substr(dot + 1);
    if (known(rest)) return true;
  }
  return false;
}

}  // namespace tern::app
