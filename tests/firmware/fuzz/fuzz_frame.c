/* libFuzzer target: the response framing: size prefix and response header. */
#include "fuzz_util.h"
#include "tern_serializer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t frame_len = 0;
    int32_t correlation_id;
    uint8_t *copy;
    if (size < 4) {
        return 0;
    }
    copy = exact_copy(data, size);
    if (tern_frame_size_parse(copy, size - 4, &frame_len) == TERN_OK) {
        (void)tern_response_header_parse(copy + 4, frame_len, &correlation_id);
    }
    free(copy);
    return 0;
}
