/**
 * @file tern_producer.h
 * @brief Kafka producer session for microcontrollers: offline buffer, batching, acks, retries.
 *
 * Design (modelled on coreMQTT's core_mqtt.c):
 * - The session owns no memory. The caller provides the ::tern_producer_t, a network buffer used
 *   for every request and response, and a ::tern_ring_t that holds readings until they are
 *   acknowledged. There is no global state; several sessions can coexist.
 * - I/O is injected: a ::tern_transport_t (connect/send/recv/close over an opaque context) and a
 *   ::tern_clock_t. No exchange waits longer than the configured request timeout (+ grace).
 * - tern_producer_send() only encodes the reading into the ring; it never touches the network,
 *   so a sensor keeps sampling while the link is down. tern_producer_poll() does the network
 *   work that is due: connect and negotiate versions (ApiVersions), get a producer id
 *   (InitProducerId, idempotent mode), find partition leaders (Metadata), then send the queued
 *   readings, batched into one RecordBatch v2 per partition, in at most one Produce request.
 * - One connection at a time: partitions led by another broker are served by reconnecting to
 *   that broker (its address comes from Metadata).
 * - Bootstrap list: when the session has no connection it tries the configured bootstrap
 *   addresses, then the brokers it learnt from Metadata, each once per poll, starting with the
 *   one that last worked; so any broker of a cluster may die, the bootstrap one included.
 *
 * Delivery semantics:
 * - Readings leave the ring only when the broker acknowledged them (acks=1/all), or when they
 *   were handed to the transport (acks=0), or when the broker rejected them with a
 *   non-retriable error (reported to on_delivery and counted in stats.failed), or when the
 *   ::TERN_RING_DROP_OLDEST policy discarded them (ring->dropped).
 * - Per partition, readings are sent in the order they were given. One request is in flight at
 *   a time. A request that fails (timeout, lost connection, retriable error such as
 *   NOT_LEADER_OR_FOLLOWER) is retried with exactly the same batch per partition.
 * - Idempotent mode (acks=all): the broker deduplicates retries by producer id and sequence, so
 *   a retry after a lost response never duplicates. Exactly-once holds within one session; it
 *   does not survive a reboot (a new session gets a new producer id), nor a drop of readings
 *   that were part of an unacknowledged request (the session then starts a new producer id).
 *   Without idempotence the guarantee is at-least-once.
 * - Keys map to partitions with murmur2 exactly as Kafka's Java client; readings without a key
 *   go to one partition per request, round-robin (sticky).
 * - A partition leader change (NOT_LEADER_OR_FOLLOWER etc.) triggers a Metadata refresh and a
 *   reconnect to the new leader.
 *
 * Not thread-safe: call all functions for one session from one task (or guard them).
 */
#ifndef TERN_PRODUCER_H
#define TERN_PRODUCER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern_ring.h"
#include "tern_serializer.h"
#include "tern_transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Ring entry flag: part of the request in flight (its batch must be retried unchanged). */
#define TERN_ENTRY_INFLIGHT 0x01u
/** Ring entry flag: delivered or failed; removed once it reaches the head. */
#define TERN_ENTRY_DONE 0x02u

/** Partition argument of tern_producer_send(): choose by key (murmur2) or round-robin. */
#define TERN_PARTITION_ANY (-1)

/** Idempotence mode. */
typedef enum tern_idempotence {
    TERN_IDEMPOTENCE_OFF = 0,       /**< Plain producer (at-least-once). */
    TERN_IDEMPOTENCE_PREFERRED = 1, /**< Idempotent if the broker offers InitProducerId,
                                         otherwise plain (see tern_producer_is_idempotent()). */
    TERN_IDEMPOTENCE_REQUIRED = 2   /**< Idempotent or nothing: poll returns ::TERN_UNSUPPORTED
                                         while the broker lacks InitProducerId. Needs acks=-1. */
} tern_idempotence_t;

