/**
 * @file tern_serializer.h
 * @brief Kafka wire serializer and response parsers for microcontrollers (C99, no allocation).
 *
 * This is the pure half of the library: it turns request descriptions into bytes and response
 * bytes into values, and never touches a socket, a clock or global state. It can be linked on
 * its own (target `tern_fw_serializer`); the session in tern_producer.h is built on it.
 *
 * Requests follow a two-step pattern: `tern_*_request_size()` computes the exact frame size,
 * then `tern_*_request_serialize()` writes the frame into a caller-supplied ::tern_buffer_t.
 * (The size step is the serializer run without a buffer, so both steps accept and reject
 * exactly the same inputs; the `_size` names are macros for that call.) Produce, which nests
 * topics, partitions and records, uses an incremental builder with the same two steps. A frame
 * is complete and ready to send: the 4-byte big-endian size prefix, request header v1 and the
 * body.
 *
 * Responses are parsed from the bytes that follow the 4-byte size prefix: first
 * tern_response_header_parse() (correlation id), then the body parser for the API. Every read
 * is bounds-checked; a response that is truncated, has a negative or impossible length or
 * count, or carries trailing garbage inside its frame returns ::TERN_MALFORMED. Parsers that
 * report nested data (Metadata, Produce) walk the bytes twice: callbacks only run once the whole
 * response has been validated, so a callback never sees half of a malformed response.
 * Strings handed to callbacks point INTO the response buffer (they are not NUL-terminated) and
 * are valid only as long as that buffer holds the response.
 *
 * Supported versions: ApiVersions 0-2, Metadata 0-6, InitProducerId 0-1, Produce 3-7 with
 * RecordBatch v2 (uncompressed, CreateTime, CRC32C, zigzag varints, headers). None of them is a
 * flexible version, so every request uses request header v1 and every response header v0; each
 * range is supported by every Kafka broker since 2.0 and by Tern's hub (Kafka 4.0 dropped only
 * Produce v0-v2 of these).
 *
 * Thread safety: all functions are reentrant; they only touch the memory they are given.
 */
#ifndef TERN_SERIALIZER_H
#define TERN_SERIALIZER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern_config_defaults.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The one status type of the library. */
typedef enum tern_status {
    TERN_OK = 0,           /**< Success. */
    TERN_BAD_PARAMETER,    /**< An argument is NULL, out of range or inconsistent. */
    TERN_BUFFER_TOO_SMALL, /**< A caller-supplied buffer cannot hold the result. */
    TERN_MALFORMED,        /**< Received bytes are not a valid response (lengths, counts, ids). */
    TERN_UNSUPPORTED,      /**< The broker does not offer an API or version this needs. */
    TERN_BROKER_ERROR,     /**< The broker answered with a Kafka error code. */
    TERN_LIMIT,            /**< A compile-time limit (TERN_*_MAX) is smaller than needed. */
    TERN_CONNECT_FAILED,   /**< The transport could not connect. */
    TERN_SEND_FAILED,      /**< The transport reported an error while sending. */
    TERN_RECV_FAILED,      /**< The transport reported an error (or EOF) while receiving. */
    TERN_TIMEOUT,          /**< A deadline passed. */
    TERN_BACKOFF,          /**< Nothing was tried: waiting for a reconnect or retry backoff. */
    TERN_RING_FULL,        /**< The offline buffer has no room and the policy keeps old data. */
    TERN_RING_EMPTY,       /**< The offline buffer holds no reading. */
    TERN_CORRUPT           /**< Restored offline-buffer contents are inconsistent. */
} tern_status_t;

