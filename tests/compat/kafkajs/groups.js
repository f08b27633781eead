'use strict'
// kafkajs 2.2.4 consumer groups against a Tern hub (run through test_groups_kafkajs.py).
//
// Two consumers of one group subscribe to a 4-partition topic and `run` with eachMessage. Once
// both have an assignment (disjoint, together every partition), N messages are produced; both
// consume until every message was seen, then disconnect (committing). admin.fetchOffsets must
// then equal the log end of every partition. A third consumer of the same group then consumes
// only what is produced afterwards (it continues from the committed offsets).
//
// Prints one JSON line on stdout (assignments, consumption counts, offsets) and exits non-zero
// on any failure.
//
// Usage: node groups.js <bootstrap> <topic> <group>

const { Kafka, logLevel } = require('kafkajs')

const [bootstrap, topic, groupId] = process.argv.slice(2)
const PARTITIONS = 4
const N = 2000
const MORE = 200

function fail (msg) {
  console.error('FAIL: ' + msg)
  process.exit(1)
}

function check (cond, msg) {
  if (!cond) fail(msg)
}

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

async function waitFor (what, cond, timeoutMs) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (cond()) return
    await sleep(50)
  }
  fail('timed out after ' + timeoutMs + ' ms waiting for ' + what())
}

function makeConsumer (kafka, name, joins, consumed) {
  const consumer = kafka.consumer({
    groupId,
    sessionTimeout: 10000,
    rebalanceTimeout: 15000,
    heartbeatInterval: 500,
    maxWaitTimeInMs: 100,
    allowAutoTopicCreation: false,
    retry: { retries: 5, initialRetryTime: 100 }
  })
  consumer.on(consumer.events.GROUP_JOIN, e => {
    joins.push({
      name,
      at: Date.now(),
      memberId: e.payload.memberId,
      isLeader: e.payload.isLeader,
      partitions: (e.payload.memberAssignment[topic] || []).slice().sort()
    })
  })
  consumer.on(consumer.events.CRASH, e => fail(name + ' crashed: ' + (e.payload.error && e.payload.error.stack)))
  return {
    name,
    consumer,
    async start () {
      await consumer.connect()
      await consumer.subscribe({ topics: [topic], fromBeginning: true })
      await consumer.run({
        autoCommit: true,
        eachMessage: async ({ partition, message }) => {
          consumed.push({ name, partition, offset: Number(message.offset), value: message.value.toString() })
        }
      })
    }
  }
}

function lastJoin (joins, name) {
  for (let i = joins.length - 1; i >= 0; i--) if (joins[i].name === name) return joins[i]
  return null
}

async function produce (producer, from, count) {
  const messages = []
  for (let i = from; i < from + count; i++) {
    messages.push({ partition: i % PARTITIONS, value: `m-${i}` })
  }
  const res = await producer.send({ topic, acks: -1, messages })
  for (const r of res) check(r.errorCode === 0, 'produce error: ' + JSON.stringify(r))
}

