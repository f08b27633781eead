/**
 * @file tern_transport.h
 * @brief The network and clock interfaces a board injects into the producer session.
 *
 * The library never opens sockets or reads timers itself. A board supplies four functions over
 * an opaque context (a socket, an lwIP pcb, a modem handle, a TLS session...) and a millisecond
 * clock. Ready-made transports: firmware/transport/posix (BSD sockets: Linux, lwIP sockets) and
 * firmware/transport/mbedtls (TLS over any other tern transport).
 */
#ifndef TERN_TRANSPORT_H
#define TERN_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Opens a connection to host:port (closing any previous one first).
 *
 * Called by the session for the bootstrap brokers and for brokers (partition leaders, and
 * fallbacks when a connection is lost) it learns from Metadata. May block; should give up within
 * a bounded time of the board's choosing: an unreachable address costs that much per attempt.
 *
 * @param[in] ctx The transport context.
 * @param[in] host NUL-terminated host name or address literal.
 * @param[in] port TCP port.
 * @return 0 when connected, a negative value on failure.
 */
typedef int32_t (*tern_transport_connect_fn)(void *ctx, const char *host, uint16_t port);

/**
 * @brief Sends up to len bytes.
 *
 * @param[in] ctx The transport context.
 * @param[in] data Bytes to send.
 * @param[in] len Their number (> 0).
 * @return Bytes accepted (0 if none could be sent right now; the session retries until its
 *         deadline), or a negative value if the connection failed.
 */
typedef int32_t (*tern_transport_send_fn)(void *ctx, const uint8_t *data, size_t len);

/**
 * @brief Receives up to len bytes.
 *
 * Should wait briefly (a few milliseconds) for data rather than return at once, so the session
 * does not spin; the session enforces the overall deadline with the clock.
 *
 * @param[in] ctx The transport context.
 * @param[out] buf Destination.
 * @param[in] len Its capacity (> 0).
 * @return Bytes received (0 if none arrived yet), or a negative value if the connection failed
 *         or the peer closed it.
 */
typedef int32_t (*tern_transport_recv_fn)(void *ctx, uint8_t *buf, size_t len);

/**
 * @brief Closes the connection (idempotent).
 *
 * @param[in] ctx The transport context.
 */
typedef void (*tern_transport_close_fn)(void *ctx);

/** A transport: functions plus the context they receive. */
typedef struct tern_transport {
    tern_transport_connect_fn connect; /**< Required by the session. */
    tern_transport_send_fn send;       /**< Required. */
    tern_transport_recv_fn recv;       /**< Required. */
    tern_transport_close_fn close;     /**< Optional (NULL: nothing to release). */
    void *ctx;                         /**< Opaque context. */
} tern_transport_t;

/**
 * @brief Milliseconds from any fixed point; must be monotonic and may wrap at 2^32.
 *
 * @param[in] ctx The clock context.
 * @return The current time in milliseconds.
 */
typedef uint32_t (*tern_now_ms_fn)(void *ctx);

/**
 * @brief Sleeps (or idles the CPU) for about ms milliseconds.
 *
 * @param[in] ctx The clock context.
 * @param[in] ms Duration.
 */
typedef void (*tern_sleep_ms_fn)(void *ctx, uint32_t ms);

/** The injected clock. */
typedef struct tern_clock {
    tern_now_ms_fn now_ms;     /**< Required. */
    tern_sleep_ms_fn sleep_ms; /**< Optional: lets tern_producer_flush() idle during backoff. */
    void *ctx;                 /**< Opaque context. */
} tern_clock_t;

#ifdef __cplusplus
}
#endif

#endif /* TERN_TRANSPORT_H */