/** Kafka error codes the library interprets (wire values, int16). Others are passed through. */
enum tern_kafka_error {
    TERN_KAFKA_NONE = 0,
    TERN_KAFKA_CORRUPT_MESSAGE = 2,
    TERN_KAFKA_UNKNOWN_TOPIC_OR_PARTITION = 3,
    TERN_KAFKA_LEADER_NOT_AVAILABLE = 5,
    TERN_KAFKA_NOT_LEADER_OR_FOLLOWER = 6,
    TERN_KAFKA_REQUEST_TIMED_OUT = 7,
    TERN_KAFKA_REPLICA_NOT_AVAILABLE = 9,
    TERN_KAFKA_MESSAGE_TOO_LARGE = 10,
    TERN_KAFKA_NETWORK_EXCEPTION = 13,
    TERN_KAFKA_COORDINATOR_LOAD_IN_PROGRESS = 14,
    TERN_KAFKA_COORDINATOR_NOT_AVAILABLE = 15,
    TERN_KAFKA_NOT_COORDINATOR = 16,
    TERN_KAFKA_NOT_ENOUGH_REPLICAS = 19,
    TERN_KAFKA_NOT_ENOUGH_REPLICAS_AFTER_APPEND = 20,
    TERN_KAFKA_UNSUPPORTED_VERSION = 35,
    TERN_KAFKA_OUT_OF_ORDER_SEQUENCE_NUMBER = 45,
    TERN_KAFKA_DUPLICATE_SEQUENCE_NUMBER = 46,
    TERN_KAFKA_INVALID_PRODUCER_EPOCH = 47,
    TERN_KAFKA_CONCURRENT_TRANSACTIONS = 51,
    TERN_KAFKA_KAFKA_STORAGE_ERROR = 56,
    TERN_KAFKA_UNKNOWN_PRODUCER_ID = 59,
    TERN_KAFKA_FENCED_LEADER_EPOCH = 74,
    TERN_KAFKA_UNKNOWN_LEADER_EPOCH = 75,
    TERN_KAFKA_PRODUCER_FENCED = 90
};

/** Kafka API keys used here. */
enum tern_api_key {
    TERN_API_PRODUCE = 0,
    TERN_API_METADATA = 3,
    TERN_API_API_VERSIONS = 18,
    TERN_API_INIT_PRODUCER_ID = 22
};

/** Version ranges this serializer implements. */
#define TERN_API_VERSIONS_VERSION_MIN 0
#define TERN_API_VERSIONS_VERSION_MAX 2
#define TERN_METADATA_VERSION_MIN 0
#define TERN_METADATA_VERSION_MAX 6
#define TERN_INIT_PRODUCER_ID_VERSION_MIN 0
#define TERN_INIT_PRODUCER_ID_VERSION_MAX 1
#define TERN_PRODUCE_VERSION_MIN 3
#define TERN_PRODUCE_VERSION_MAX 7

/** Fixed size of a RecordBatch v2 header (baseOffset .. recordCount). */
#define TERN_RECORD_BATCH_HEADER_SIZE 61u

/** A caller-owned output buffer. */
typedef struct tern_buffer {
    uint8_t *data; /**< Start of the buffer. */
    size_t size;   /**< Capacity in bytes. */
} tern_buffer_t;

/** A string that is not necessarily NUL-terminated. */
typedef struct tern_str {
    const char *data; /**< Bytes (may be NULL when len is 0). */
    size_t len;       /**< Length in bytes. */
} tern_str_t;

/** Request header fields common to every request (the API key is implied by the function). */
typedef struct tern_request_header {
    int16_t api_version;    /**< Version of the request body to encode. */
    int32_t correlation_id; /**< Echoed by the broker in the response header. */
    const char *client_id;  /**< Client id bytes, or NULL for a null client id. */
    size_t client_id_len;   /**< Length of client_id (0 when NULL). */
} tern_request_header_t;

/* ---------------------------------------------------------------------------------------------
 * Framing and response header
 */

/**
 * @brief Reads the 4-byte big-endian size prefix of a response frame.
 *
 * @param[in] prefix The 4 bytes received first.
 * @param[in] max_frame_len The largest frame the caller can receive (its buffer size).
 * @param[out] frame_len Bytes that follow the prefix (correlation id + body).
 * @return ::TERN_OK; ::TERN_BAD_PARAMETER if a pointer is NULL; ::TERN_MALFORMED if the size is
 *         negative or smaller than a response header; ::TERN_BUFFER_TOO_SMALL if it exceeds
 *         max_frame_len (frame_len is still set, so the caller can skip it).
 */
tern_status_t tern_frame_size_parse(const uint8_t prefix[4], size_t max_frame_len,
                                    size_t *frame_len);

