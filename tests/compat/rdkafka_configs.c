/* librdkafka admin API (rd_kafka_DescribeConfigs / rd_kafka_AlterConfigs; librdkafka 2.0.2 has no
 * IncrementalAlterConfigs) against a Tern hub.
 *
 * Usage: rdkafka_configs <bootstrap> <topic>
 * The topic must exist with retention.ms=3600000 as its only override. Steps: describe it
 * (override and defaults), alter retention.ms and cleanup.policy (AlterConfigs replaces the whole
 * override set), describe again, an invalid value refused with INVALID_CONFIG and nothing
 * changed, an unknown topic, and this broker's read-only configs; then rd_kafka_CreatePartitions
 * grows the topic from 2 to 4 partitions and a lower count is INVALID_PARTITIONS. Prints one
 * line per check; exits 1 on the first failure. */
#include <librdkafka/rdkafka.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static rd_kafka_t *rk;
static rd_kafka_queue_t *queue;
static const char *topic;

static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "FAIL: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  exit(1);
}

/* Waits for the result event of an admin call; dies on a request-level error. */
static rd_kafka_event_t *wait_result(rd_kafka_event_type_t type) {
  rd_kafka_event_t *ev = rd_kafka_queue_poll(queue, 20000);
  if (!ev) die("no admin result within 20 s");
  if (rd_kafka_event_type(ev) != type) die("unexpected event %s", rd_kafka_event_name(ev));
  if (rd_kafka_event_error(ev))
    die("admin request failed: %s", rd_kafka_event_error_string(ev));
  return ev;
}

static rd_kafka_AdminOptions_t *options(rd_kafka_admin_op_t op) {
  char errstr[256];
  rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(rk, op);
  if (rd_kafka_AdminOptions_set_request_timeout(o, 15000, errstr, sizeof errstr))
    die("set_request_timeout: %s", errstr);
  return o;
}

/* DescribeConfigs of one resource; returns the event (the resource points into it). */
static rd_kafka_event_t *describe(rd_kafka_ResourceType_t type, const char *name,
                                  const rd_kafka_ConfigResource_t **out) {
  rd_kafka_ConfigResource_t *res = rd_kafka_ConfigResource_new(type, name);
  rd_kafka_AdminOptions_t *o = options(RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS);
  size_t n = 0;
  rd_kafka_event_t *ev;
  const rd_kafka_ConfigResource_t **rs;
  rd_kafka_DescribeConfigs(rk, &res, 1, o, queue);
  ev = wait_result(RD_KAFKA_EVENT_DESCRIBECONFIGS_RESULT);
  rs = rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(ev), &n);
  if (n != 1) die("DescribeConfigs %s: %zu resources", name, n);
  *out = rs[0];
  rd_kafka_AdminOptions_destroy(o);
  rd_kafka_ConfigResource_destroy(res);
  return ev;
}

static const rd_kafka_ConfigEntry_t *entry(const rd_kafka_ConfigResource_t *res, const char *key) {
  size_t n = 0, i;
  const rd_kafka_ConfigEntry_t **es = rd_kafka_ConfigResource_configs(res, &n);
  for (i = 0; i < n; i++)
    if (strcmp(rd_kafka_ConfigEntry_name(es[i]), key) == 0) return es[i];
  die("%s: no config %s among %zu", rd_kafka_ConfigResource_name(res), key, n);
  return NULL;
}

static void expect_entry(const rd_kafka_ConfigResource_t *res, const char *key, const char *value,
                         rd_kafka_ConfigSource_t source) {
  const rd_kafka_ConfigEntry_t *e = entry(res, key);
  const char *v = rd_kafka_ConfigEntry_value(e);
  if (!v || strcmp(v, value) != 0) die("%s = %s, want %s", key, v ? v : "(null)", value);
  if (rd_kafka_ConfigEntry_source(e) != source)
    die("%s source %s, want %s", key, rd_kafka_ConfigSource_name(rd_kafka_ConfigEntry_source(e)),
        rd_kafka_ConfigSource_name(source));
  if (rd_kafka_ConfigEntry_is_default(e) != (source != RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG))
    die("%s is_default %d", key, rd_kafka_ConfigEntry_is_default(e));
  if (rd_kafka_ConfigEntry_is_read_only(e) || rd_kafka_ConfigEntry_is_sensitive(e))
    die("%s read-only or sensitive", key);
  printf("ok %s=%s (%s)\n", key, v, rd_kafka_ConfigSource_name(source));
}

