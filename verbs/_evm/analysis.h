/* The analysed instruction stream (analysis.pyx builds it, interpreter.pyx runs it):
 * the instruction kinds, the instruction record and the dispatch macros.
 *
 * Dispatch is a computed goto (GCC/Clang labels as values: one indirect jump at the end of
 * every handler, which the branch predictor learns per handler) and a switch of gotos on
 * other compilers.  The loop (run_analysed in interpreter.pyx) is written in Cython; it marks
 * the start of each kind's handler with VERBS_LABEL(I_x) and jumps with VERBS_DISPATCH(kind),
 * so every kind listed in VERBS_INSTRS must have exactly one label there.  VERBS_GOTO(L_x)
 * jumps to the loop's other labels (L_PLAIN, L_EXIT, L_DONE), which are no kinds. */
#ifndef VERBS_ANALYSIS_H
#define VERBS_ANALYSIS_H

#include <stdint.h>
#include <stddef.h>
#include "u256.h"

#define VERBS_INSTRS(X) \
    X(I_STOP) X(I_BEGINBLOCK) X(I_INVALID) X(I_GENERIC) \
    X(I_PUSH_SMALL) X(I_PUSH_BIG) X(I_PUSH0) X(I_DUP) X(I_SWAP) X(I_POP) \
    X(I_JUMP) X(I_JUMPI) X(I_JUMP_STATIC) X(I_JUMPI_STATIC) X(I_PC) \
    X(I_ADD) X(I_MUL) X(I_SUB) X(I_DIV) X(I_SDIV) X(I_MOD) X(I_SMOD) X(I_ADDMOD) \
    X(I_MULMOD) X(I_SIGNEXTEND) \
    X(I_LT) X(I_GT) X(I_SLT) X(I_SGT) X(I_EQ) X(I_ISZERO) \
    X(I_AND) X(I_OR) X(I_XOR) X(I_NOT) X(I_BYTE) X(I_SHL) X(I_SHR) X(I_SAR) X(I_CLZ) \
    X(I_ADDRESS) X(I_CALLER) X(I_CALLVALUE) X(I_CALLDATALOAD) X(I_CALLDATASIZE) \
    X(I_CODESIZE) X(I_RETURNDATASIZE) \
    X(I_MLOAD) X(I_MSTORE) X(I_KECCAK256)

#define VERBS__ENUM_ITEM(name) name,
enum { VERBS_INSTRS(VERBS__ENUM_ITEM) I_N };
#undef VERBS__ENUM_ITEM

/* One analysed instruction (16 bytes).  `arg` by kind:
 *   I_BEGINBLOCK  static gas of the block (bits 0-31), the stack height it needs (32-47),
 *                 1 + the highest stack height it allows (48-63)
 *   I_PUSH_SMALL  the value (it fits 64 bits)
 *   I_PUSH_BIG    index into the analysis' push values
 *   I_DUP/I_SWAP  n
 *   I_JUMP_STATIC, I_JUMPI_STATIC
 *                 a PUSH and the JUMP/JUMPI after it: the instruction index of the
 *                 destination's BEGINBLOCK, or -1 when it is no JUMPDEST
 *   I_MLOAD, I_MSTORE, I_KECCAK256, I_GENERIC
 *                 the static gas of the rest of the block, after this instruction (the
 *                 correction that turns the block's gas counter into the exact gas left)
 * `pc` is the instruction's offset in the code (for BEGINBLOCK: of the block's first
 * instruction; for the static jumps: of the PUSH); `evm_op` its opcode byte. */
typedef struct {
    int64_t arg;
    uint32_t pc;
    uint8_t op;
    uint8_t evm_op;
    uint16_t pad;
} verbs_instr;

/* A code's analysis: one allocation of `size` bytes, the arrays after the header. */
typedef struct {
    size_t size;
    const verbs_instr *instrs;
    size_t n_instrs;
    const u256 *push_values;
    const uint64_t *jd_bits;        /* bit d set: code[d] is a JUMPDEST (not PUSH data) */
    const uint32_t *jd_rank;        /* JUMPDESTs before word w of jd_bits */
    const uint32_t *jd_instr;       /* instruction index of the k-th JUMPDEST's BEGINBLOCK */
    size_t code_size;
} verbs_analysis;

static inline int verbs_popcount64(uint64_t x) {
#if defined(__POPCNT__)
    return __builtin_popcountll(x);
#else
    /* without the POPCNT instruction the builtin is a library call: count in registers */
    x = x - ((x >> 1) & 0x5555555555555555ULL);
    x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
    return (int)((x * 0x0101010101010101ULL) >> 56);
#endif
}

/* The instruction index to jump to for destination `d`, or -1 if `d` is not a JUMPDEST. */
static inline int64_t verbs_jump_index(const verbs_analysis *a, const u256 *dest) {
    uint64_t d, word, bit;
    if ((dest->w[1] | dest->w[2] | dest->w[3]) != 0 || dest->w[0] >= a->code_size)
        return -1;
    d = dest->w[0];
    word = a->jd_bits[d >> 6];
    bit = (uint64_t)1 << (d & 63);
    if (!(word & bit))
        return -1;
    return a->jd_instr[a->jd_rank[d >> 6] + verbs_popcount64(word & (bit - 1))];
}

#if (defined(__GNUC__) || defined(__clang__)) && !defined(VERBS_NO_COMPUTED_GOTO)
#define VERBS__LABEL_ADDR(name) &&verbs_l_##name,
#define VERBS_DISPATCH_TABLE() \
    static void *const verbs_labels[I_N] = { VERBS_INSTRS(VERBS__LABEL_ADDR) }
#define VERBS_DISPATCH(kind) goto *verbs_labels[(kind)]
#else
#define VERBS_DISPATCH_TABLE() (void)0
#define VERBS__CASE(name) case name: goto verbs_l_##name;
#define VERBS_DISPATCH(kind) \
    do { switch (kind) { VERBS_INSTRS(VERBS__CASE) default: goto verbs_l_I_INVALID; } } while (0)
#endif
#define VERBS_LABEL(name) verbs_l_##name: (void)0
#define VERBS_GOTO(name) goto verbs_l_##name

#endif
