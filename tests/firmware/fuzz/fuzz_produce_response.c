/* libFuzzer target: tern_produce_response_parse. First byte: version (3..7). */
#include "fuzz_util.h"
#include "tern_serializer.h"

static void on_result(void *ctx, const tern_produce_result_t *r)
{
    (void)ctx;
    touch(r->topic, r->topic_len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int32_t throttle;
    uint8_t *body;
    if (size < 1) {
        return 0;
    }
    body = exact_copy(data + 1, size - 1);
    (void)tern_produce_response_parse(body, size - 1, (int16_t)(3 + data[0] % 5), on_result, NULL,
                                      &throttle);
    free(body);
    return 0;
}
