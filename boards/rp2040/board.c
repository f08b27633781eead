/*
 * board.c - RP2040 glue for the sensor_node example: the ring oscillator clocks the core after
 * reset (about 6.5 MHz; the Pico SDK's clocks_init() would switch to 125 MHz from the crystal).
 *
 * Booting from flash needs the Pico SDK's second-stage loader (boot2, 252 bytes + CRC32) in the
 * first 256 bytes: the placeholder below keeps the layout right and lets the image link, but the
 * boot ROM rejects it. To run on hardware, build within the Pico SDK (pico_sdk_init, which adds
 * boot2 and its own startup) and link tern_fw the same way; the Pico W's CYW43 + lwIP socket API
 * is what board_net_* would call.
 */
#include "board.h"

__attribute__((section(".boot2"), used)) const uint8_t boot2_placeholder[256] = {0};

const uint32_t board_core_hz = 6500000u; /* ROSC, nominal */
const char board_name[] = "rp2040-node";

void board_init(void)
{
}

int32_t board_read_sensor_milli(void)
{
    /* The on-chip temperature sensor is ADC input 4; synthetic here. */
    uint32_t t = board_now_ms(0) / 1000u;
    return 22000 + (int32_t)(t % 400u) - 200;
}

void board_idle(void)
{
    __asm volatile("wfi");
}
