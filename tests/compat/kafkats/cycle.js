// kafka-ts 1.5.0, a pure TypeScript client that sends every request at the highest version both
// it and the broker support (so Tern's flexible versions: Metadata 12, Produce 9, Fetch 13,
// ListOffsets 7, JoinGroup 9, OffsetCommit/OffsetFetch 8, InitProducerId 4, DescribeConfigs 4,
// AlterConfigs 2, IncrementalAlterConfigs 1, CreatePartitions 3, ...), through the full cycle of
// issue 15 against a Tern hub: CreateTopics and Metadata (describe) with the low-level API,
// AlterConfigs + IncrementalAlterConfigs read back with DescribeConfigs, idempotent produce (its
// default) with keys and headers, a produce in each codec kafka-ts has on this Node.js, a
// 2-member consumer group reading every record byte-exact and committing, ListOffsets by a
// timestamp between two produce waves, the group resuming after its commits, and CreatePartitions
// followed by a produce to the new partition that the group consumes. Prints one JSON line with
// what it saw; exits non-zero on failure.
//   node cycle.js <host> <port> <topic>
//
// Two things kafka-ts cannot do, worked around here (limits of kafka-ts, not of Tern):
// - Its producer never compresses (createBatch writes the records as they are; ProducerOptions has
//   no codec); its codecs (dist/codecs) are used only to decode fetched batches. So the codec wave
//   is sent with kafka-ts's own Produce v9 request and codecs' compress(), with the compressed
//   batch framed here (produceCompressed below), and read back through its normal consumer.
// - Its keys, values and headers are JavaScript strings written and read as UTF-8, so a value that
//   is not valid UTF-8 cannot round-trip through kafka-ts. "Binary" here means every byte length
//   UTF-8 has (1- to 4-byte sequences, NUL and control characters); test_kafkats.py compares the
//   bytes on the raw wire with the UTF-8 the script reports.
// zstd: kafka-ts's codec calls zlib.zstdCompress, which Node.js has from 22.15 / 23.8 on; on an
// older Node (Debian bookworm's) the codec is absent and left out (report.codecs says which ran).
const zlib = require('zlib');
const { createKafkaClient, API, setLogger } = require('kafka-ts');
const { Encoder } = require('kafka-ts/dist/utils/encoder');
const { PRODUCE_V9 } = require('kafka-ts/dist/api/produce/v9');
const { findCodec } = require('kafka-ts/dist/codecs');

const [host, port, topic] = process.argv.slice(2);
const quiet = { debug() {}, info() {}, warn() {}, error: (...a) => console.error(...a) };
setLogger(quiet);
const kafka = createKafkaClient({ clientId: 'tern-kts', bootstrapServers: [{ host, port: Number(port) }] });
const report = {};
const sleep = ms => new Promise(r => setTimeout(r, ms));

function check(cond, what) {
  if (!cond) throw new Error('check failed: ' + what);
}

// A value using every UTF-8 sequence length, NUL and control bytes; differs per record.
function utf8Value(prefix, i) {
  return `${prefix}-v${i}\u0000\u0001\u007f\u00e9\u00ff\u07ff\u0800\u20ac\uffee\u{1f600}\u{10ffff}` + 'x'.repeat(i);
}

function messages(prefix, n) {
  const out = [];
  for (let i = 0; i < n; i++)
    out.push({ topic, partition: i % 2, key: `${prefix}-k${i}`, value: `${prefix}-v${i}-` + 'x'.repeat(i), headers: { i: String(i), from: prefix } });
  return out;
}

// CRC-32C (Castagnoli) of a RecordBatch from its attributes on, as Kafka's RecordBatch v2 has it.
function crc32c(buf) {
  let crc = 0xffffffff;
  for (const b of buf) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

const CODEC_IDS = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 };