/**
 * @brief Parses a response header v0 (the only response header the supported versions use).
 *
 * @param[in] frame The bytes after the size prefix.
 * @param[in] frame_len Their length.
 * @param[out] correlation_id The correlation id; the body starts at frame + 4.
 * @return ::TERN_OK; ::TERN_BAD_PARAMETER if a pointer is NULL; ::TERN_MALFORMED if frame_len < 4.
 */
tern_status_t tern_response_header_parse(const uint8_t *frame, size_t frame_len,
                                         int32_t *correlation_id);

/* ---------------------------------------------------------------------------------------------
 * ApiVersions (key 18), versions 0-2 (the request body is empty)
 */

/**
 * @brief Serializes an ApiVersions request frame into buffer, or only computes its size.
 *
 * @param[in] header Request header; api_version in 0..2.
 * @param[out] buffer Destination, or NULL to compute the size only.
 * @param[out] size Frame size in bytes including the 4-byte size prefix: written, or required
 *             (also set on ::TERN_BUFFER_TOO_SMALL). May be NULL when buffer is given.
 * @return ::TERN_OK; ::TERN_BAD_PARAMETER if header is NULL, size is NULL without a buffer, the
 * buffer has no data, the version is out of range or the client id is longer than 32767 bytes;
 *         ::TERN_BUFFER_TOO_SMALL if the frame does not fit (the buffer content is then
 *         unspecified).
 */
tern_status_t tern_api_versions_request_serialize(const tern_request_header_t *header,
                                                  const tern_buffer_t *buffer, size_t *size);

/** Size step of size-then-serialize: the frame size of the same request, in *size. */
#define tern_api_versions_request_size(header, size) \
    tern_api_versions_request_serialize((header), NULL, (size))

/** One API's version range: api_key is an input, the versions are outputs. */
typedef struct tern_api_version {
    int16_t api_key;     /**< [in] The API to look up. */
    int16_t min_version; /**< [out] Lowest advertised version, -1 if not advertised. */
    int16_t max_version; /**< [out] Highest advertised version, -1 if not advertised. */
} tern_api_version_t;

/** Result of tern_api_versions_response_parse(). */
typedef struct tern_api_versions_response {
    int16_t error_code;       /**< Kafka error code (35: the broker lacks the version asked). */
    int32_t throttle_time_ms; /**< v1+; 0 otherwise. */
    size_t api_count;         /**< Number of APIs the broker listed. */
} tern_api_versions_response_t;

/**
 * @brief Parses an ApiVersions response body and looks up the APIs the caller asks for.
 *
 * A broker that does not support the requested version answers with a v0 body and error 35
 * (UNSUPPORTED_VERSION); the parser recognises this and reads the rest as v0, so the caller can
 * retry with a version from the list. Unknown API keys in the response are skipped.
 *
 * @param[in] body Response body (after the correlation id).
 * @param[in] body_len Its length.
 * @param[in] version The request version that was sent (0..2).
 * @param[in,out] apis Array of lookups (api_key set by the caller); may be NULL if count is 0.
 * @param[in] api_count Entries in apis.
 * @param[out] response Error code, throttle time and number of listed APIs.
 * @return ::TERN_OK (also when error_code != 0: that is the broker's answer);
 *         ::TERN_BAD_PARAMETER for NULL pointers or a version out of range;
 *         ::TERN_MALFORMED if the body is truncated, has an impossible count or trailing bytes.
 */
tern_status_t tern_api_versions_response_parse(const uint8_t *body, size_t body_len,
                                               int16_t version, tern_api_version_t *apis,
                                               size_t api_count,
                                               tern_api_versions_response_t *response);

/* ---------------------------------------------------------------------------------------------
 * Metadata (key 3), versions 0-6
 */

/** Metadata request body. */
typedef struct tern_metadata_request {
    const tern_str_t *topics; /**< Topic names; NULL asks for all topics. */
    size_t topic_count;       /**< Entries in topics (0 with non-NULL topics: no topics, v1+). */
    bool allow_auto_topic_creation; /**< v4+: let the broker create missing topics. */
} tern_metadata_request_t;

