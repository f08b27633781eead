/*
 * tern_ring.c - offline buffer: FIFO of contiguous entries in caller storage (see tern_ring.h).
 */
#include "tern_ring.h"

#define WRAP_MARKER 0xFFFFu

static size_t rd16(const uint8_t *p)
{
    return (size_t)p[0] | ((size_t)p[1] << 8);
}

static void wr16(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void persist(const tern_ring_t *ring, size_t offset, size_t len)
{
    if (ring->persist != NULL) {
        ring->persist(ring->persist_ctx, ring, offset, len);
    }
}

/* The entry position at or after `at`, following a wrap marker or an implicit wrap. Never
 * called with at == tail (the bytes there are not an entry yet). */
static size_t normalize(const tern_ring_t *ring, size_t at)
{
    if (ring->size - at < TERN_RING_ENTRY_HEADER || rd16(ring->storage + at) == WRAP_MARKER) {
        return 0;
    }
    return at;
}

tern_status_t tern_ring_init(tern_ring_t *ring, uint8_t *storage, size_t size,
                             tern_ring_policy_t policy, tern_ring_persist_fn persist_fn,
                             void *persist_ctx)
{
    if (ring == NULL || storage == NULL || size < 16u ||
        (policy != TERN_RING_REJECT_NEW && policy != TERN_RING_DROP_OLDEST)) {
        return TERN_BAD_PARAMETER;
    }
    ring->storage = storage;
    ring->size = size;
    ring->head = 0;
    ring->tail = 0;
    ring->count = 0;
    ring->dropped = 0;
    ring->policy = policy;
    ring->persist = persist_fn;
    ring->persist_ctx = persist_ctx;
    return TERN_OK;
}

/* Walks head..tail of a restored ring; returns the entry count or 0 if inconsistent. */
static uint32_t restore_walk(tern_ring_t *ring, uint8_t clear_flags)
{
    size_t at = ring->head;
    size_t walked = 0;
    bool wrapped = false;
    uint32_t count = 0;
    for (;;) {
        size_t len;
        size_t end;
        if (ring->size - at < TERN_RING_ENTRY_HEADER) {
            return 0;
        }
        len = rd16(ring->storage + at);
        if (len == 0u || len == WRAP_MARKER || len + TERN_RING_ENTRY_HEADER > ring->size - at) {
            return 0;
        }
        end = at + TERN_RING_ENTRY_HEADER + len;
        walked += TERN_RING_ENTRY_HEADER + len;
        if (walked > ring->size || (wrapped && end > ring->tail)) {
            return 0;
        }
        ring->storage[at + 2u] &= (uint8_t)~clear_flags;
        count++;
        if (end == ring->tail) {
            /* A wrapped ring must keep a gap before head; an unwrapped one ends after it. */
            return (wrapped ? ring->tail < ring->head : ring->tail > ring->head) ? count : 0u;
        }
        at = normalize(ring, end);
        if (at == 0u) {
            if (wrapped) {
                return 0;
            }
            wrapped = true;
        }
    }
}

tern_status_t tern_ring_restore(tern_ring_t *ring, uint8_t *storage, size_t size, size_t head,
                                size_t tail, uint8_t clear_flags, tern_ring_policy_t policy,
                                tern_ring_persist_fn persist_fn, void *persist_ctx)
{
    tern_status_t st = tern_ring_init(ring, storage, size, policy, persist_fn, persist_ctx);
    uint32_t count;
    if (st != TERN_OK || head == tail) {
        return st; /* head == tail: empty */
    }
    if (head >= size || tail > size || tail == 0u) {
        return TERN_CORRUPT;
    }
    ring->head = head;
    ring->tail = tail;
    count = restore_walk(ring, clear_flags);
    if (count == 0u) {
        ring->head = 0;
        ring->tail = 0;
        return TERN_CORRUPT;
    }
    ring->count = count;
    persist(ring, 0, size);
    return TERN_OK;
}

/* Where an entry of `need` bytes fits now, or TERN_RING_END. */
static size_t find_space(const tern_ring_t *ring, size_t need)
{
    if (ring->count == 0u) {
        return 0;
    }
    if (ring->tail > ring->head) {
        if (ring->size - ring->tail >= need) {
            return ring->tail;
        }
        /* Wrap to 0; keep at least one byte before head so tail never equals head. */
        return need < ring->head ? 0u : TERN_RING_END;
    }
    return ring->head - ring->tail > need ? ring->tail : TERN_RING_END;
}

tern_status_t tern_ring_push(tern_ring_t *ring, size_t len, uint8_t **payload,
                             uint8_t *dropped_flags)
{
    size_t need = TERN_RING_ENTRY_HEADER + len;
    size_t at;
    if (dropped_flags != NULL) {
        *dropped_flags = 0;
    }
    if (ring == NULL || payload == NULL || len == 0u || len > TERN_RING_PAYLOAD_MAX) {
        return TERN_BAD_PARAMETER;
    }
    if (need >= ring->size) {
        return TERN_RING_FULL;
    }
    for (;;) {
        at = find_space(ring, need);
        if (at != TERN_RING_END) {
            break;
        }
        if (ring->policy != TERN_RING_DROP_OLDEST) {
            return TERN_RING_FULL;
        }
        if (dropped_flags != NULL) {
            *dropped_flags |= tern_ring_flags(ring, ring->head);
        }
        (void)tern_ring_pop(ring);
        ring->dropped++;
    }
    if (at == 0u && ring->count > 0u && ring->size - ring->tail >= TERN_RING_ENTRY_HEADER) {
        wr16(ring->storage + ring->tail, WRAP_MARKER);
        persist(ring, ring->tail, 2);
    }
    wr16(ring->storage + at, len);
    ring->storage[at + 2u] = 0;
    ring->tail = at + need;
    ring->count++;
    *payload = ring->storage + at + TERN_RING_ENTRY_HEADER;
    return TERN_OK;
}

void tern_ring_commit(const tern_ring_t *ring, size_t at)
{
    persist(ring, at, TERN_RING_ENTRY_HEADER + rd16(ring->storage + at));
}

tern_status_t tern_ring_pop(tern_ring_t *ring)
{
    if (ring == NULL) {
        return TERN_BAD_PARAMETER;
    }
    if (ring->count == 0u) {
        return TERN_RING_EMPTY;
    }
    ring->count--;
    if (ring->count == 0u) {
        ring->head = 0;
        ring->tail = 0;
    } else {
        ring->head = tern_ring_next(ring, ring->head);
    }
    persist(ring, ring->head, 0);
    return TERN_OK;
}

size_t tern_ring_first(const tern_ring_t *ring)
{
    return ring->count == 0u ? TERN_RING_END : ring->head;
}

size_t tern_ring_next(const tern_ring_t *ring, size_t at)
{
    size_t end = at + TERN_RING_ENTRY_HEADER + rd16(ring->storage + at);
    return end == ring->tail ? TERN_RING_END : normalize(ring, end);
}

uint8_t *tern_ring_payload(const tern_ring_t *ring, size_t at, size_t *len)
{
    *len = rd16(ring->storage + at);
    return ring->storage + at + TERN_RING_ENTRY_HEADER;
}

uint8_t tern_ring_flags(const tern_ring_t *ring, size_t at)
{
    return ring->storage[at + 2u];
}

void tern_ring_set_flags(tern_ring_t *ring, size_t at, uint8_t flags)
{
    ring->storage[at + 2u] = flags;
    persist(ring, at + 2u, 1);
}
