'use strict'
// kafkajs 2.2.4 consumer that follows a topic across broker failures (run through
// tests/fault/test_cluster_kafkajs.py).
//
// One consumer of group <group> subscribes to <topic> fromBeginning and runs until SIGTERM/SIGINT.
// Every message is printed to stdout as one JSON line: {"p": partition, "o": offset, "v": value}.
// Client events that matter for failover (CRASH, GROUP_JOIN, REQUEST_TIMEOUT, DISCONNECT) are
// printed to stderr as JSON lines prefixed with "EVENT ". The process is never restarted by the
// test: kafkajs must recover on its own (retry/restartOnFailure). It exits 0 after a clean
// disconnect on SIGTERM, 1 on a fatal (non-restarted) crash.
//
// Usage: node cluster_follow.js <bootstrap> <topic> <group>

const { Kafka, logLevel } = require('kafkajs')

const [bootstrap, topic, groupId] = process.argv.slice(2)
if (!groupId) {
  console.error('usage: node cluster_follow.js <bootstrap> <topic> <group>')
  process.exit(2)
}

function event (what, payload) {
  process.stderr.write('EVENT ' + JSON.stringify({ at: Date.now(), what, payload }) + '\n')
}

const kafka = new Kafka({
  clientId: 'tern-cluster-follow',
  brokers: bootstrap.split(','),
  connectionTimeout: 1000,
  requestTimeout: 5000,
  logLevel: logLevel.WARN,
  retry: { initialRetryTime: 100, maxRetryTime: 1000, retries: 20 }
})

const consumer = kafka.consumer({
  groupId,
  sessionTimeout: 10000,
  rebalanceTimeout: 15000,
  heartbeatInterval: 500,
  maxWaitTimeInMs: 200,
  metadataMaxAge: 2000,
  allowAutoTopicCreation: false,
  // kafkajs keeps the group coordinator it found at join time and retries a dead one until the
  // retries run out; only then does it crash and restart (restartOnFailure), re-running
  // FindCoordinator. A short retry budget keeps that recovery within a few seconds.
  retry: { initialRetryTime: 100, maxRetryTime: 1000, retries: 6 }
})

const E = consumer.events
consumer.on(E.CRASH, e => event('crash', {
  error: String(e.payload.error && (e.payload.error.stack || e.payload.error)),
  restart: e.payload.restart
}))
consumer.on(E.GROUP_JOIN, e => event('join', {
  memberId: e.payload.memberId,
  assignment: e.payload.memberAssignment
}))
consumer.on(E.REQUEST_TIMEOUT, e => event('request_timeout', {
  broker: e.payload.broker, api: e.payload.apiName
}))
consumer.on(E.DISCONNECT, () => event('disconnect', {}))
consumer.on(E.STOP, () => event('stop', {}))

async function main () {
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  await consumer.run({
    autoCommit: true,
    autoCommitInterval: 500,
    eachMessage: async ({ partition, message }) => {
      process.stdout.write(JSON.stringify({
        p: partition,
        o: Number(message.offset),
        v: message.value === null ? null : message.value.toString()
      }) + '\n')
    }
  })
  event('running', {})
}

let stopping = false
async function stop (sig) {
  if (stopping) return
  stopping = true
  event('signal', { sig })
  try {
    await consumer.disconnect()
  } catch (e) {
    event('disconnect_error', { error: String(e) })
  }
  process.exit(0)
}
process.on('SIGTERM', () => stop('SIGTERM'))
process.on('SIGINT', () => stop('SIGINT'))

// A crash kafkajs does not restart from leaves the process idle: exit so the test sees it.
consumer.on(E.CRASH, e => {
  if (!e.payload.restart) {
    event('fatal', {})
    process.exit(1)
  }
})

main().catch(e => {
  event('main_failed', { error: String(e && (e.stack || e)) })
  process.exit(1)
})
