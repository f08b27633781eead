/*
 * systick.c - a 1 kHz millisecond counter from the Cortex-M SysTick timer (the same registers on
 * ARMv6-M, ARMv7-M and ARMv8-M), and an idle-based sleep.
 */
#include "board.h"

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)

static volatile uint32_t ticks_ms;

void SysTick_Handler(void);
void SysTick_Handler(void)
{
    ticks_ms++;
}

void board_systick_start(void)
{
    SYST_RVR = board_core_hz / 1000u - 1u;
    SYST_CVR = 0;
    SYST_CSR = 7u; /* processor clock, interrupt, enable */
}

uint32_t board_now_ms(void *ctx)
{
    (void)ctx;
    return ticks_ms;
}

__attribute__((weak)) int64_t board_epoch_ms(void)
{
    return -1;
}

void board_sleep_ms(void *ctx, uint32_t ms)
{
    uint32_t start = ticks_ms;
    (void)ctx;
    while (ticks_ms - start < ms) {
        board_idle();
    }
}
