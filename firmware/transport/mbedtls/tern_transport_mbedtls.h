/**
 * @file tern_transport_mbedtls.h
 * @brief TLS transport adapter: Mbed TLS (2.28 / 3.x API subset) over any tern transport.
 *
 * The adapter wraps a lower transport (a TCP socket, an lwIP connection, a modem socket) and
 * presents the same ::tern_transport_t interface, so the producer session does not know whether
 * it talks TLS. Two modes, matching the hub's listeners (DESIGN.md section 5):
 * - PSK: a pre-shared key and identity (cheap handshakes for small MCUs, no certificates);
 *   the adapter offers only PSK cipher suites.
 * - Certificates: the broker's certificate is verified against ca_chain and server_name (or the
 *   host passed to connect); a client certificate and key may be given for mutual TLS.
 *   Mbed TLS 2.28 matches DNS names only (no IP-address subjectAltName): brokers advertised by
 *   IP address, as the hub is by default, need server_name set to a DNS name in their
 *   certificate.
 *
 * Memory: all Mbed TLS contexts live inside ::tern_mbedtls_transport_t (caller storage). Mbed
 * TLS itself allocates its record buffers through its platform layer; on an MCU configure
 * MBEDTLS_MEMORY_BUFFER_ALLOC_C (a static arena) and shrink MBEDTLS_SSL_IN/OUT_CONTENT_LEN.
 * Randomness comes from the caller (f_rng): a hardware TRNG-seeded DRBG on a board.
 */
#ifndef TERN_TRANSPORT_MBEDTLS_H
#define TERN_TRANSPORT_MBEDTLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "tern_serializer.h"
#include "tern_transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Credentials and options. Buffers must outlive the transport. */
typedef struct tern_mbedtls_config {
    /* PSK mode (psk != NULL) */
    const unsigned char *psk; /**< Pre-shared key bytes. */
    size_t psk_len;           /**< Its length. */
    const char *psk_identity; /**< NUL-terminated identity (the hub's principal). */
    /* Certificate mode (ca_chain != NULL) */
    const unsigned char *ca_chain;    /**< Trusted CA(s): PEM (length includes the NUL) or DER. */
    size_t ca_chain_len;              /**< Its length. */
    const unsigned char *client_cert; /**< Optional client certificate (PEM with NUL, or DER). */
    size_t client_cert_len;           /**< Its length. */
    const unsigned char *client_key;  /**< Private key for client_cert. */
    size_t client_key_len;            /**< Its length. */
    const char *server_name; /**< Name to verify and send as SNI; NULL: the connect host. */
    /* Both modes */
    int (*f_rng)(void *p_rng, unsigned char *out, size_t len); /**< Random bytes (required). */
    void *p_rng;                                               /**< Passed to f_rng. */
    uint32_t handshake_timeout_ms; /**< Give up a handshake after this long (0: 10000). */
} tern_mbedtls_config_t;

/** Adapter state (caller storage). */
typedef struct tern_mbedtls_transport {
    tern_transport_t lower;
    tern_clock_t clock;
    const char *server_name;
    bool certificates;
    uint32_t handshake_timeout_ms;
    bool open;
    int last_error; /**< Last Mbed TLS error code (negative), 0 if none; for diagnostics. */
    mbedtls_ssl_context ssl;
    mbedtls_ssl_config conf;
    mbedtls_x509_crt ca;
    mbedtls_x509_crt cert;
    mbedtls_pk_context key;
} tern_mbedtls_transport_t;

/**
 * @brief Sets up TLS over a lower transport and fills the interface for the session.
 *
 * @param[out] tls Adapter state.
 * @param[in] config Credentials (PSK, certificates, or both) and the RNG.
 * @param[in] lower The transport TLS runs over (copied).
 * @param[in] clock Clock for the handshake timeout (copied).
 * @param[out] transport Interface to give to tern_producer_init().
 * @return ::TERN_OK; ::TERN_BAD_PARAMETER if a pointer or f_rng is NULL, neither a PSK nor a
 *         CA chain is given, or a key or certificate does not parse (tls->last_error says why;
 *         tern_mbedtls_transport_free() must still be called).
 */
tern_status_t tern_mbedtls_transport_init(tern_mbedtls_transport_t *tls,
                                          const tern_mbedtls_config_t *config,
                                          const tern_transport_t *lower, const tern_clock_t *clock,
                                          tern_transport_t *transport);

/**
 * @brief Closes the connection and frees every Mbed TLS context.
 *
 * @param[in,out] tls Adapter state (no-op if NULL).
 */
void tern_mbedtls_transport_free(tern_mbedtls_transport_t *tls);

#ifdef __cplusplus
}
#endif

#endif /* TERN_TRANSPORT_MBEDTLS_H */
