/**
 * @file tern_config_defaults.h
 * @brief Compile-time configuration of the Tern firmware library, with defaults.
 *
 * Every setting is `#ifndef`-guarded: define it before this header is seen to override it. The
 * simplest way is a board configuration header named by `TERN_CONFIG_FILE`, e.g. compile the
 * library and the application with `-DTERN_CONFIG_FILE=\"tern_config_board.h\"` (the CMake cache
 * variable TERN_FW_CONFIG_FILE does that). The library and everything that includes its headers
 * must see the same configuration: the limits below size the structures the caller allocates.
 *
 * Nothing here allocates memory. The `*_MAX` limits size arrays inside ::tern_producer_t, which
 * lives wherever the caller puts it (static storage, a task stack, ...); the library itself has
 * no global or static mutable state.
 */
#ifndef TERN_CONFIG_DEFAULTS_H
#define TERN_CONFIG_DEFAULTS_H

#ifdef TERN_CONFIG_FILE
#include TERN_CONFIG_FILE
#endif

/** Topics one producer session can publish to (names are given in ::tern_producer_config_t). */
#ifndef TERN_TOPICS_MAX
#define TERN_TOPICS_MAX 2
#endif

/**
 * Partitions per topic the session can track. A topic with more partitions is refused with
 * ::TERN_LIMIT (the key -> partition mapping needs the real count, so it cannot be truncated).
 */
#ifndef TERN_PARTITIONS_MAX
#define TERN_PARTITIONS_MAX 16
#endif

/** Distinct partition leaders (brokers) the session remembers addresses for. */
#ifndef TERN_BROKERS_MAX
#define TERN_BROKERS_MAX 3
#endif

/**
 * Bootstrap addresses a configuration can list (::tern_producer_config_t bootstrap). The list
 * lives in caller memory; this only bounds its length.
 */
#ifndef TERN_BOOTSTRAP_MAX
#define TERN_BOOTSTRAP_MAX 3
#endif

/** Longest broker host name the session can store, including the terminating NUL. */
#ifndef TERN_HOST_LEN_MAX
#define TERN_HOST_LEN_MAX 48
#endif

/**
 * CRC32C implementation: 0 = bitwise (smallest, ~8 shifts per byte), 16 = 64-byte nibble table
 * (default: two lookups per byte), 256 = 1 KiB byte table (fastest, costs 1 KiB of flash).
 */
#ifndef TERN_CRC32C_TABLE
#define TERN_CRC32C_TABLE 16
#endif

/** Extra time a session waits for a response beyond the request timeout sent to the broker. */
#ifndef TERN_RESPONSE_GRACE_MS
#define TERN_RESPONSE_GRACE_MS 1000u
#endif

/** Kafka client id sent in every request header when the configuration gives none. */
#ifndef TERN_CLIENT_ID_DEFAULT
#define TERN_CLIENT_ID_DEFAULT "tern-fw"
#endif

/** 1 compiles tern_status_str() (about 400 bytes of strings); 0 leaves it out. */
#ifndef TERN_STATUS_STRINGS
#define TERN_STATUS_STRINGS 0
#endif

/**
 * Logging. Each macro takes one parenthesised printf-style argument list, e.g.
 * `TERN_LOG_WARN(("metadata: topic %s error %d", name, (int)code));`. They compile to nothing by
 * default; a board maps them to its logger. Arguments are plain int/long/char* (no <inttypes.h>).
 */
#ifndef TERN_LOG_ERROR
#define TERN_LOG_ERROR(message)
#endif
#ifndef TERN_LOG_WARN
#define TERN_LOG_WARN(message)
#endif
#ifndef TERN_LOG_INFO
#define TERN_LOG_INFO(message)
#endif
#ifndef TERN_LOG_DEBUG
#define TERN_LOG_DEBUG(message)
#endif

/**
 * Internal consistency checks (programmer errors inside the library, never bad input: public
 * functions validate their arguments and return ::TERN_BAD_PARAMETER). Off by default; a host or
 * debug build maps it to its assert.
 */
#ifndef TERN_ASSERT
#define TERN_ASSERT(condition) ((void)0)
#endif

#if TERN_TOPICS_MAX < 1 || TERN_TOPICS_MAX > 255
#error "TERN_TOPICS_MAX must be in 1..255"
#endif
#if TERN_PARTITIONS_MAX < 1 || TERN_PARTITIONS_MAX > 65535
#error "TERN_PARTITIONS_MAX must be in 1..65535"
#endif
#if TERN_BROKERS_MAX < 1 || TERN_BROKERS_MAX > 255
#error "TERN_BROKERS_MAX must be in 1..255"
#endif
#if TERN_BOOTSTRAP_MAX < 1 || TERN_BOOTSTRAP_MAX > 255
#error "TERN_BOOTSTRAP_MAX must be in 1..255"
#endif
#if TERN_HOST_LEN_MAX < 8
#error "TERN_HOST_LEN_MAX must be at least 8"
#endif
#if TERN_CRC32C_TABLE != 0 && TERN_CRC32C_TABLE != 16 && TERN_CRC32C_TABLE != 256
#error "TERN_CRC32C_TABLE must be 0, 16 or 256"
#endif

#endif /* TERN_CONFIG_DEFAULTS_H */