/**
 * @brief Serializes a Metadata request frame into buffer, or only computes its size.
 *
 * @param[in] header Request header; api_version in 0..6.
 * @param[in] request Topics to describe.
 * @param[out] buffer Destination, or NULL to compute the size only.
 * @param[out] size Frame size in bytes including the 4-byte size prefix: written, or required
 *             (also set on ::TERN_BUFFER_TOO_SMALL). May be NULL when buffer is given.
 * @return ::TERN_OK; ::TERN_BAD_PARAMETER for NULL pointers (as for ApiVersions), a version out of
 * range, a topic name longer than 32767 bytes, or an empty non-NULL topic list at v0 (v0 cannot
 *         express "no topics": an empty v0 array means all topics);
 *         ::TERN_BUFFER_TOO_SMALL if the frame does not fit (the buffer content is then
 *         unspecified).
 */
tern_status_t tern_metadata_request_serialize(const tern_request_header_t *header,
                                              const tern_metadata_request_t *request,
                                              const tern_buffer_t *buffer, size_t *size);

/** Size step of size-then-serialize: the frame size of the same request, in *size. */
#define tern_metadata_request_size(header, request, size) \
    tern_metadata_request_serialize((header), (request), NULL, (size))

/** A broker listed in a Metadata response. Strings point into the response buffer. */
typedef struct tern_metadata_broker {
    int32_t node_id;  /**< Broker id. */
    const char *host; /**< Advertised host (not NUL-terminated). */
    size_t host_len;  /**< Its length. */
    int32_t port;     /**< Advertised port. */
    const char *rack; /**< v1+: rack, or NULL. */
    size_t rack_len;  /**< Its length. */
} tern_metadata_broker_t;

/** A topic listed in a Metadata response. */
typedef struct tern_metadata_topic {
    int16_t error_code;      /**< Topic error (3: unknown topic, 5: leader not available...). */
    const char *name;        /**< Topic name (not NUL-terminated). */
    size_t name_len;         /**< Its length. */
    bool is_internal;        /**< v1+. */
    int32_t partition_count; /**< Number of partitions listed. */
} tern_metadata_topic_t;

/** A partition listed in a Metadata response. */
typedef struct tern_metadata_partition {
    int16_t error_code; /**< Partition error. */
    int32_t partition;  /**< Partition index. */
    int32_t leader_id;  /**< Leader broker id, -1 if none. */
} tern_metadata_partition_t;

/** Callbacks for tern_metadata_response_parse(); each may be NULL. */
typedef struct tern_metadata_visitor {
    void *ctx; /**< Passed to every callback. */
    /** Called once per broker, in response order. */
    void (*on_broker)(void *ctx, const tern_metadata_broker_t *broker);
    /** Called once per topic, before its partitions. */
    void (*on_topic)(void *ctx, const tern_metadata_topic_t *topic);
    /** Called once per partition of the topic. */
    void (*on_partition)(void *ctx, const tern_metadata_topic_t *topic,
                         const tern_metadata_partition_t *partition);
} tern_metadata_visitor_t;

/** Top-level fields of a Metadata response. */
typedef struct tern_metadata_response {
    int32_t throttle_time_ms; /**< v3+; 0 otherwise. */
    const char *cluster_id;   /**< v2+: cluster id, or NULL. Points into the response. */
    size_t cluster_id_len;    /**< Its length. */
    int32_t controller_id;    /**< v1+; -1 otherwise. */
    int32_t broker_count;     /**< Brokers listed. */
    int32_t topic_count;      /**< Topics listed. */
} tern_metadata_response_t;

/**
 * @brief Validates a Metadata response body, then reports its brokers, topics and partitions.
 *
 * @param[in] body Response body (after the correlation id).
 * @param[in] body_len Its length.
 * @param[in] version The request version that was sent (0..6).
 * @param[in] visitor Callbacks (may be NULL); they run only if the whole body is valid.
 * @param[out] response Top-level fields. May be NULL.
 * @return ::TERN_OK; ::TERN_BAD_PARAMETER if body is NULL with a non-zero length or the
 *         version is out of range; ::TERN_MALFORMED if the body is truncated, has a negative or
 *         impossible length or count, a null where the schema forbids one, or trailing bytes.
 */
