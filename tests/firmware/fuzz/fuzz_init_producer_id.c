/* libFuzzer target: tern_init_producer_id_response_parse. First byte: version (0..1). */
#include "fuzz_util.h"
#include "tern_serializer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tern_init_producer_id_response_t out;
    uint8_t *body;
    if (size < 1) {
        return 0;
    }
    body = exact_copy(data + 1, size - 1);
    (void)tern_init_producer_id_response_parse(body, size - 1, (int16_t)(data[0] % 2), &out);
    free(body);
    return 0;
}
