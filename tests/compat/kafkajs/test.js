'use strict'
// kafkajs 2.2.4 against a Tern hub: admin (create/list/metadata/offsets/delete topics) and a
// producer sending 1,000 keyed messages with headers and timestamps, half of them gzip-compressed.
// There is no group-less consumer in kafkajs, so the data itself is checked by the Python wrapper
// (test_kafkajs.py) with kcat and a raw Fetch; this script prints what kafkajs saw as one JSON
// line on stdout and exits non-zero on any failure.
//
// Usage: node test.js <bootstrap> <topic> <doomed-topic>

const { Kafka, logLevel, CompressionTypes } = require('kafkajs')

const [bootstrap, topic, doomed] = process.argv.slice(2)
const N = 1000
const BATCH = 100
const TS0 = 1700000000000

function fail (msg) {
  console.error('FAIL: ' + msg)
  process.exit(1)
}

function check (cond, msg) {
  if (!cond) fail(msg)
}

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

async function main () {
  check(bootstrap && topic && doomed, 'usage: node test.js <bootstrap> <topic> <doomed-topic>')
  const kafka = new Kafka({
    clientId: 'tern-kafkajs',
    brokers: [bootstrap],
    logLevel: logLevel.WARN,
    connectionTimeout: 5000,
    requestTimeout: 15000,
    retry: { retries: 3, initialRetryTime: 200 }
  })

  const admin = kafka.admin()
  await admin.connect()
  const created = await admin.createTopics({
    topics: [
      { topic, numPartitions: 3, replicationFactor: 1 },
      { topic: doomed, numPartitions: 1, replicationFactor: 1 }
    ],
    waitForLeaders: true,
    timeout: 10000
  })
  check(created === true, 'createTopics returned ' + created + ' (want true)')
  const again = await admin.createTopics({
    topics: [{ topic, numPartitions: 3, replicationFactor: 1 }],
    waitForLeaders: false
  })
  check(again === false, 'createTopics of an existing topic returned ' + again + ' (want false)')

  let names = await admin.listTopics()
  check(names.includes(topic) && names.includes(doomed), 'listTopics: ' + JSON.stringify(names))
  const md = await admin.fetchTopicMetadata({ topics: [topic] })
  check(md.topics.length === 1 && md.topics[0].name === topic, 'metadata: ' + JSON.stringify(md))
  const parts = md.topics[0].partitions.map(p => p.partitionId).sort()
  check(JSON.stringify(parts) === '[0,1,2]', 'partitions: ' + JSON.stringify(md.topics[0]))

  const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: false })
  await producer.connect()
  const produced = []
  for (let b = 0; b < N / BATCH; b++) {
    const messages = []
    for (let i = b * BATCH; i < (b + 1) * BATCH; i++) {
      messages.push({
        key: `key-${i % 37}`,
        value: `value-${i}`,
        headers: { idx: String(i), bin: Buffer.from([0x00, 0x01, 0xff, i & 0xff]) },
        timestamp: String(TS0 + i)
      })
    }
    const res = await producer.send({
      topic,
      acks: -1,
      compression: b % 2 ? CompressionTypes.GZIP : CompressionTypes.None,
      messages
    })
    for (const r of res) {
      check(r.errorCode === 0, 'produce error: ' + JSON.stringify(r))
      produced.push({ batch: b, partition: r.partition, baseOffset: Number(r.baseOffset) })
    }
  }
  await producer.disconnect()

  const offsets = await admin.fetchTopicOffsets(topic)
  let total = 0
  for (const o of offsets) {
    check(o.low === '0', 'low offset ' + JSON.stringify(o))
    total += Number(o.high) - Number(o.low)
  }
  check(total === N, `fetchTopicOffsets adds up to ${total}, want ${N}: ` + JSON.stringify(offsets))
  const byTimestamp = await admin.fetchTopicOffsetsByTimestamp(topic, TS0 + 500)

  await admin.deleteTopics({ topics: [doomed], timeout: 10000 })
  for (let i = 0; i < 50; i++) {
    names = await admin.listTopics()
    if (!names.includes(doomed)) break
    await sleep(200)
  }
  check(!names.includes(doomed), 'deleted topic still listed: ' + JSON.stringify(names))
  check(names.includes(topic), 'deleteTopics removed the wrong topic: ' + JSON.stringify(names))
  await admin.disconnect()

  console.log(JSON.stringify({
    produced,
    offsets: offsets.map(o => ({ partition: o.partition, low: Number(o.low), high: Number(o.high) })),
    byTimestamp: byTimestamp.map(o => ({ partition: o.partition, offset: Number(o.offset) }))
  }))
}

main().catch(e => fail(e && e.stack ? e.stack : String(e)))
