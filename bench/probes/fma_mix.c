/*
 * What an FMA loop keeps when the host is busy, by what else it does per FMA.
 *
 *   gcc -O2 -mavx2 -mfma -o /tmp/fma_mix bench/probes/fma_mix.c && /tmp/fma_mix 600
 *
 * Each round runs five loops for 0.1 s on CPU 0, then on CPU 1, and prints GFLOP/s (8 FMAs of
 * 8 floats per step; all data in L1):
 *   pure  8 FMAs + dec/jnz                                  (9 instructions per step, a fused
 *                                                           compare-and-branch counted once)
 *   lean  4 broadcasts + 2 loads + 8 FMAs + dec/jnz        (15: no index work, and the same six
 *                                                           addresses every step)
 *   s16   one index for A and B (both 16 floats per k)      (16: + add, cmp/jl)
 *   s18   the loop C2 makes of SgemmKernel.packed now      (18: + lea, movsxd, add, cmp/jl)
 *   s21   the loop C2 made of it before (a k counter)      (21: + lea, mov, shl, add, movsxd, inc, cmp/jl)
 * On a quiet host pure and lean run at the core's peak, the three that stream A and B through L1
 * at 87-92. In the host's slow phases (another tenant on the physical core) the streaming loops
 * lose about half and much more than pure or lean, whatever their index work: see
 * bench/results/cpu-fma-mix-probe.txt and bench/NOTES-gemm.md, item 24.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

#define KC 256
static float a[4 * KC + 64] __attribute__((aligned(64)));
static float b[16 * KC + 64] __attribute__((aligned(64)));
static float a16[16 * KC + 64] __attribute__((aligned(64)));

#define FMAS \
    "vfmadd231ps %%ymm12, %%ymm14, %%ymm0\n vfmadd231ps %%ymm13, %%ymm14, %%ymm1\n" \
    "vfmadd231ps %%ymm12, %%ymm15, %%ymm2\n vfmadd231ps %%ymm13, %%ymm15, %%ymm3\n" \
    "vfmadd231ps %%ymm12, %%ymm11, %%ymm4\n vfmadd231ps %%ymm13, %%ymm11, %%ymm5\n" \
    "vfmadd231ps %%ymm12, %%ymm10, %%ymm6\n vfmadd231ps %%ymm13, %%ymm10, %%ymm7\n"
#define CLOBBER "memory", "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", \
    "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15"

static void pure(void) {
    long n = KC;
    __asm__ volatile("1:\n" FMAS "dec %0\n jnz 1b\n" : "+r"(n) :: CLOBBER);
}

static void lean(void) {
    long n = KC;
    const float *pa = a, *pb = b;
    __asm__ volatile(
        "1:\n vbroadcastss (%1), %%ymm14\n vbroadcastss 4(%1), %%ymm15\n"
        " vbroadcastss 8(%1), %%ymm11\n vbroadcastss 12(%1), %%ymm10\n"
        " vmovups (%2), %%ymm12\n vmovups 32(%2), %%ymm13\n" FMAS
        " dec %0\n jnz 1b\n"
        : "+r"(n) : "r"(pa), "r"(pb) : CLOBBER);
}

/* One index for both arrays: A packed 16 floats per k (4 slivers side by side), B 16 per k. */
static void s16(void) {
    long i = 0, end = 16 * KC;
    __asm__ volatile(
        "1:\n vbroadcastss (%1,%0,4), %%ymm14\n vbroadcastss 4(%1,%0,4), %%ymm15\n"
        " vbroadcastss 8(%1,%0,4), %%ymm11\n vbroadcastss 12(%1,%0,4), %%ymm10\n"
        " vmovups (%2,%0,4), %%ymm12\n vmovups 32(%2,%0,4), %%ymm13\n" FMAS
        " add $16, %0\n cmp %3, %0\n jl 1b\n"
        : "+r"(i) : "r"(a16), "r"(b), "r"(end) : CLOBBER);
}

/* C2's loop for `for (ap = ao, bp = bo; ap < aEnd; ap += 4, bp += 16)`. */
static void s18(void) {
    long ap = 0, end = 4 * KC, bshift = 0;
    __asm__ volatile(
        "1:\n vbroadcastss (%1,%0,4), %%ymm14\n lea (%3,%0,4), %%r10d\n"
        " movslq %k0, %%r11\n vbroadcastss 4(%1,%%r11,4), %%ymm15\n"
        " vbroadcastss 8(%1,%%r11,4), %%ymm11\n vbroadcastss 12(%1,%%r11,4), %%ymm10\n"
        " vmovups (%2,%%r10,4), %%ymm12\n vmovups 32(%2,%%r10,4), %%ymm13\n" FMAS
        " add $4, %k0\n cmp %k4, %k0\n jl 1b\n"
        : "+r"(ap) : "r"(a), "r"(b), "r"(bshift), "r"(end) : "r10", "r11", CLOBBER);
}

/* C2's loop for `for (p = 0; p < kc; p++) { ap = ao + p * 4; bp = bo + p * 16; ... }`. */
static void s21(void) {
    long p = 0, kc = KC, ao = 0, bo = 0;
    __asm__ volatile(
        "1:\n lea (%3,%0,4), %%esi\n vbroadcastss (%1,%%rsi,4), %%ymm14\n mov %k0, %%edi\n"
        " shl $4, %%edi\n add %k4, %%edi\n movslq %%esi, %%r11\n"
        " vbroadcastss 4(%1,%%r11,4), %%ymm15\n vbroadcastss 8(%1,%%r11,4), %%ymm11\n"
        " vbroadcastss 12(%1,%%r11,4), %%ymm10\n vmovups (%2,%%rdi,4), %%ymm12\n"
        " vmovups 32(%2,%%rdi,4), %%ymm13\n" FMAS
        " inc %k0\n cmp %k5, %k0\n jl 1b\n"
        : "+r"(p) : "r"(a), "r"(b), "r"(ao), "r"(bo), "r"(kc) : "rsi", "rdi", "r11", CLOBBER);
}

static double rate(void (*loop)(void), double seconds) {
    long calls = 0;
    double t0 = now(), t;
    do {
        for (int i = 0; i < 64; i++) {
            loop();
        }
        calls += 64;
    } while ((t = now()) - t0 < seconds);
    return calls * KC * 8.0 * 16 / (t - t0) / 1e9;
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 100;
    void (*loops[5])(void) = {pure, lean, s16, s18, s21};
    printf("round  cpu0: pure lean s16 s18 s21   cpu1: pure lean s16 s18 s21  (GFLOP/s)\n");
    for (int r = 0; r < rounds; r++) {
        printf("%5d", r);
        for (int c = 0; c < 2; c++) {
            cpu_set_t set;
            CPU_ZERO(&set);
            CPU_SET(c, &set);
            sched_setaffinity(0, sizeof set, &set);
            rate(pure, 0.01);
            printf("   ");
            for (int v = 0; v < 5; v++) {
                printf(" %5.1f", rate(loops[v], 0.1));
            }
        }
        printf("\n");
        fflush(stdout);
    }
    return 0;
}
