// @platformatic/kafka, a client that speaks only the flexible versions of the Kafka APIs
// (Metadata 9+, Fetch 12+, FindCoordinator 4+, JoinGroup 6+, ...), through a full cycle against
// a Tern hub: admin create/describe/alter configs/add partitions/describe log dirs, produce with
// keys, binary values and headers in each codec it has on this Node.js (none, gzip, snappy, lz4;
// zstd needs Node >= 22.15), idempotent produce, a 2-member consumer group that reads every
// record byte-exact and commits, a restart of the group that resumes after the commits, and
// ListOffsets by timestamp. Prints one JSON line with what it saw; exits non-zero on failure.
//   node cycle.mjs <host:port> <topic>
import { Admin, Consumer, Producer } from '@platformatic/kafka'

const [bootstrap, topic] = process.argv.slice(2)
const brokers = [bootstrap]
const report = {}
const retries = { retries: 5, retryDelay: 200 }

function check(cond, what) {
  if (!cond) throw new Error('check failed: ' + what)
}

function recordsFor(codec, n) {
  const out = []
  for (let i = 0; i < n; i++) {
    const value = Buffer.alloc(64 + i)
    for (let b = 0; b < value.length; b++) value[b] = (b * 7 + i) & 0xff
    out.push({
      topic,
      partition: i % 2,
      key: Buffer.from(`${codec}-k${i}`),
      value,
      headers: new Map([[Buffer.from('codec'), Buffer.from(codec)], [Buffer.from('i'), Buffer.from(String(i))]])
    })
  }
  return out
}