/** Outcome of one batch (one partition of one request), passed to on_delivery. */
typedef struct tern_delivery {
    size_t topic;          /**< Index into the configured topics. */
    int32_t partition;     /**< Partition. */
    int64_t base_offset;   /**< Offset of the first reading, -1 if unknown (acks=0, dedup). */
    uint32_t record_count; /**< Readings in the batch. */
    int16_t error_code;    /**< 0 delivered; otherwise the Kafka error that made them fail. */
} tern_delivery_t;

/** One bootstrap address (an element of ::tern_producer_config_t bootstrap). */
typedef struct tern_bootstrap_address {
    const char *host; /**< NUL-terminated host name or address (shorter than TERN_HOST_LEN_MAX). */
    uint16_t port;    /**< Port. */
} tern_bootstrap_address_t;

/** Session configuration. Start from tern_producer_config_init(). */
typedef struct tern_producer_config {
    const char *bootstrap_host; /**< NUL-terminated host of the first broker to contact;
                                     used only when bootstrap_count is 0. */
    uint16_t bootstrap_port;    /**< Its port. */
    /** Bootstrap list (caller memory that must outlive the session). Whenever the session has
     *  no connection it tries these, then the brokers learnt from Metadata, in that order,
     *  starting with the one that last worked. NULL with bootstrap_count 0 (the default): the
     *  single bootstrap_host/bootstrap_port. */
    const tern_bootstrap_address_t *bootstrap;
    size_t bootstrap_count;         /**< 0..TERN_BOOTSTRAP_MAX entries in bootstrap. */
    const char *client_id;          /**< Kafka client id (NULL: TERN_CLIENT_ID_DEFAULT). */
    const char *const *topics;      /**< NUL-terminated topic names; must outlive the session. */
    size_t topic_count;             /**< 1..TERN_TOPICS_MAX. */
    int16_t acks;                   /**< 0, 1 or -1 (all). Default -1. */
    tern_idempotence_t idempotence; /**< Default ::TERN_IDEMPOTENCE_OFF. */
    uint32_t request_timeout_ms;   /**< Per request (also the broker's acks wait). Default 10000. */
    uint32_t linger_ms;            /**< Wait to fill a batch after the first reading. Default 0. */
    uint32_t retry_backoff_ms;     /**< After a retriable broker error. Default 100. */
    uint32_t reconnect_backoff_ms; /**< First wait after a connection failure. Default 100. */
    uint32_t reconnect_backoff_max_ms; /**< The wait doubles up to this. Default 10000. */
    uint32_t metadata_max_age_ms;      /**< Refresh leaders at least this often. Default 300000. */
    bool allow_auto_topic_creation; /**< Metadata v4+: let the broker create topics. Default false.
                                     */
    /** Called for every batch that completes (delivered or failed). May be NULL. */
    void (*on_delivery)(void *ctx, const tern_delivery_t *delivery);
    void *on_delivery_ctx; /**< Passed to on_delivery. */
} tern_producer_config_t;

/** Counters (wrap at 2^32). */
typedef struct tern_producer_stats {
    uint32_t enqueued;  /**< Readings accepted by tern_producer_send(). */
    uint32_t delivered; /**< Readings acknowledged (or sent, acks=0). */
    uint32_t failed;    /**< Readings rejected by the broker with a non-retriable error. */
    uint32_t requests;  /**< Produce requests sent. */
    uint32_t retries;   /**< Produce attempts that must be repeated (errors, timeouts). */
    uint32_t connects;  /**< Successful transport connections. */
} tern_producer_stats_t;

/** A broker address remembered from Metadata. */
typedef struct tern_broker_slot {
    int32_t node_id;              /**< Broker id, -1 for an unused slot. */
    uint16_t port;                /**< Port. */
    char host[TERN_HOST_LEN_MAX]; /**< NUL-terminated host. */
} tern_broker_slot_t;

/**
 * Session state. Allocate it anywhere (static, stack of a long-lived task); treat the fields as
 * private except through the accessor functions. Size grows with TERN_TOPICS_MAX,
 * TERN_PARTITIONS_MAX, TERN_BROKERS_MAX and TERN_HOST_LEN_MAX. (Frequently used scalars come
 * first: Thumb's short load/store encodings reach only the first 124 bytes of a structure.)
 */
