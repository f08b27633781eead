/* rdkafka_txn: librdkafka's transactional producer against a hub, which does not implement
 * transactions; driven by test_transactions_rdkafka.py.
 *
 * Usage: rdkafka_txn <bootstrap> <transactional.id> <timeout_ms>
 * Creates a producer with that transactional.id and calls rd_kafka_init_transactions() with the
 * given timeout. Prints one line:
 *   INIT ok elapsed_ms=<n>
 * or
 *   INIT error=<name> fatal=<0|1> retriable=<0|1> abortable=<0|1> elapsed_ms=<n> message=<text>
 * then, if the producer has a fatal error, a second line "FATAL error=<name> message=<text>"
 * (rd_kafka_fatal_error()). Exits 0 once it has printed, 1 on a setup failure; the test judges
 * the answer. */
#define _POSIX_C_SOURCE 200809L

#include <librdkafka/rdkafka.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void set(rd_kafka_conf_t *conf, const char *name, const char *value) {
  char errstr[256];
  if (rd_kafka_conf_set(conf, name, value, errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
    fprintf(stderr, "FAIL: %s=%s: %s\n", name, value, errstr);
    exit(1);
  }
}

int main(int argc, char **argv) {
  char errstr[512];
  rd_kafka_conf_t *conf;
  rd_kafka_t *rk;
  rd_kafka_error_t *error;
  rd_kafka_resp_err_t fatal;
  long long start;
  long long elapsed;

  if (argc != 4) {
    fprintf(stderr, "usage: rdkafka_txn <bootstrap> <transactional.id> <timeout_ms>\n");
    return 1;
  }
  conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", argv[1]);
  set(conf, "transactional.id", argv[2]);
  set(conf, "client.id", "tern-rdkafka-txn");
  rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!rk) {
    fprintf(stderr, "FAIL: rd_kafka_new: %s\n", errstr);
    return 1;
  }

  start = now_ms();
  error = rd_kafka_init_transactions(rk, atoi(argv[3]));
  elapsed = now_ms() - start;
  if (!error) {
    printf("INIT ok elapsed_ms=%lld\n", elapsed);
  } else {
    printf("INIT error=%s fatal=%d retriable=%d abortable=%d elapsed_ms=%lld message=%s\n",
           rd_kafka_error_name(error), rd_kafka_error_is_fatal(error),
           rd_kafka_error_is_retriable(error), rd_kafka_error_txn_requires_abort(error), elapsed,
           rd_kafka_error_string(error));
    rd_kafka_error_destroy(error);
  }
  fatal = rd_kafka_fatal_error(rk, errstr, sizeof errstr);
  if (fatal) printf("FATAL error=%s message=%s\n", rd_kafka_err2name(fatal), errstr);
  fflush(stdout);
  rd_kafka_destroy(rk);
  return 0;
}