/* AlterConfigs of the topic with `n` key/value pairs; returns the resource's error code and
 * copies its message. */
static rd_kafka_resp_err_t alter(const char *const *kv, size_t n, int validate_only, char *msg,
                                 size_t msg_size) {
  rd_kafka_ConfigResource_t *res = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic);
  rd_kafka_AdminOptions_t *o = options(RD_KAFKA_ADMIN_OP_ALTERCONFIGS);
  char errstr[256];
  size_t i, count = 0;
  rd_kafka_event_t *ev;
  const rd_kafka_ConfigResource_t **rs;
  rd_kafka_resp_err_t err;
  for (i = 0; i < n; i++)
    if (rd_kafka_ConfigResource_set_config(res, kv[2 * i], kv[2 * i + 1]))
      die("set_config %s", kv[2 * i]);
  if (rd_kafka_AdminOptions_set_validate_only(o, validate_only, errstr, sizeof errstr))
    die("set_validate_only: %s", errstr);
  rd_kafka_AlterConfigs(rk, &res, 1, o, queue);
  ev = wait_result(RD_KAFKA_EVENT_ALTERCONFIGS_RESULT);
  rs = rd_kafka_AlterConfigs_result_resources(rd_kafka_event_AlterConfigs_result(ev), &count);
  if (count != 1) die("AlterConfigs: %zu resources", count);
  err = rd_kafka_ConfigResource_error(rs[0]);
  snprintf(msg, msg_size, "%s", rd_kafka_ConfigResource_error_string(rs[0]) ? rd_kafka_ConfigResource_error_string(rs[0]) : "");
  rd_kafka_event_destroy(ev);
  rd_kafka_AdminOptions_destroy(o);
  rd_kafka_ConfigResource_destroy(res);
  return err;
}

/* CreatePartitions of the topic to `count`; returns the topic's error, its message in `msg`. */
static rd_kafka_resp_err_t create_partitions(int count, char *msg, size_t msg_size) {
  char errstr[256];
  rd_kafka_NewPartitions_t *np = rd_kafka_NewPartitions_new(topic, (size_t)count, errstr, sizeof errstr);
  rd_kafka_AdminOptions_t *o = options(RD_KAFKA_ADMIN_OP_CREATEPARTITIONS);
  rd_kafka_event_t *ev;
  const rd_kafka_topic_result_t **ts;
  size_t n = 0;
  rd_kafka_resp_err_t err;
  if (!np) die("NewPartitions: %s", errstr);
  rd_kafka_CreatePartitions(rk, &np, 1, o, queue);
  ev = wait_result(RD_KAFKA_EVENT_CREATEPARTITIONS_RESULT);
  ts = rd_kafka_CreatePartitions_result_topics(rd_kafka_event_CreatePartitions_result(ev), &n);
  if (n != 1) die("CreatePartitions: %zu topics", n);
  err = rd_kafka_topic_result_error(ts[0]);
  snprintf(msg, msg_size, "%s", rd_kafka_topic_result_error_string(ts[0]) ? rd_kafka_topic_result_error_string(ts[0]) : "");
  rd_kafka_event_destroy(ev);
  rd_kafka_AdminOptions_destroy(o);
  rd_kafka_NewPartitions_destroy(np);
  return err;
}