typedef struct tern_producer {
    tern_ring_t *ring;
    tern_buffer_t net;
    tern_transport_t transport;
    tern_clock_t clock;
    int32_t correlation_id;
    int32_t conn_node;   /* broker id of the connection, -1 unknown */
    uint32_t wait_until; /* no network work before this time (backoff) */
    uint32_t backoff_ms; /* next reconnect backoff */
    uint32_t linger_start;
    uint32_t metadata_at;
    int64_t producer_id;
    int16_t producer_epoch;
    int16_t v_produce;
    int16_t v_metadata;
    int16_t v_init_pid; /* -1: the broker lacks InitProducerId */
    int16_t last_error;
    uint8_t scratch_status; /* set by parser callbacks */
    uint16_t candidate;     /* bootstrap candidate tried first (the one that last worked) */
    bool connected;
    bool idempotent;
    bool need_pid;
    bool metadata_valid;
    bool lingering;
    bool flushing;
    size_t client_id_len;
    tern_producer_config_t config;
    tern_producer_stats_t stats;
    uint16_t partition_count[TERN_TOPICS_MAX]; /* 0: unknown */
    uint16_t sticky[TERN_TOPICS_MAX];
    int32_t leader[TERN_TOPICS_MAX][TERN_PARTITIONS_MAX];
    int32_t sequence[TERN_TOPICS_MAX][TERN_PARTITIONS_MAX];
    tern_broker_slot_t brokers[TERN_BROKERS_MAX];
} tern_producer_t;

/**
 * @brief Fills a configuration with the defaults documented in ::tern_producer_config_t.
 *
 * @param[out] config The configuration (no-op if NULL). Host, port and topics stay unset.
 */
void tern_producer_config_init(tern_producer_config_t *config);

/**
 * @brief Initialises a session. Does no I/O.
 *
 * The ring may already hold readings (tern_ring_restore() after a reboot, with
 * ::TERN_ENTRY_INFLIGHT in clear_flags); they are sent first, in order.
 *
 * @param[out] producer The session.
 * @param[in] config Configuration (copied; the strings it points to must outlive the session).
 * @param[in] transport Transport (copied); connect, send and recv are required.
 * @param[in] clock Clock (copied); now_ms is required.
 * @param[in] net_buffer Buffer for requests and responses (at least 256 bytes; it bounds the
 *            batch size and the largest Metadata response accepted).
 * @param[in] ring Offline buffer, initialised by the caller; must outlive the session.
 * @return ::TERN_OK; ::TERN_BAD_PARAMETER if a pointer or required function is NULL, acks is not
 *         -1/0/1, idempotence is required with acks != -1, the topic list is empty, longer than
 *         TERN_TOPICS_MAX or holds a NULL/empty/over-long name, bootstrap_count exceeds
 *         TERN_BOOTSTRAP_MAX or is non-zero with a NULL list, a bootstrap host (bootstrap_host
 *         when the list is empty, otherwise every listed host) is missing, empty or longer than
 *         TERN_HOST_LEN_MAX - 1, or the buffer is too small.
 */
tern_status_t tern_producer_init(tern_producer_t *producer, const tern_producer_config_t *config,
                                 const tern_transport_t *transport, const tern_clock_t *clock,
                                 const tern_buffer_t *net_buffer, tern_ring_t *ring);

/**
 * @brief Queues a reading. Never does I/O.
 *
 * The record (key, value, headers) is encoded into the ring, so the caller's memory can be
 * reused at once. When the partition count is known the partition is chosen now; otherwise
 * when Metadata arrives.
 *
 * @param[in,out] producer The session.
 * @param[in] topic Index into config.topics.
 * @param[in] partition A partition, or ::TERN_PARTITION_ANY (by key; round-robin without key).
 * @param[in] record The reading.
 * @return ::TERN_OK; ::TERN_BAD_PARAMETER for a NULL pointer, an invalid record, a topic index
 *         out of range, or a partition below -1, not below TERN_PARTITIONS_MAX or not below the
 *         topic's known partition count; ::TERN_BUFFER_TOO_SMALL if the reading could never fit
 *         in one request of the network buffer (or in one ring entry); ::TERN_RING_FULL if the
 *         ring has no room and its policy is ::TERN_RING_REJECT_NEW.
 */
