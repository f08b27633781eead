/* libFuzzer target: tern_api_versions_response_parse. First byte: request version (0..2). */
#include "fuzz_util.h"
#include "tern_serializer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tern_api_version_t apis[4] = {{0, 0, 0}, {3, 0, 0}, {18, 0, 0}, {22, 0, 0}};
    tern_api_versions_response_t out;
    uint8_t *body;
    if (size < 1) {
        return 0;
    }
    body = exact_copy(data + 1, size - 1);
    if (tern_api_versions_response_parse(body, size - 1, (int16_t)(data[0] % 3), apis, 4, &out) ==
        TERN_OK) {
        touch(apis, sizeof(apis));
    }
    free(body);
    return 0;
}
