/*
 * board.c - STM32F407 glue for the sensor_node example: HSI clock (16 MHz after reset), the
 * on-chip temperature sensor would come from ADC1 channel 16; here a synthetic reading keeps the
 * example free of a HAL. Device id: the 96-bit unique id at 0x1FFF7A10 would name the node.
 */
#include "board.h"

const uint32_t board_core_hz = 16000000u; /* HSI after reset */
const char board_name[] = "stm32f4-node";

void board_init(void)
{
}

int32_t board_read_sensor_milli(void)
{
    /* A slowly varying synthetic temperature around 21.5 degrees C. */
    uint32_t t = board_now_ms(0) / 1000u;
    return 21500 + (int32_t)(t % 600u) - 300;
}

void board_idle(void)
{
    __asm volatile("wfi");
}