tern_status_t tern_producer_send(tern_producer_t *producer, size_t topic, int32_t partition,
                                 const tern_record_t *record);

/**
 * @brief Does the network work that is due: (re)connect and negotiate versions, get a producer
 * id, refresh Metadata, then at most one Produce exchange. Call it regularly (e.g. every loop
 * iteration). Each exchange waits at most request_timeout_ms + TERN_RESPONSE_GRACE_MS, so a call
 * that has to reconnect first can block a few times that (plus the transport's connect time);
 * while backing off it returns at once. Without a connection it tries every bootstrap address
 * and every broker learnt from Metadata once (the one that last worked first) and backs off
 * only when all of them failed, so a call can also block once per unreachable candidate.
 *
 * @param[in,out] producer The session.
 * @return ::TERN_OK (progress made, or nothing to do: check tern_producer_pending());
 *         ::TERN_BACKOFF (waiting before the next attempt: nothing was tried);
 *         ::TERN_BAD_PARAMETER if producer is NULL or not initialised;
 *         on failure, after which the session backs off and retries on a later call:
 *         ::TERN_CONNECT_FAILED, ::TERN_SEND_FAILED, ::TERN_RECV_FAILED, ::TERN_TIMEOUT,
 *         ::TERN_MALFORMED (bad response; the connection is dropped),
 *         ::TERN_BUFFER_TOO_SMALL (a response larger than the network buffer),
 *         ::TERN_BROKER_ERROR (see tern_producer_last_error(); retriable errors are retried,
 *         readings rejected for good are reported through on_delivery),
 *         ::TERN_UNSUPPORTED (the broker lacks Produce v3+/Metadata, or InitProducerId with
 *         ::TERN_IDEMPOTENCE_REQUIRED), ::TERN_LIMIT (a topic has more partitions than
 *         TERN_PARTITIONS_MAX, or the leaders span more brokers than TERN_BROKERS_MAX).
 */
tern_status_t tern_producer_poll(tern_producer_t *producer);

/**
 * @brief Polls until every queued reading is delivered (or failed), ignoring linger_ms.
 *
 * Sleeps through backoffs with clock.sleep_ms when provided (otherwise it spins).
 *
 * @param[in,out] producer The session.
 * @param[in] timeout_ms Give up after this long.
 * @return ::TERN_OK when the ring is empty; ::TERN_TIMEOUT if readings remain;
 *         ::TERN_BAD_PARAMETER if producer is NULL; ::TERN_UNSUPPORTED or ::TERN_LIMIT at once
 *         when polling cannot succeed without a configuration change.
 */
tern_status_t tern_producer_flush(tern_producer_t *producer, uint32_t timeout_ms);

/**
 * @brief Closes the connection. Queued readings stay in the ring; a later poll reconnects.
 *
 * @param[in,out] producer The session.
 * @return ::TERN_OK; ::TERN_BAD_PARAMETER if producer is NULL.
 */
tern_status_t tern_producer_close(tern_producer_t *producer);

/**
 * @brief Readings not yet delivered or failed.
 *
 * @param[in] producer The session.
 * @return Their number (0 if producer is NULL).
 */
uint32_t tern_producer_pending(const tern_producer_t *producer);

/**
 * @brief Whether batches currently carry a producer id (idempotent mode active).
 *
 * @param[in] producer The session.
 * @return true if idempotent; false otherwise or if producer is NULL.
 */
bool tern_producer_is_idempotent(const tern_producer_t *producer);

/**
 * @brief The last Kafka error code a broker returned (0 if none).
 *
 * @param[in] producer The session.
 * @return The error code (0 if producer is NULL).
 */
int16_t tern_producer_last_error(const tern_producer_t *producer);

/**
 * @brief The session's counters.
 *
 * @param[in] producer The session.
 * @return Pointer to the counters (valid as long as the session), or NULL if producer is NULL.
 */
const tern_producer_stats_t *tern_producer_get_stats(const tern_producer_t *producer);

#ifdef __cplusplus
}
#endif

#endif /* TERN_PRODUCER_H */
