'use strict'
// kafkajs 2.2.4 admin.createPartitions against a Tern hub: validateOnly to 3 (nothing changes),
// then to 3 for real, then a lower count (expects INVALID_PARTITIONS), and a produce to the new
// partition 2. Prints one JSON line with what kafkajs saw; exits non-zero on any failure.
//
// Usage: node create_partitions.js <bootstrap> <topic>

const { Kafka, logLevel } = require('kafkajs')

const [bootstrap, topic] = process.argv.slice(2)

function fail (msg) {
  console.error('FAIL: ' + msg)
  process.exit(1)
}

async function partitionCount (admin) {
  const md = await admin.fetchTopicMetadata({ topics: [topic] })
  return md.topics[0].partitions.length
}

async function main () {
  const kafka = new Kafka({ clientId: 'tern-create-partitions', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } })
  const admin = kafka.admin()
  await admin.connect()
  await admin.createPartitions({ validateOnly: true, topicPartitions: [{ topic, count: 3 }] })
  const validated = await partitionCount(admin)
  await admin.createPartitions({ topicPartitions: [{ topic, count: 3 }] })
  const partitions = await partitionCount(admin)
  let lower = null
  try {
    await admin.createPartitions({ topicPartitions: [{ topic, count: 2 }] })
  } catch (e) {
    const inner = e.cause || e.originalError || e
    lower = [e.name, e.message, inner.type || '', (inner.errors || []).map(x => x.type || x.message).join(',')].join(' ')
  }
  if (lower === null) fail('a lower partition count was accepted')
  const producer = kafka.producer()
  await producer.connect()
  const sent = await producer.send({ topic, messages: [{ value: 'new', partition: 2 }] })
  await producer.disconnect()
  await admin.disconnect()
  console.log(JSON.stringify({ validated, partitions, lower, produced: sent[0].partition }))
}

main().catch(e => fail(e.stack || String(e)))