int main(int argc, char **argv) {
  char errstr[512], msg[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  const rd_kafka_ConfigResource_t *res;
  rd_kafka_event_t *ev;
  rd_kafka_resp_err_t err;
  char missing[300];
  if (argc != 3) die("usage: rdkafka_configs <bootstrap> <topic>");
  topic = argv[2];
  if (rd_kafka_conf_set(conf, "bootstrap.servers", argv[1], errstr, sizeof errstr) ||
      rd_kafka_conf_set(conf, "broker.address.family", "v4", errstr, sizeof errstr))
    die("conf: %s", errstr);
  rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!rk) die("rd_kafka_new: %s", errstr);
  queue = rd_kafka_queue_new(rk);

  /* The override from CreateTopics and the defaults. */
  ev = describe(RD_KAFKA_RESOURCE_TOPIC, topic, &res);
  if (rd_kafka_ConfigResource_error(res)) die("describe: %s", rd_kafka_ConfigResource_error_string(res));
  expect_entry(res, "retention.ms", "3600000", RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG);
  expect_entry(res, "cleanup.policy", "delete", RD_KAFKA_CONFIG_SOURCE_DEFAULT_CONFIG);
  expect_entry(res, "max.message.bytes", "1048588", RD_KAFKA_CONFIG_SOURCE_DEFAULT_CONFIG);
  rd_kafka_event_destroy(ev);

  /* AlterConfigs replaces the override set. */
  {
    const char *kv[] = {"retention.ms", "60000", "cleanup.policy", "compact,delete"};
    err = alter(kv, 2, 0, msg, sizeof msg);
    if (err) die("alter: %s %s", rd_kafka_err2name(err), msg);
  }
  ev = describe(RD_KAFKA_RESOURCE_TOPIC, topic, &res);
  expect_entry(res, "retention.ms", "60000", RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG);
  expect_entry(res, "cleanup.policy", "compact,delete", RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG);
  rd_kafka_event_destroy(ev);

  /* validate_only changes nothing. */
  {
    const char *kv[] = {"retention.ms", "1"};
    err = alter(kv, 1, 1, msg, sizeof msg);
    if (err) die("validate_only alter: %s %s", rd_kafka_err2name(err), msg);
  }
  /* An invalid value: INVALID_CONFIG naming the key, nothing changed. */
  {
    const char *kv[] = {"retention.ms", "120000", "segment.bytes", "huge"};
    err = alter(kv, 2, 0, msg, sizeof msg);
    if (err != RD_KAFKA_RESP_ERR_INVALID_CONFIG)
      die("alter segment.bytes=huge: %s (%s), want INVALID_CONFIG", rd_kafka_err2name(err), msg);
    if (!strstr(msg, "segment.bytes")) die("error message does not name the key: %s", msg);
    printf("ok invalid value refused: %s\n", msg);
  }
  ev = describe(RD_KAFKA_RESOURCE_TOPIC, topic, &res);
  expect_entry(res, "retention.ms", "60000", RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG);
  expect_entry(res, "segment.bytes", "67108864", RD_KAFKA_CONFIG_SOURCE_DEFAULT_CONFIG);
  rd_kafka_event_destroy(ev);

  /* An unknown topic. */
  snprintf(missing, sizeof missing, "%s-missing", topic);
  ev = describe(RD_KAFKA_RESOURCE_TOPIC, missing, &res);
  if (rd_kafka_ConfigResource_error(res) != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
    die("describe of a missing topic: %s", rd_kafka_err2name(rd_kafka_ConfigResource_error(res)));
  printf("ok missing topic: %s\n", rd_kafka_err2name(rd_kafka_ConfigResource_error(res)));
  rd_kafka_event_destroy(ev);

  /* This broker (node id 1): read-only configs. */
  ev = describe(RD_KAFKA_RESOURCE_BROKER, "1", &res);
  if (rd_kafka_ConfigResource_error(res)) die("describe broker: %s", rd_kafka_ConfigResource_error_string(res));
  {
    const rd_kafka_ConfigEntry_t *e = entry(res, "message.max.bytes");
    if (!rd_kafka_ConfigEntry_is_read_only(e)) die("broker message.max.bytes is not read-only");
    if (strcmp(rd_kafka_ConfigEntry_value(entry(res, "num.partitions")), "1") != 0) die("num.partitions");
    printf("ok broker message.max.bytes=%s\n", rd_kafka_ConfigEntry_value(e));
  }
  rd_kafka_event_destroy(ev);

  /* CreatePartitions: 2 -> 4, then a lower count refused (the test checks 4 on the wire). */
  err = create_partitions(4, msg, sizeof msg);
  if (err) die("CreatePartitions to 4: %s %s", rd_kafka_err2name(err), msg);
  printf("ok partitions increased to 4\n");
  err = create_partitions(3, msg, sizeof msg);
  if (err != RD_KAFKA_RESP_ERR_INVALID_PARTITIONS)
    die("CreatePartitions to 3: %s (%s), want INVALID_PARTITIONS", rd_kafka_err2name(err), msg);
  printf("ok lower count refused: %s\n", msg);

  rd_kafka_queue_destroy(queue);
  rd_kafka_destroy(rk);
  printf("ALL OK\n");
  return 0;
}
