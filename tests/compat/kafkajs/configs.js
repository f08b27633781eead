'use strict'
// kafkajs 2.2.4 topic configuration admin against a Tern hub: describeConfigs (defaults and an
// override set by createTopics configEntries), alterConfigs (retention.ms and cleanup.policy;
// AlterConfigs replaces the whole override set), describe again, an invalid value rejected with
// INVALID_CONFIG, validateOnly, an unknown topic, and the broker resource. Prints one JSON line
// with what kafkajs saw; exits non-zero on any failure.
//
// Usage: node configs.js <bootstrap> <topic>

const { Kafka, logLevel, ConfigResourceTypes, ConfigSource } = require('kafkajs')

const [bootstrap, topic] = process.argv.slice(2)

function fail (msg) {
  console.error('FAIL: ' + msg)
  process.exit(1)
}

function check (cond, msg) {
  if (!cond) fail(msg)
}

function entries (described, name) {
  const res = described.resources.find(r => r.resourceName === name)
  check(res, 'describeConfigs lacks ' + name + ': ' + JSON.stringify(described))
  check(res.errorCode === 0, 'describeConfigs ' + name + ' error ' + res.errorCode + ' ' + res.errorMessage)
  const out = {}
  for (const e of res.configEntries) out[e.configName] = e
  return out
}

async function describeTopic (admin, name) {
  return entries(await admin.describeConfigs({
    resources: [{ type: ConfigResourceTypes.TOPIC, name }],
    includeSynonyms: false
  }), name)
}

async function expectReject (promise, type, what) {
  try {
    await promise
  } catch (e) {
    check(e.type === type, what + ': rejected with ' + e.type + ' (' + e.message + '), want ' + type)
    return e
  }
  fail(what + ': resolved, want a rejection with ' + type)
}

async function main () {
  check(bootstrap && topic, 'usage: node configs.js <bootstrap> <topic>')
  const kafka = new Kafka({
    clientId: 'tern-kafkajs-configs',
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 5000,
    requestTimeout: 15000,
    retry: { retries: 2, initialRetryTime: 200 }
  })
  const admin = kafka.admin()
  await admin.connect()
  const created = await admin.createTopics({
    topics: [{
      topic,
      numPartitions: 2,
      replicationFactor: 1,
      configEntries: [{ name: 'retention.ms', value: '3600000' }]
    }],
    waitForLeaders: true
  })
  check(created === true, 'createTopics returned ' + created)

  // Defaults and the override from createTopics.
  let cfg = await describeTopic(admin, topic)
  const seen = { before: {}, after: {} }
  for (const k of ['retention.ms', 'cleanup.policy', 'max.message.bytes', 'segment.bytes']) {
    check(cfg[k], 'describeConfigs lacks ' + k + ': ' + JSON.stringify(Object.keys(cfg)))
    seen.before[k] = { value: cfg[k].configValue, isDefault: cfg[k].isDefault, source: cfg[k].configSource }
  }
  check(cfg['retention.ms'].configValue === '3600000', 'retention.ms ' + cfg['retention.ms'].configValue)
  check(cfg['retention.ms'].isDefault === false, 'retention.ms isDefault')
  check(cfg['retention.ms'].configSource === ConfigSource.TOPIC_CONFIG, 'retention.ms source ' + cfg['retention.ms'].configSource)
  check(cfg['cleanup.policy'].configValue === 'delete', 'cleanup.policy default ' + cfg['cleanup.policy'].configValue)
  check(cfg['cleanup.policy'].isDefault === true, 'cleanup.policy isDefault')
  check(cfg['cleanup.policy'].configSource === ConfigSource.DEFAULT_CONFIG, 'cleanup.policy source')
  check(cfg['cleanup.policy'].readOnly === false && cfg['cleanup.policy'].isSensitive === false, 'flags')

  // configNames filter, with synonyms.
  const filtered = entries(await admin.describeConfigs({
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['retention.ms'] }],
    includeSynonyms: true
  }), topic)
  check(Object.keys(filtered).join() === 'retention.ms', 'configNames filter: ' + Object.keys(filtered))
  const syn = filtered['retention.ms'].configSynonyms.map(s => s.configName + '=' + s.configValue)
  check(syn.join() === 'retention.ms=3600000,log.retention.ms=604800000', 'synonyms ' + syn)

  // alterConfigs: retention.ms and cleanup.policy.
  const altered = await admin.alterConfigs({
    validateOnly: false,
    resources: [{
      type: ConfigResourceTypes.TOPIC,
      name: topic,
      configEntries: [{ name: 'retention.ms', value: '120000' }, { name: 'cleanup.policy', value: 'compact' }]
    }]
  })
  check(altered.resources.length === 1 && altered.resources[0].errorCode === 0, 'alterConfigs ' + JSON.stringify(altered))
  cfg = await describeTopic(admin, topic)
  for (const k of ['retention.ms', 'cleanup.policy', 'max.message.bytes', 'segment.bytes']) {
    seen.after[k] = { value: cfg[k].configValue, isDefault: cfg[k].isDefault, source: cfg[k].configSource }
  }
  check(cfg['retention.ms'].configValue === '120000', 'retention.ms after alter ' + cfg['retention.ms'].configValue)
  check(cfg['cleanup.policy'].configValue === 'compact', 'cleanup.policy after alter ' + cfg['cleanup.policy'].configValue)
  check(cfg['cleanup.policy'].configSource === ConfigSource.TOPIC_CONFIG, 'cleanup.policy source after alter')

  // validateOnly: checked, not stored.
  await admin.alterConfigs({
    validateOnly: true,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: 'retention.ms', value: '1' }] }]
  })
  cfg = await describeTopic(admin, topic)
  check(cfg['retention.ms'].configValue === '120000', 'validateOnly changed retention.ms to ' + cfg['retention.ms'].configValue)

  // An invalid value: the promise rejects with INVALID_CONFIG; nothing changes.
  const bad = await expectReject(admin.alterConfigs({
    resources: [{
      type: ConfigResourceTypes.TOPIC,
      name: topic,
      configEntries: [{ name: 'retention.ms', value: 'forever' }, { name: 'cleanup.policy', value: 'delete' }]
    }]
  }), 'INVALID_CONFIG', 'alterConfigs retention.ms=forever')
  cfg = await describeTopic(admin, topic)
  check(cfg['cleanup.policy'].configValue === 'compact', 'a refused alterConfigs changed cleanup.policy')
  await expectReject(admin.alterConfigs({
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: 'no.such.config', value: '1' }] }]
  }), 'INVALID_CONFIG', 'alterConfigs no.such.config')

  // Unknown topic.
  await expectReject(admin.describeConfigs({
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic + '-missing' }],
    includeSynonyms: false
  }), 'UNKNOWN_TOPIC_OR_PARTITION', 'describeConfigs of a missing topic')

  // The broker resource: read-only configs of this node.
  const cluster = await admin.describeCluster()
  const brokerId = String(cluster.brokers[0].nodeId)
  const broker = entries(await admin.describeConfigs({
    resources: [{ type: ConfigResourceTypes.BROKER, name: brokerId, configNames: ['message.max.bytes', 'num.partitions'] }],
    includeSynonyms: false
  }), brokerId)
  check(broker['message.max.bytes'] && broker['message.max.bytes'].readOnly === true, 'broker message.max.bytes ' + JSON.stringify(broker))
  check(broker['num.partitions'] && broker['num.partitions'].configValue === '1', 'broker num.partitions')

  await admin.disconnect()
  console.log(JSON.stringify({ seen, badMessage: bad.message }))
}

main().catch(e => fail((e && e.stack) || String(e)))