tern_status_t tern_metadata_response_parse(const uint8_t *body, size_t body_len, int16_t version,
                                           const tern_metadata_visitor_t *visitor,
                                           tern_metadata_response_t *response);

/* ---------------------------------------------------------------------------------------------
 * InitProducerId (key 22), versions 0-1
 */

/** InitProducerId request body. */
typedef struct tern_init_producer_id_request {
    const char *transactional_id;   /**< NULL for an idempotent (non-transactional) producer. */
    size_t transactional_id_len;    /**< Its length. */
    int32_t transaction_timeout_ms; /**< Ignored by brokers without a transactional id. */
} tern_init_producer_id_request_t;

/**
 * @brief Serializes an InitProducerId request frame into buffer, or only computes its size.
 *
 * @param[in] header Request header; api_version in 0..1.
 * @param[in] request Body fields.
 * @param[out] buffer Destination, or NULL to compute the size only.
 * @param[out] size Frame size in bytes including the 4-byte size prefix: written, or required
 *             (also set on ::TERN_BUFFER_TOO_SMALL). May be NULL when buffer is given.
 * @return ::TERN_OK; ::TERN_BAD_PARAMETER for NULL pointers (as for ApiVersions), a version out of
 * range or a transactional id longer than 32767 bytes;
 *         ::TERN_BUFFER_TOO_SMALL if the frame does not fit (the buffer content is then
 *         unspecified).
 */
tern_status_t tern_init_producer_id_request_serialize(
    const tern_request_header_t *header, const tern_init_producer_id_request_t *request,
    const tern_buffer_t *buffer, size_t *size);

/** Size step of size-then-serialize: the frame size of the same request, in *size. */
#define tern_init_producer_id_request_size(header, request, size) \
    tern_init_producer_id_request_serialize((header), (request), NULL, (size))

/** InitProducerId response. */
typedef struct tern_init_producer_id_response {
    int32_t throttle_time_ms; /**< Throttle time. */
    int16_t error_code;       /**< Kafka error code. */
    int64_t producer_id;      /**< Assigned producer id (-1 on error). */
    int16_t producer_epoch;   /**< Its epoch. */
} tern_init_producer_id_response_t;

/**
 * @brief Parses an InitProducerId response body.
 *
 * @param[in] body Response body (after the correlation id).
 * @param[in] body_len Its length.
 * @param[in] version The request version that was sent (0..1).
 * @param[out] response The fields.
 * @return ::TERN_OK (the broker's error, if any, is in response->error_code);
 *         ::TERN_BAD_PARAMETER for NULL pointers or a version out of range;
 *         ::TERN_MALFORMED if the body is not exactly 16 bytes.
 */
tern_status_t tern_init_producer_id_response_parse(const uint8_t *body, size_t body_len,
                                                   int16_t version,
                                                   tern_init_producer_id_response_t *response);

/* ---------------------------------------------------------------------------------------------
 * Records, RecordBatch v2 and Produce (key 0), versions 3-7
 */

/** A record header. Header keys are strings; values may be null. */
typedef struct tern_header {
    const char *key;      /**< Key bytes (may be NULL when key_len is 0). */
    size_t key_len;       /**< Key length. */
    const uint8_t *value; /**< Value bytes, or NULL for a null value. */
    size_t value_len;     /**< Value length (must be 0 when value is NULL). */
} tern_header_t;

/** One record (a reading). */
typedef struct tern_record {
    int64_t timestamp_ms;         /**< CreateTime, milliseconds since the Unix epoch. */
    const uint8_t *key;           /**< Key, or NULL for a null key. */
    size_t key_len;               /**< Key length (0 when key is NULL). */
    const uint8_t *value;         /**< Value, or NULL for a null value (tombstone). */
    size_t value_len;             /**< Value length (0 when value is NULL). */
    const tern_header_t *headers; /**< Headers (may be NULL when header_count is 0). */
    size_t header_count;          /**< Number of headers. */
} tern_record_t;

/**
 * Internal writer state (treat as opaque). A NULL buffer with capacity 0 makes every encoder
 * measure instead of write.
 */
