/* libFuzzer target: tern_ring_restore on arbitrary storage (what flash may hold after a power
 * cut), then a walk over every entry it accepted. Bytes 0-3: head and tail (16 bits each). */
#include "fuzz_util.h"
#include "tern_ring.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tern_ring_t ring;
    uint8_t *storage;
    size_t n;
    size_t head;
    size_t tail;
    if (size < 4 + 16) {
        return 0;
    }
    head = (size_t)data[0] | ((size_t)data[1] << 8);
    tail = (size_t)data[2] | ((size_t)data[3] << 8);
    n = size - 4;
    storage = exact_copy(data + 4, n);
    if (tern_ring_restore(&ring, storage, n, head, tail, 0x01, TERN_RING_DROP_OLDEST, NULL, NULL) ==
        TERN_OK) {
        size_t at;
        uint32_t count = 0;
        uint8_t *dst;
        for (at = tern_ring_first(&ring); at != TERN_RING_END; at = tern_ring_next(&ring, at)) {
            size_t len;
            const uint8_t *p = tern_ring_payload(&ring, at, &len);
            touch(p, len);
            if (++count > ring.count) {
                __builtin_trap(); /* the walk must end after count entries */
            }
        }
        /* The ring must stay usable: push and pop on top of what was restored. */
        if (tern_ring_push(&ring, 5, &dst, NULL) == TERN_OK) {
            dst[0] = dst[4] = 1;
        }
        while (tern_ring_pop(&ring) == TERN_OK) {
        }
    }
    free(storage);
    return 0;
}
