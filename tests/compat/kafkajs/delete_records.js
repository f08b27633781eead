'use strict'
// kafkajs 2.2.4 admin.deleteTopicRecords against a Tern hub: sends 30 records in three batches,
// deletes below offset 10 on partition 0 (a batch boundary) and checks fetchTopicOffsets'
// low watermark, then asks for an offset beyond the high watermark and expects the
// OFFSET_OUT_OF_RANGE rejection. Prints one JSON line with what kafkajs saw; exits non-zero on
// any failure.
//
// Usage: node delete_records.js <bootstrap> <topic>

const { Kafka, logLevel } = require('kafkajs')

const [bootstrap, topic] = process.argv.slice(2)

function fail (msg) {
  console.error('FAIL: ' + msg)
  process.exit(1)
}

async function main () {
  const kafka = new Kafka({ clientId: 'tern-delete-records', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } })
  const admin = kafka.admin()
  const producer = kafka.producer()
  await admin.connect()
  await producer.connect()
  for (let b = 0; b < 3; ++b) {
    const messages = []
    for (let i = 0; i < 10; ++i) messages.push({ key: 'k', value: 'v-' + (b * 10 + i) })
    await producer.send({ topic, messages: messages.map(m => ({ ...m, partition: 0 })) })
  }
  // kafkajs's admin knows the leaders only of topics it was asked about: fetchTopicOffsets adds
  // the topic to its metadata (deleteTopicRecords alone fails with "Topic metadata not loaded").
  const before = await admin.fetchTopicOffsets(topic)
  if (before.find(o => o.partition === 0).high !== '30') fail('offsets before: ' + JSON.stringify(before))
  await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '10' }] })
  const offsets = await admin.fetchTopicOffsets(topic)
  const p0 = offsets.find(o => o.partition === 0)
  if (!p0 || p0.low !== '10' || p0.high !== '30') fail('offsets after deleteTopicRecords: ' + JSON.stringify(offsets))
  let beyond = null
  try {
    await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '99' }] })
  } catch (e) {
    // kafkajs's retrier wraps the KafkaJSDeleteTopicRecordsError (its partitions carry the
    // broker's per-partition errors) as the cause of a non-retriable error.
    const inner = e.cause || e.originalError || e
    beyond = {
      name: e.name,
      message: e.message,
      errors: (inner.partitions || []).map(x => x.error && (x.error.type || x.error.message))
    }
  }
  if (!beyond) fail('deleting beyond the high watermark was accepted')
  await producer.disconnect()
  await admin.disconnect()
  console.log(JSON.stringify({ offsets: p0, beyond }))
}

main().catch(e => fail(e.stack || String(e)))