typedef struct tern_writer {
    uint8_t *buf; /**< Destination, NULL when measuring. */
    size_t cap;   /**< Bytes that may be written. */
    size_t pos;   /**< Bytes produced so far. */
} tern_writer_t;

/**
 * Produce request builder (treat the fields as opaque).
 *
 * A Produce request nests topics, partitions and records, and a microcontroller rarely has the
 * records of a whole request in arrays, so Produce is built incrementally straight into the
 * caller's buffer: tern_produce_begin(), then for each topic tern_produce_add_topic(), for each
 * partition tern_produce_add_partition() (one RecordBatch v2: uncompressed, CreateTime, CRC32C,
 * base timestamp = the first record's), for each record tern_produce_add_record(), and finally
 * tern_produce_end(). Size-then-serialize: make the same calls with a NULL buffer to learn the
 * exact frame size first. With a real buffer, a record that does not fit is refused with
 * ::TERN_BUFFER_TOO_SMALL and the builder stays valid, so a caller can also simply fill the
 * buffer and send what fitted. Partitions and topics that end up without records are left out.
 */
typedef struct tern_produce_builder {
    tern_writer_t w;          /**< Output. */
    size_t topics_at;         /**< Offset of the topic count. */
    size_t topic_at;          /**< Start of the open topic, 0 if none. */
    size_t parts_at;          /**< Offset of the open topic's partition count. */
    size_t part_at;           /**< Start of the open partition, 0 if none. */
    uint32_t topic_count;     /**< Topics with records so far. */
    uint32_t partition_count; /**< Partitions with records in the open topic. */
    int32_t record_count;     /**< Records in the open partition. */
    int32_t base_sequence;    /**< Of the open partition. */
    int64_t base_timestamp;   /**< First record's timestamp in the open partition. */
    int64_t max_timestamp;    /**< Largest timestamp in the open partition. */
    int64_t producer_id;      /**< Stamped on every batch. */
    int16_t producer_epoch;   /**< Stamped on every batch. */
} tern_produce_builder_t;

/**
 * @brief Starts a Produce request (non-transactional).
 *
 * @param[out] builder The builder.
 * @param[in] buffer Destination, or NULL to measure the size.
 * @param[in] header Request header; api_version in 3..7 (one request layout).
 * @param[in] acks 0 (no response), 1 (leader) or -1 (all in-sync replicas).
 * @param[in] timeout_ms How long the broker may wait for acks=-1.
 * @param[in] producer_id From InitProducerId for an idempotent producer, else -1.
 * @param[in] producer_epoch From InitProducerId, else -1.
 * @return ::TERN_OK; ::TERN_BAD_PARAMETER for a NULL builder/header, a version out of range,
 *         acks not in {-1, 0, 1}, a buffer with NULL data, or an over-long client id.
 */
tern_status_t tern_produce_begin(tern_produce_builder_t *builder, const tern_buffer_t *buffer,
                                 const tern_request_header_t *header, int16_t acks,
                                 int32_t timeout_ms, int64_t producer_id, int16_t producer_epoch);

/**
 * @brief Opens the next topic (closing the previous one).
 *
 * @param[in,out] builder The builder.
 * @param[in] name Topic name bytes.
 * @param[in] name_len Its length (1..32767).
 * @return ::TERN_OK; ::TERN_BAD_PARAMETER for NULL pointers or a bad length.
 */
tern_status_t tern_produce_add_topic(tern_produce_builder_t *builder, const char *name,
                                     size_t name_len);

/**
 * @brief Opens the next partition of the open topic: one RecordBatch.
 *
 * @param[in,out] builder The builder.
 * @param[in] partition Partition index (>= 0).
 * @param[in] base_sequence Sequence of the batch's first record (idempotent), else -1.
 * @return ::TERN_OK; ::TERN_BAD_PARAMETER if builder is NULL, no topic is open or the
 *         partition is negative.
 */
tern_status_t tern_produce_add_partition(tern_produce_builder_t *builder, int32_t partition,
                                         int32_t base_sequence);