// One RecordBatch v2 (no producer id) of `records` for one partition, the records compressed with
// kafka-ts's codec `codec`.
async function compressedBatch(codec, records, timestamp) {
  const body = new Encoder();
  records.forEach((r, i) => {
    const rec = new Encoder()
      .writeInt8(0)
      .writeVarLong(0n)
      .writeVarInt(i)
      .writeVarIntString(r.key)
      .writeVarIntString(r.value)
      .writeVarIntArray(Object.entries(r.headers), (e, [k, v]) => e.writeVarIntString(k).writeVarIntString(v));
    body.writeVarInt(rec.getBufferLength()).writeEncoder(rec);
  });
  const plain = body.value();
  const payload = codec === 'none' ? plain : await findCodec(CODEC_IDS[codec]).compress(plain);
  const fromAttributes = new Encoder()
    .writeInt16(CODEC_IDS[codec])
    .writeInt32(records.length - 1)
    .writeInt64(timestamp)
    .writeInt64(timestamp)
    .writeInt64(-1n)
    .writeInt16(-1)
    .writeInt32(-1)
    .writeInt32(records.length)
    .write(payload)
    .value();
  const afterLength = new Encoder().writeInt32(-1).writeInt8(2).writeUInt32(crc32c(fromAttributes)).write(fromAttributes).value();
  return new Encoder().writeInt64(0n).writeInt32(afterLength.length).write(afterLength).value();
}

// kafka-ts's Produce v9 with the record batches given as bytes (see the header comment).
const PRODUCE_RAW = {
  ...PRODUCE_V9,
  fallback: undefined,
  request: (encoder, data) => encoder
    .writeCompactString(null)
    .writeInt16(-1)
    .writeInt32(10000)
    .writeCompactArray([data.topic], (e, t) => e
      .writeCompactString(t)
      .writeCompactArray(data.partitions, (e, p) => e.writeInt32(p.index).writeUVarInt(p.batch.length + 1).write(p.batch).writeTagBuffer())
      .writeTagBuffer())
    .writeTagBuffer(),
};

async function produceCompressed(cluster, codec, records) {
  const timestamp = BigInt(Date.now());
  const partitions = [];
  for (const p of [0, 1]) {
    const mine = records.filter(r => r.partition === p);
    partitions.push({ index: p, batch: await compressedBatch(codec, mine, timestamp) });
  }
  const res = await cluster.sendRequest(PRODUCE_RAW, { topic, partitions });
  for (const pr of res.responses[0].partitionResponses)
    check(pr.errorCode === 0, `produce ${codec}: ${JSON.stringify(pr, (k, v) => typeof v === 'bigint' ? String(v) : v)}`);
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
  const timer = setTimeout(() => done(), 30000);
  await all;
  clearTimeout(timer);
  await sleep(1500);  // let the last offsets commit
  for (const c of consumers) await c.close();
  return { got, perMember };
}

async function metadata(cluster) {
  const md = await cluster.sendRequest(API.METADATA, { allowTopicAutoCreation: false, includeTopicAuthorizedOperations: false, topics: [{ id: null, name: topic }] });
  check(md.topics[0].errorCode === 0, 'Metadata: ' + JSON.stringify(md.topics[0]));
  return md.topics[0];
}

