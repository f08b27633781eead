'use strict'
// kafkajs 2.2.4 transactional producer against a Tern hub, which does not implement
// transactions: producer.transaction() must reject at once with a non-retriable error. An
// idempotent producer on the same client then still sends (nothing else is affected). Prints one
// JSON line with what kafkajs saw; exits non-zero when the transaction was not refused or the
// idempotent send failed.
//
// Usage: node transactions.js <bootstrap> <topic>

const { Kafka, logLevel } = require('kafkajs')

const [bootstrap, topic] = process.argv.slice(2)

function fail (msg) {
  console.error('FAIL: ' + msg)
  process.exit(1)
}

async function main () {
  if (!bootstrap || !topic) fail('usage: node transactions.js <bootstrap> <topic>')
  const kafka = new Kafka({
    clientId: 'tern-kafkajs-txn',
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 5000,
    requestTimeout: 15000
    // kafkajs's default retry (5 retries, up to 30 s): a retriable answer would spin for it.
  })
  const seen = {}

  const txnProducer = kafka.producer({ transactionalId: 'x', idempotent: true, maxInFlightRequests: 1 })
  await txnProducer.connect()
  const start = Date.now()
  try {
    const txn = await txnProducer.transaction()
    await txn.abort()
    fail('producer.transaction() resolved; want a rejection')
  } catch (e) {
    seen.transaction = {
      elapsed_ms: Date.now() - start,
      name: e.name,
      type: e.type,
      code: e.code,
      retriable: e.retriable,
      message: e.message
    }
  }
  await txnProducer.disconnect()

  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
  await producer.connect()
  const res = await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'after-txn' }] })
  seen.idempotent = { partition: res[0].partition, baseOffset: res[0].baseOffset, errorCode: res[0].errorCode }
  await producer.disconnect()
  console.log(JSON.stringify(seen))
}

main().catch(e => fail(e.stack || String(e)))
