/*
 * startup_cortexm.c - vector table and reset handler for ARMv6-M / ARMv7-M / ARMv8-M parts,
 * written in C (no CMSIS, no vendor SDK): copy .data from flash, zero .bss, enable the FPU when
 * the build uses one, call main. Every interrupt defaults to a handler that parks the CPU.
 * TERN_BOARD_IRQS (set by the board) is the number of device interrupt vectors.
 */
#include <stdint.h>

#ifndef TERN_BOARD_IRQS
#error "TERN_BOARD_IRQS must give the device's interrupt count"
#endif

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;
int main(void);

void Reset_Handler(void);
void Default_Handler(void);
void SysTick_Handler(void);

void Default_Handler(void)
{
    for (;;) {
    }
}

#define WEAK_ALIAS __attribute__((weak, alias("Default_Handler")))
void NMI_Handler(void) WEAK_ALIAS;
void HardFault_Handler(void) WEAK_ALIAS;
void MemManage_Handler(void) WEAK_ALIAS;
void BusFault_Handler(void) WEAK_ALIAS;
void UsageFault_Handler(void) WEAK_ALIAS;
void SecureFault_Handler(void) WEAK_ALIAS;
void SVC_Handler(void) WEAK_ALIAS;
void DebugMon_Handler(void) WEAK_ALIAS;
void PendSV_Handler(void) WEAK_ALIAS;

typedef void (*vector_t)(void);

__attribute__((section(".isr_vector"), used)) const vector_t vector_table[16 + TERN_BOARD_IRQS] = {
    (vector_t)(uintptr_t)&_estack, /* initial stack pointer */
    Reset_Handler,
    NMI_Handler,
    HardFault_Handler,
    MemManage_Handler,   /* reserved on ARMv6-M */
    BusFault_Handler,    /* reserved on ARMv6-M */
    UsageFault_Handler,  /* reserved on ARMv6-M */
    SecureFault_Handler, /* ARMv8-M Mainline; reserved elsewhere */
    0,
    0,
    0,
    SVC_Handler,
    DebugMon_Handler,
    0,
    PendSV_Handler,
    SysTick_Handler,
    /* Device interrupts: Default_Handler unless a board defines them. */
    [16 ... 16 + TERN_BOARD_IRQS - 1] = Default_Handler,
};

void Reset_Handler(void)
{
    uint32_t *src = &_sidata;
    uint32_t *dst = &_sdata;
    while (dst < &_edata) {
        *dst++ = *src++;
    }
    for (dst = &_sbss; dst < &_ebss; dst++) {
        *dst = 0;
    }
#if defined(__ARM_FP)
    /* CPACR: full access to CP10/CP11 before any floating-point instruction runs. */
    *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20;
    __asm volatile("dsb\n isb");
#endif
    (void)main();
    for (;;) {
    }
}
