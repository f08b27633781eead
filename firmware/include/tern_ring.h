/**
 * @file tern_ring.h
 * @brief Offline buffer: a FIFO of variable-length entries in caller-provided memory.
 *
 * The producer session keeps every reading here until the broker acknowledges it, so readings
 * survive a lost link; the ring is usable on its own too. No allocation, no global state.
 *
 * Layout (stable, so a board can persist the storage to flash and restore it after a reboot):
 * an entry is a 3-byte header -- payload length (uint16, little-endian) and a flags byte --
 * followed by the payload. Entries are contiguous: an entry never wraps. When the space left
 * before the end of the storage cannot hold the next entry, a wrap marker (length 0xFFFF) is
 * written there (or, if fewer than 3 bytes are left, the wrap is implicit) and the entry goes to
 * offset 0. `head` is the offset of the oldest entry, `tail` the offset just past the newest;
 * head == tail means empty (a push never fills the last byte, so full is never ambiguous).
 * The ring does not interpret flags; the session uses bits 0-1 (see tern_producer.h).
 *
 * Persistence hook: after every change the ring calls `persist(ctx, ring, offset, len)`: bytes
 * [offset, offset + len) of the storage changed, and/or (len == 0) head/tail/count changed. A
 * board can mirror the storage to flash incrementally, or simply keep it in RAM that survives a
 * reset, and later call tern_ring_restore() with the saved head and tail.
 *
 * Full policy: ::TERN_RING_REJECT_NEW refuses a new entry when there is no room (the caller
 * decides); ::TERN_RING_DROP_OLDEST discards the oldest entries until it fits and counts them in
 * `dropped`.
 *
 * The structure's fields are readable (count, dropped, head, tail) but must only be changed
 * through these functions. Not thread-safe: one context (task or main loop) owns a ring.
 */
#ifndef TERN_RING_H
#define TERN_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern_serializer.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Entry header size in bytes (length + flags). */
#define TERN_RING_ENTRY_HEADER 3u
/** Largest payload of one entry. */
#define TERN_RING_PAYLOAD_MAX 0xFFFEu
/** Offset value that ends an iteration. */
#define TERN_RING_END ((size_t)-1)

/** What a push does when the ring has no room. */
typedef enum tern_ring_policy {
    TERN_RING_REJECT_NEW = 0, /**< Keep the old entries; the push fails with ::TERN_RING_FULL. */
    TERN_RING_DROP_OLDEST = 1 /**< Discard the oldest entries (counted in `dropped`). */
} tern_ring_policy_t;

struct tern_ring;

/** Persistence hook; see the file comment. */
typedef void (*tern_ring_persist_fn)(void *ctx, const struct tern_ring *ring, size_t offset,
                                     size_t len);

/** A ring over caller storage. */
typedef struct tern_ring {
    uint8_t *storage;             /**< Caller memory. */
    size_t size;                  /**< Its size in bytes. */
    size_t head;                  /**< Offset of the oldest entry. */
    size_t tail;                  /**< Offset just past the newest entry. */
    uint32_t count;               /**< Entries held. */
    uint32_t dropped;             /**< Entries discarded by ::TERN_RING_DROP_OLDEST. */
    tern_ring_policy_t policy;    /**< Full policy. */
    tern_ring_persist_fn persist; /**< Hook (may be NULL). */
    void *persist_ctx;            /**< Passed to persist. */
} tern_ring_t;

/**
 * @brief Initialises an empty ring over caller storage.
 *
 * @param[out] ring The ring.
 * @param[in] storage Memory for entries; must outlive the ring.
 * @param[in] size Its size (at least 16 bytes).
 * @param[in] policy Full policy.
 * @param[in] persist Persistence hook, or NULL.
 * @param[in] persist_ctx Passed to persist.
 * @return ::TERN_OK; ::TERN_BAD_PARAMETER if ring or storage is NULL, size < 16 or the policy
 *         is unknown.
 */
tern_status_t tern_ring_init(tern_ring_t *ring, uint8_t *storage, size_t size,
                             tern_ring_policy_t policy, tern_ring_persist_fn persist,
                             void *persist_ctx);