async function main () {
  check(bootstrap && topic && groupId, 'usage: node groups.js <bootstrap> <topic> <group>')
  const kafka = new Kafka({
    clientId: 'tern-kafkajs-groups',
    brokers: [bootstrap],
    logLevel: logLevel.WARN,
    connectionTimeout: 5000,
    requestTimeout: 15000,
    retry: { retries: 5, initialRetryTime: 200 }
  })
  const admin = kafka.admin()
  await admin.connect()
  const created = await admin.createTopics({
    topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }],
    waitForLeaders: true
  })
  check(created === true, 'createTopics returned ' + created)

  const joins = []
  const consumed = []
  const a = makeConsumer(kafka, 'a', joins, consumed)
  const b = makeConsumer(kafka, 'b', joins, consumed)
  const t0 = Date.now()
  await a.start()
  await b.start()
  let settled = null
  await waitFor(() => 'both members assigned: ' + JSON.stringify(joins), () => {
    const ja = lastJoin(joins, 'a')
    const jb = lastJoin(joins, 'b')
    if (!ja || !jb || !ja.partitions.length || !jb.partitions.length) return false
    const all = ja.partitions.concat(jb.partitions).sort()
    if (JSON.stringify(all) !== JSON.stringify([0, 1, 2, 3])) return false
    settled = { a: ja.partitions, b: jb.partitions, ms: Date.now() - t0 }
    return true
  }, 60000)
  const joinsAtSettle = joins.length

  const producer = kafka.producer({ allowAutoTopicCreation: false })
  await producer.connect()
  for (let i = 0; i < N; i += 250) await produce(producer, i, 250)

  const distinct = () => new Set(consumed.map(c => c.partition + ':' + c.offset)).size
  await waitFor(() => `all ${N} messages (have ${distinct()})`, () => distinct() >= N, 60000)
  check(joins.length === joinsAtSettle, 'unexpected rebalance while consuming: ' + JSON.stringify(joins.slice(joinsAtSettle)))
  for (const c of consumed) {
    check(settled[c.name].includes(c.partition), `${c.name} consumed partition ${c.partition}, owns ${settled[c.name]}`)
    const i = Number(c.value.split('-')[1])
    check(i % PARTITIONS === c.partition && c.value === `m-${i}`, 'value ' + c.value + ' in partition ' + c.partition)
  }
  const perMember = { a: consumed.filter(c => c.name === 'a').length, b: consumed.filter(c => c.name === 'b').length }
  const duplicates = consumed.length - distinct()

  await a.consumer.disconnect()
  await b.consumer.disconnect()

  const ends = await admin.fetchTopicOffsets(topic)
  const hw = {}
  for (const o of ends) hw[o.partition] = Number(o.high)
  const fetched = await admin.fetchOffsets({ groupId, topics: [topic] })
  check(fetched.length === 1 && fetched[0].topic === topic, 'fetchOffsets: ' + JSON.stringify(fetched))
  const committed = {}
  for (const p of fetched[0].partitions) committed[p.partition] = Number(p.offset)
  check(JSON.stringify(committed) === JSON.stringify(hw),
    'committed offsets ' + JSON.stringify(committed) + ' != log end ' + JSON.stringify(hw))

  const described = await admin.describeGroups([groupId])
  const g = described.groups[0]
  check(g.groupId === groupId && g.state === 'Empty' && g.members.length === 0,
    'describeGroups after both left: ' + JSON.stringify(g))
  const listed = await admin.listGroups()
  check(listed.groups.some(x => x.groupId === groupId && x.protocolType === 'consumer'),
    'listGroups: ' + JSON.stringify(listed))

  // A new member of the same group continues from the committed offsets.
  const c = makeConsumer(kafka, 'c', joins, consumed)
  const before = consumed.length
  await c.start()
  await waitFor(() => 'c assigned', () => {
    const jc = lastJoin(joins, 'c')
    return jc && jc.partitions.length === PARTITIONS
  }, 60000)
  await produce(producer, N, MORE)
  await waitFor(() => `c consumed ${MORE} (has ${consumed.length - before})`, () => consumed.length - before >= MORE, 60000)
  await sleep(500)
  const late = consumed.slice(before)
  check(late.length === MORE, `c consumed ${late.length} messages, want exactly the ${MORE} new ones`)
  for (const m of late) {
    check(m.offset >= hw[m.partition], `c re-read ${m.partition}@${m.offset} below the committed ${hw[m.partition]}`)
  }
  await c.consumer.disconnect()
  await producer.disconnect()
  const fetched2 = await admin.fetchOffsets({ groupId, topics: [topic] })
  const committed2 = {}
  for (const p of fetched2[0].partitions) committed2[p.partition] = Number(p.offset)
  await admin.disconnect()

  console.log(JSON.stringify({ settled, perMember, duplicates, hw, committed, committed2 }))
}

main().catch(e => fail(e && e.stack ? e.stack : String(e)))
