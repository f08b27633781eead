/*
 * rdkafka_mock_cluster: runs librdkafka's mock Kafka cluster (rdkafka_mock.h, a third-party
 * broker implementation with idempotent-producer support) for the firmware end-to-end tests.
 *
 * Usage: rdkafka_mock_cluster <brokers>
 * Prints "bootstrap <host:port,...>" once the cluster is up, then executes one command per line
 * from stdin and answers "ok" (or "error <text>"):
 *   topic <name> <partitions>           create a topic (replication factor 1)
 *   leader <topic> <partition> <broker> move a partition's leader (clients get NOT_LEADER)
 *   down <broker>|all                   disconnect a broker and refuse new connections
 *   up <broker>|all                     accept connections again
 *   errors <api key> <error> <count>    the next <count> requests of that API are answered
 *                                       with <error> (not applied)
 *   quit                                (or EOF) destroy the cluster and exit
 */
#define _POSIX_C_SOURCE 200809L

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int each_broker(rd_kafka_mock_cluster_t *mc, const char *which, int brokers, int up)
{
    int first = 1;
    int last = brokers;
    int id;
    if (strcmp(which, "all") != 0) {
        first = last = atoi(which);
        if (first < 1 || first > brokers) {
            return -1;
        }
    }
    for (id = first; id <= last; id++) {
        rd_kafka_resp_err_t err =
            up ? rd_kafka_mock_broker_set_up(mc, id) : rd_kafka_mock_broker_set_down(mc, id);
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            return -1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    char errstr[512];
    char line[512];
    rd_kafka_conf_t *conf;
    rd_kafka_t *rk;
    rd_kafka_mock_cluster_t *mc;
    int brokers = argc > 1 ? atoi(argv[1]) : 1;

    if (brokers < 1) {
        fprintf(stderr, "usage: rdkafka_mock_cluster <brokers>\n");
        return 2;
    }
    conf = rd_kafka_conf_new();
    /* The handle only hosts the cluster; keep it quiet. */
    (void)rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr));
    rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    if (rk == NULL) {
        fprintf(stderr, "rd_kafka_new: %s\n", errstr);
        return 1;
    }
    mc = rd_kafka_mock_cluster_new(rk, brokers);
    if (mc == NULL) {
        fprintf(stderr, "rd_kafka_mock_cluster_new failed\n");
        rd_kafka_destroy(rk);
        return 1;
    }
    printf("bootstrap %s\n", rd_kafka_mock_cluster_bootstraps(mc));
    fflush(stdout);

    while (fgets(line, sizeof(line), stdin) != NULL) {
        char cmd[32];
        char name[256];
        char b[64];
        char c[64];
        const char *error = NULL;
        if (sscanf(line, "%31s", cmd) != 1) {
            continue;
        }
        if (strcmp(cmd, "quit") == 0) {
            break;
        }
        if (strcmp(cmd, "topic") == 0) {
            if (sscanf(line, "%*s %255s %63s", name, b) != 2 ||
                rd_kafka_mock_topic_create(mc, name, atoi(b), 1) != RD_KAFKA_RESP_ERR_NO_ERROR) {
                error = "topic create failed";
            }
        } else if (strcmp(cmd, "leader") == 0) {
            if (sscanf(line, "%*s %255s %63s %63s", name, b, c) != 3 ||
                rd_kafka_mock_partition_set_leader(mc, name, atoi(b), atoi(c)) !=
                    RD_KAFKA_RESP_ERR_NO_ERROR) {
                error = "set leader failed";
            }
        } else if (strcmp(cmd, "down") == 0 || strcmp(cmd, "up") == 0) {
            if (sscanf(line, "%*s %63s", b) != 1 ||
                each_broker(mc, b, brokers, strcmp(cmd, "up") == 0) != 0) {
                error = "no such broker";
            }
        } else if (strcmp(cmd, "errors") == 0) {
            int api = 0, code = 0, count = 0;
            if (sscanf(line, "%*s %d %d %d", &api, &code, &count) != 3 || count < 1 || count > 64) {
                error = "usage: errors <api key> <error> <count>";
            } else {
                rd_kafka_resp_err_t errs[64];
                int i;
                for (i = 0; i < count; i++) {
                    errs[i] = (rd_kafka_resp_err_t)code;
                }
                rd_kafka_mock_push_request_errors_array(mc, (int16_t)api, (size_t)count, errs);
            }
        } else {
            error = "unknown command";
        }
        if (error != NULL) {
            printf("error %s\n", error);
        } else {
            printf("ok\n");
        }
        fflush(stdout);
    }
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(rk);
    return 0;
}