async function listOffsets(cluster, timestamp, partitions) {
  const res = await cluster.sendRequest(API.LIST_OFFSETS, {
    replicaId: -1, isolationLevel: 0,
    topics: [{ name: topic, partitions: partitions.map(p => ({ partitionIndex: p, currentLeaderEpoch: -1, timestamp })) }],
  });
  return res.topics[0].partitions.sort((a, b) => a.partitionIndex - b.partitionIndex).map(p => Number(p.offset));
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
  const described = await metadata(cluster);
  report.metadata_topic_id = described.topicId;
  report.partitions = described.partitions.length;
  report.leaders = described.partitions.map(p => p.leaderId);

  // Configs: AlterConfigs (replaces the topic's set) then IncrementalAlterConfigs SET, read back.
  const TOPIC_RESOURCE = 2;
  const altered = await cluster.sendRequest(API.ALTER_CONFIGS, {
    validateOnly: false,
    resources: [{ resourceType: TOPIC_RESOURCE, resourceName: topic, configs: [{ name: 'retention.ms', value: '86400000' }] }],
  });
  check(altered.responses[0].errorCode === 0, 'AlterConfigs: ' + JSON.stringify(altered.responses[0]));
  const incremental = await cluster.sendRequest(API.INCREMENTAL_ALTER_CONFIGS, {
    validateOnly: false,
    resources: [{ resourceType: TOPIC_RESOURCE, resourceName: topic, configs: [{ name: 'cleanup.policy', configOperation: 0, value: 'delete' }] }],
  });
  check(incremental.responses[0].errorCode === 0, 'IncrementalAlterConfigs: ' + JSON.stringify(incremental.responses[0]));
  const configs = await cluster.sendRequest(API.DESCRIBE_CONFIGS, {
    includeSynonyms: false, includeDocumentation: false,
    resources: [{ resourceType: TOPIC_RESOURCE, resourceName: topic, configurationKeys: ['retention.ms', 'cleanup.policy'] }],
  });
  check(configs.results[0].errorCode === 0, 'DescribeConfigs: ' + JSON.stringify(configs.results[0]));
  report.configs = Object.fromEntries(configs.results[0].configs.map(c => [c.name, c.value]));

  // Wave 1: idempotent produce (kafka-ts's default) with keys and headers.
  const producer = kafka.createProducer({});
  const first = messages('a', 30);
  await producer.send(first);
  await producer.close();

  // Wave 2, after `between`: one batch per partition in each codec, UTF-8 values of every length.
  await sleep(50);
  const between = Date.now();
  await sleep(50);
  report.codecs = ['none', 'gzip', 'snappy', 'lz4'].concat(typeof zlib.zstdCompress === 'function' ? ['zstd'] : []);
  const coded = [];
  for (const codec of report.codecs) {
    const records = [];
    for (let i = 0; i < 6; i++)
      records.push({ topic, partition: i % 2, key: `${codec}-k${i}`, value: utf8Value(codec, i), headers: { codec, i: String(i), '\u00e9\u{1f600}': '\u0000' } });
    await produceCompressed(cluster, codec, records);
    coded.push(...records);
  }
  report.none_value_hex = Buffer.from(utf8Value('none', 1), 'utf-8').toString('hex');

  // A 2-member group reads everything, byte-exact (as UTF-8), and commits.
  const sent = first.concat(coded);
  const { got, perMember } = await consume('tern-kts-group', sent.length, 2);
  report.consumed = got.size;
  report.members = perMember;
  const byKey = new Map([...got.values()].map(m => [m.key, m]));
  for (const m of sent) {
    const g = byKey.get(m.key);
    check(g, 'missing ' + m.key);
    check(Buffer.from(g.value, 'utf-8').equals(Buffer.from(m.value, 'utf-8')), 'value of ' + m.key);
    check(g.partition === m.partition, 'partition of ' + m.key);
    check(JSON.stringify(g.headers) === JSON.stringify(m.headers), `headers of ${m.key}: ${JSON.stringify(g.headers)}`);
  }

  // ListOffsets by timestamp: the first record at or after `between` is wave 2's first (offset 15
  // on both partitions, inside a compressed batch); latest (-1) is the end of the log.
  report.by_timestamp = await listOffsets(cluster, BigInt(between), [0, 1]);
  report.latest = await listOffsets(cluster, -1n, [0, 1]);
  report.future = await listOffsets(cluster, BigInt(Date.now() + 3600000), [0, 1]);

  // The group restarts (one member now) and resumes after its commits: only new records arrive.
  const more = messages('b', 6);
  const producer2 = kafka.createProducer({});
  await producer2.send(more);
  await producer2.close();
  const again = await consume('tern-kts-group', more.length, 1);
  report.resumed = [...again.got.values()].map(m => m.key).sort();

  // CreatePartitions: 2 -> 3; Metadata shows the third; a record produced to it is consumed by
  // the group (the new partition has no commit, so it is read from the beginning).
  const grown = await cluster.sendRequest(API.CREATE_PARTITIONS, {
    topics: [{ name: topic, count: 3, assignments: null }], timeoutMs: 10000, validateOnly: false,
  });
  check(grown.results[0].errorCode === 0, 'CreatePartitions: ' + JSON.stringify(grown.results[0]));
  let partitionsAfter = 0;
  for (let tries = 0; tries < 50 && partitionsAfter !== 3; tries++) {
    partitionsAfter = (await metadata(cluster)).partitions.length;
    if (partitionsAfter !== 3) await sleep(100);
  }
  report.partitions_after = partitionsAfter;
  const producer3 = kafka.createProducer({});
  await producer3.send([{ topic, partition: 2, key: 'p2-k0', value: utf8Value('p2', 0), headers: { at: 'new' } }]);
  await producer3.close();
  const third = await consume('tern-kts-group', 1, 1);
  report.new_partition = [...third.got.values()].map(m => ({ key: m.key, partition: m.partition, offset: Number(m.offset), value_ok: m.value === utf8Value('p2', 0) }));
  await cluster.disconnect();
  console.log(JSON.stringify(report));
  process.exit(0);
}

main().catch(e => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