/**
 * @brief Re-attaches storage that already holds entries (e.g. after a reboot) and validates it.
 *
 * Walks every entry from head to tail; lengths, wrap markers and positions must be consistent
 * and every entry must lie inside the storage. Flag bits in clear_flags are cleared in every
 * entry (the session clears "in flight" this way: a new session has no request outstanding).
 *
 * @param[out] ring The ring.
 * @param[in] storage Memory holding the entries.
 * @param[in] size Its size (as when the entries were written).
 * @param[in] head Saved head offset.
 * @param[in] tail Saved tail offset.
 * @param[in] clear_flags Flag bits to clear in every entry.
 * @param[in] policy Full policy.
 * @param[in] persist Persistence hook, or NULL.
 * @param[in] persist_ctx Passed to persist.
 * @return ::TERN_OK; ::TERN_BAD_PARAMETER as for tern_ring_init(); ::TERN_CORRUPT if the
 *         contents are inconsistent (the ring is then initialised empty).
 */
tern_status_t tern_ring_restore(tern_ring_t *ring, uint8_t *storage, size_t size, size_t head,
                                size_t tail, uint8_t clear_flags, tern_ring_policy_t policy,
                                tern_ring_persist_fn persist, void *persist_ctx);

/**
 * @brief Appends an entry and returns where to write its payload.
 *
 * The entry is part of the ring as soon as this returns; write the payload, then call
 * tern_ring_commit() so the persistence hook sees it.
 *
 * @param[in,out] ring The ring.
 * @param[in] len Payload length (1..::TERN_RING_PAYLOAD_MAX).
 * @param[out] payload Where to write len bytes.
 * @param[out] dropped_flags OR of the flags of entries dropped to make room (0 if none). May
 *             be NULL.
 * @return ::TERN_OK; ::TERN_BAD_PARAMETER for NULL ring/payload or a bad length;
 *         ::TERN_RING_FULL if there is no room under ::TERN_RING_REJECT_NEW, or the entry is
 *         larger than the ring could ever hold.
 */
tern_status_t tern_ring_push(tern_ring_t *ring, size_t len, uint8_t **payload,
                             uint8_t *dropped_flags);

/**
 * @brief Reports a just-written entry to the persistence hook.
 *
 * @param[in] ring The ring.
 * @param[in] at Offset of the entry (as returned by iteration; for a fresh push, the payload
 *            pointer minus storage minus ::TERN_RING_ENTRY_HEADER).
 */
void tern_ring_commit(const tern_ring_t *ring, size_t at);

/**
 * @brief Removes the oldest entry.
 *
 * @param[in,out] ring The ring.
 * @return ::TERN_OK; ::TERN_BAD_PARAMETER if ring is NULL; ::TERN_RING_EMPTY if there is none.
 */
tern_status_t tern_ring_pop(tern_ring_t *ring);

/**
 * @brief Offset of the oldest entry.
 *
 * @param[in] ring The ring.
 * @return The offset, or ::TERN_RING_END if the ring is empty.
 */
size_t tern_ring_first(const tern_ring_t *ring);

/**
 * @brief Offset of the entry after the one at `at`.
 *
 * @param[in] ring The ring.
 * @param[in] at Offset of an entry.
 * @return The offset, or ::TERN_RING_END after the newest entry.
 */
size_t tern_ring_next(const tern_ring_t *ring, size_t at);

/**
 * @brief The payload of the entry at `at`.
 *
 * @param[in] ring The ring.
 * @param[in] at Offset of an entry.
 * @param[out] len Payload length.
 * @return Pointer to the payload (valid until the entry is popped or dropped).
 */
uint8_t *tern_ring_payload(const tern_ring_t *ring, size_t at, size_t *len);

/**
 * @brief Flags of the entry at `at`.
 *
 * @param[in] ring The ring.
 * @param[in] at Offset of an entry.
 * @return The flags byte.
 */
uint8_t tern_ring_flags(const tern_ring_t *ring, size_t at);

/**
 * @brief Replaces the flags of the entry at `at` (reported to the persistence hook).
 *
 * @param[in] ring The ring.
 * @param[in] at Offset of an entry.
 * @param[in] flags New flags byte.
 */
void tern_ring_set_flags(tern_ring_t *ring, size_t at, uint8_t flags);

#ifdef __cplusplus
}
#endif

#endif /* TERN_RING_H */
