/* libFuzzer target: tern_metadata_response_parse with every callback reading what it is given.
 * First byte: request version (0..6). */
#include "fuzz_util.h"
#include "tern_serializer.h"

static void on_broker(void *ctx, const tern_metadata_broker_t *b)
{
    (void)ctx;
    touch(b->host, b->host_len);
    if (b->rack != NULL) {
        touch(b->rack, b->rack_len);
    }
}

static void on_topic(void *ctx, const tern_metadata_topic_t *t)
{
    (void)ctx;
    touch(t->name, t->name_len);
}

static void on_partition(void *ctx, const tern_metadata_topic_t *t,
                         const tern_metadata_partition_t *p)
{
    (void)ctx;
    touch(t->name, t->name_len);
    fuzz_sink ^= (uint8_t)p->leader_id;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tern_metadata_visitor_t vis = {NULL, on_broker, on_topic, on_partition};
    tern_metadata_response_t out;
    uint8_t *body;
    if (size < 1) {
        return 0;
    }
    body = exact_copy(data + 1, size - 1);
    if (tern_metadata_response_parse(body, size - 1, (int16_t)(data[0] % 7), &vis, &out) ==
            TERN_OK &&
        out.cluster_id != NULL) {
        touch(out.cluster_id, out.cluster_id_len);
    }
    free(body);
    return 0;
}