// Reads `want` records with a group of `members` consumers; returns them keyed by "p/offset".
async function consumeGroup(groupId, want, members, mode) {
  const consumers = []
  const got = new Map()
  for (let m = 0; m < members; m++) {
    consumers.push(new Consumer({ clientId: `tern-plt-${m}`, groupId, bootstrapBrokers: brokers, sessionTimeout: 10000, heartbeatInterval: 500, ...retries }))
  }
  const streams = await Promise.all(consumers.map(c => c.consume({ topics: [topic], mode, fallbackMode: 'earliest', autocommit: false, maxWaitTime: 200 })))
  const byMember = new Array(members).fill(0)
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out with ${got.size}/${want} records`)), 60000)
    streams.forEach((s, m) => {
      s.on('error', reject)
      s.on('data', msg => {
        got.set(`${msg.partition}/${msg.offset}`, msg)
        byMember[m]++
        if (got.size >= want) { clearTimeout(timer); resolve() }
      })
    })
  })
  // Commit the next offset of each partition (what the members read).
  const next = new Map()
  for (const msg of got.values()) next.set(msg.partition, Math.max(next.get(msg.partition) ?? 0, Number(msg.offset) + 1))
  await consumers[0].commit({ offsets: [...next].map(([partition, offset]) => ({ topic, partition, offset: BigInt(offset), leaderEpoch: -1 })) })
  await Promise.all(streams.map(s => s.close()))
  await Promise.all(consumers.map(c => c.close(true)))
  return { got, byMember }
}

async function main() {
  const admin = new Admin({ clientId: 'tern-plt-admin', bootstrapBrokers: brokers, ...retries })
  const created = await admin.createTopics({ topics: [topic], partitions: 2, replicas: 1 })
  check(created.length === 1 && created[0].name === topic && created[0].partitions === 2, 'createTopics: ' + JSON.stringify(created))
  report.topic_id = created[0].id
  const md = await admin.metadata({ topics: [topic] })
  check(md.topics.get(topic).partitionsCount === 2, 'metadata partitions')
  report.metadata_topic_id = md.topics.get(topic).id
  check((await admin.listTopics()).includes(topic), 'listTopics')

  await admin.alterConfigs({ resources: [{ resourceType: 2, resourceName: topic, configs: [{ name: 'retention.ms', value: '86400000' }] }] })
  await admin.incrementalAlterConfigs({ resources: [{ resourceType: 2, resourceName: topic, configs: [{ name: 'cleanup.policy', configOperation: 0, value: 'delete' }] }] })
  const described = await admin.describeConfigs({ resources: [{ resourceType: 2, resourceName: topic, configurationKeys: ['retention.ms', 'cleanup.policy'] }] })
  const cfg = Object.fromEntries(described[0].configs.map(c => [c.name, c.value]))
  check(cfg['retention.ms'] === '86400000' && cfg['cleanup.policy'] === 'delete', 'describeConfigs: ' + JSON.stringify(cfg))
  report.configs = cfg

  // Produce: each codec, then an idempotent producer.
  const sent = []
  const before = BigInt(Date.now())
  for (const codec of ['none', 'gzip', 'snappy', 'lz4']) {
    const producer = new Producer({ clientId: 'tern-plt-' + codec, bootstrapBrokers: brokers, compression: codec, acks: -1, ...retries })
    const records = recordsFor(codec, 10)
    const result = await producer.send({ messages: records })
    check(result.offsets.length > 0, 'offsets for ' + codec)
    sent.push(...records)
    await producer.close()
  }
  const idem = new Producer({ clientId: 'tern-plt-idem', bootstrapBrokers: brokers, idempotent: true, acks: -1, ...retries })
  const idemRecords = recordsFor('idempotent', 10)
  await idem.send({ messages: idemRecords })
  sent.push(...idemRecords)
  await idem.close()
  report.sent = sent.length

  // A 2-member group reads everything, byte-exact.
  const { got, byMember } = await consumeGroup('tern-plt-group', sent.length, 2, 'earliest')
  report.members = byMember
  const bySignature = new Map(got.size ? [...got.values()].map(m => [m.key.toString(), m]) : [])
  for (const r of sent) {
    const m = bySignature.get(r.key.toString())
    check(m, 'missing ' + r.key.toString())
    check(Buffer.compare(m.value, r.value) === 0, 'value of ' + r.key.toString())
    check(m.partition === r.partition, 'partition of ' + r.key.toString())
    const headers = JSON.stringify([...m.headers].map(([k, v]) => [k.toString(), v.toString()]))
    const want = JSON.stringify([...r.headers].map(([k, v]) => [k.toString(), v.toString()]))
    check(headers === want, `headers of ${r.key}: ${headers} != ${want}`)
  }
  report.consumed = got.size

  // The group resumes after its commits: only new records arrive.
  const producer = new Producer({ clientId: 'tern-plt-more', bootstrapBrokers: brokers, ...retries })
  const more = recordsFor('after-restart', 4)
  await producer.send({ messages: more })
  await producer.close()
  const again = await consumeGroup('tern-plt-group', more.length, 2, 'committed')
  const keys = [...again.got.values()].map(m => m.key.toString()).sort()
  check(JSON.stringify(keys) === JSON.stringify(more.map(r => r.key.toString()).sort()), 'after restart: ' + keys)
  report.resumed = keys.length

  // ListOffsets by timestamp: the first offset at or after `before` is 0 on both partitions; a
  // time in the future has none (-1 offset... or the log end, as Kafka answers).
  const probe = new Consumer({ clientId: 'tern-plt-offsets', groupId: 'tern-plt-probe', bootstrapBrokers: brokers, ...retries })
  const byTime = await probe.listOffsets({ topics: [topic], timestamp: before })
  report.by_timestamp = [...byTime.get(topic)].map(Number)
  check(report.by_timestamp.every(o => o === 0), 'listOffsets by timestamp: ' + report.by_timestamp)
  const latest = await probe.listOffsets({ topics: [topic], timestamp: -1n })
  report.latest = [...latest.get(topic)].map(Number)
  await probe.close()

  await admin.createPartitions({ topics: [{ name: topic, count: 3 }] })
  const md3 = await admin.metadata({ topics: [topic], forceUpdate: true })
  check(md3.topics.get(topic).partitionsCount === 3, 'createPartitions')
  report.partitions_after = 3

  const dirs = await admin.describeLogDirs({ topics: [{ name: topic, partitions: [0, 1] }] })
  report.log_dirs = dirs.length
  await admin.close()
  console.log(JSON.stringify(report))
}

main().catch(e => {
  console.error(e && e.stack ? e.stack : e)
  if (e && e.errors) console.error(JSON.stringify(e.errors.map(x => x.message)))
  process.exit(1)
})
