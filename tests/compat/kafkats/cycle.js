// kafka-ts 1.5.0, a pure TypeScript client that sends every request at the highest version both
// it and the broker support (so Tern's flexible versions: Metadata 12, Produce 9, Fetch 12,
// JoinGroup 9, OffsetCommit/OffsetFetch 8, InitProducerId 4, ...), through a cycle against a
// Tern hub: CreateTopics with the low-level API, idempotent produce (its default) with keys and
// headers, a 2-member consumer group reading every record and committing, and the group resuming
// after its commits. Prints one JSON line with what it saw; exits non-zero on failure.
//   node cycle.js <host> <port> <topic>
const { createKafkaClient, API, setLogger } = require('kafka-ts');

const [host, port, topic] = process.argv.slice(2);
const quiet = { debug() {}, info() {}, warn() {}, error: (...a) => console.error(...a) };
setLogger(quiet);
const kafka = createKafkaClient({ clientId: 'tern-kts', bootstrapServers: [{ host, port: Number(port) }] });
const report = {};

function check(cond, what) {
  if (!cond) throw new Error('check failed: ' + what);
}

function messages(prefix, n) {
  const out = [];
  for (let i = 0; i < n; i++)
    out.push({ topic, partition: i % 2, key: `${prefix}-k${i}`, value: `${prefix}-v${i}-` + 'x'.repeat(i), headers: { i: String(i), from: prefix } });
  return out;
}

async function consume(groupId, want, members) {
  const got = new Map();
  const perMember = new Array(members).fill(0);
  let done;
  const all = new Promise(resolve => (done = resolve));
  const consumers = [];
  for (let m = 0; m < members; m++) {
    consumers.push(await kafka.startConsumer({
      groupId, topics: [topic], fromBeginning: true, sessionTimeoutMs: 10000, maxWaitMs: 200,
      onBatch: batch => {
        for (const msg of batch) {
          got.set(`${msg.partition}/${msg.offset}`, msg);
          perMember[m]++;
        }
        if (got.size >= want) done();
      },
    }));
  }
  const timer = setTimeout(() => done(), 60000);
  await all;
  clearTimeout(timer);
  await new Promise(r => setTimeout(r, 1500));  // let the last offsets commit
  for (const c of consumers) await c.close();
  return { got, perMember };
}

async function main() {
  const cluster = kafka.createCluster();
  await cluster.connect();
  const meta = await cluster.sendRequest(API.METADATA, { allowTopicAutoCreation: false, includeTopicAuthorizedOperations: false, topics: [] });
  const created = await cluster.sendRequestToNode(meta.controllerId)(API.CREATE_TOPICS, {
    validateOnly: false, timeoutMs: 10000,
    topics: [{ name: topic, numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }],
  });
  check(created.topics[0].errorCode === 0, 'CreateTopics: ' + JSON.stringify(created.topics[0]));
  report.created_topic_id = created.topics[0]._topicId;  // v7: kafka-ts keeps it under _topicId
  const md = await cluster.sendRequest(API.METADATA, { allowTopicAutoCreation: false, includeTopicAuthorizedOperations: false, topics: [{ id: null, name: topic }] });
  report.metadata_topic_id = md.topics[0].topicId;
  report.partitions = md.topics[0].partitions.length;
  await cluster.disconnect();

  const producer = kafka.createProducer({});
  const first = messages('a', 30);
  await producer.send(first);
  const { got, perMember } = await consume('tern-kts-group', first.length, 2);
  report.consumed = got.size;
  report.members = perMember;
  const byKey = new Map([...got.values()].map(m => [m.key, m]));
  for (const m of first) {
    const g = byKey.get(m.key);
    check(g, 'missing ' + m.key);
    check(g.value === m.value, 'value of ' + m.key);
    check(g.partition === m.partition, 'partition of ' + m.key);
    check(g.headers.i === m.headers.i && g.headers.from === 'a', 'headers of ' + m.key);
  }
  const more = messages('b', 6);
  await producer.send(more);
  await producer.close();
  const again = await consume('tern-kts-group', more.length, 1);
  report.resumed = [...again.got.values()].map(m => m.key).sort();
  console.log(JSON.stringify(report));
  process.exit(0);
}

main().catch(e => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