/**
 * @brief Appends a record to the open partition's batch.
 *
 * @param[in,out] builder The builder.
 * @param[in] record The record.
 * @return ::TERN_OK; ::TERN_BAD_PARAMETER for NULL pointers, no open partition, or a record
 *         whose pointers and lengths are inconsistent or too long for the wire format;
 *         ::TERN_BUFFER_TOO_SMALL if it does not fit (the record is not added; the builder
 *         remains usable).
 */
tern_status_t tern_produce_add_record(tern_produce_builder_t *builder, const tern_record_t *record);

/**
 * @brief Finishes the request: closes the open topic and writes counts and the size prefix.
 *
 * @param[in,out] builder The builder.
 * @param[out] size Frame size (bytes written, or the measured size without a buffer).
 * @return ::TERN_OK; ::TERN_BAD_PARAMETER for NULL pointers or a request without records.
 */
tern_status_t tern_produce_end(tern_produce_builder_t *builder, size_t *size);

/** The broker's answer for one partition of a Produce request. */
typedef struct tern_produce_result {
    const char *topic;          /**< Topic name (points into the response, no NUL). */
    size_t topic_len;           /**< Its length. */
    int32_t partition;          /**< Partition index. */
    int16_t error_code;         /**< Kafka error code. */
    int64_t base_offset;        /**< Offset of the batch's first record (-1 on error). */
    int64_t log_append_time_ms; /**< -1 unless the topic uses LogAppendTime. */
    int64_t log_start_offset;   /**< v5+; -1 otherwise. */
} tern_produce_result_t;

/**
 * @brief Validates a Produce response body, then reports each partition result.
 *
 * @param[in] body Response body (after the correlation id).
 * @param[in] body_len Its length.
 * @param[in] version The request version that was sent (3..7).
 * @param[in] on_result Called once per partition after validation (may be NULL).
 * @param[in] ctx Passed to on_result.
 * @param[out] throttle_time_ms Throttle time. May be NULL.
 * @return ::TERN_OK; ::TERN_BAD_PARAMETER if body is NULL with a non-zero length or the
 *         version is out of range; ::TERN_MALFORMED if the body is truncated, has an impossible
 *         count or length, or trailing bytes.
 */
tern_status_t tern_produce_response_parse(const uint8_t *body, size_t body_len, int16_t version,
                                          void (*on_result)(void *ctx,
                                                            const tern_produce_result_t *result),
                                          void *ctx, int32_t *throttle_time_ms);

/* ---------------------------------------------------------------------------------------------
 * Checksums and partitioning
 */

/**
 * @brief CRC32C (Castagnoli), as RecordBatch v2 uses it.
 *
 * @param[in] crc Previous value to continue from (0 to start).
 * @param[in] data Bytes (may be NULL when len is 0).
 * @param[in] len Their number.
 * @return The updated CRC (no error cases).
 */
uint32_t tern_crc32c(uint32_t crc, const uint8_t *data, size_t len);

/**
 * @brief Kafka's murmur2 hash (org.apache.kafka.common.utils.Utils.murmur2, seed 0x9747b28c).
 *
 * @param[in] data Key bytes (may be NULL when len is 0).
 * @param[in] len Their number.
 * @return The 32-bit hash (Java's int, as unsigned; no error cases).
 */
uint32_t tern_murmur2(const uint8_t *data, size_t len);

/**
 * @brief The partition Kafka's Java client (and the tern CLI) chooses for a non-null key:
 * toPositive(murmur2(key)) % partition_count.
 *
 * @param[in] key Key bytes (may be NULL when len is 0).
 * @param[in] len Their number.
 * @param[in] partition_count Partitions of the topic.
 * @return The partition in [0, partition_count), or -1 if partition_count <= 0.
 */
int32_t tern_partition_for_key(const uint8_t *key, size_t len, int32_t partition_count);

#if TERN_STATUS_STRINGS
/**
 * @brief A constant name for a status, for logs (only with TERN_STATUS_STRINGS=1).
 *
 * @param[in] status Any value.
 * @return "TERN_OK", ... or "TERN_UNKNOWN_STATUS" (never NULL).
 */
const char *tern_status_str(tern_status_t status);
#endif

#ifdef __cplusplus
}
#endif

#endif /* TERN_SERIALIZER_H */
