# The analysed instruction stream of a code (analysis.h holds the C types and the dispatch
# macros; analysis.pyx builds it; interpreter.pyx runs it).

from libc.stdint cimport uint8_t, uint16_t, uint32_t, int64_t, uint64_t

from verbs._evm.u256 cimport u256
from verbs._evm.hardforks cimport OpInfo

cdef extern from "analysis.h" nogil:
    enum:
        I_STOP
        I_BEGINBLOCK
        I_INVALID
        I_GENERIC
        I_PUSH_SMALL
        I_PUSH_BIG
        I_PUSH0
        I_DUP
        I_SWAP
        I_POP
        I_JUMP
        I_JUMPI
        I_JUMP_STATIC
        I_JUMPI_STATIC
        I_PC
        I_ADD
        I_MUL
        I_SUB
        I_DIV
        I_SDIV
        I_MOD
        I_SMOD
        I_ADDMOD
        I_MULMOD
        I_SIGNEXTEND
        I_LT
        I_GT
        I_SLT
        I_SGT
        I_EQ
        I_ISZERO
        I_AND
        I_OR
        I_XOR
        I_NOT
        I_BYTE
        I_SHL
        I_SHR
        I_SAR
        I_CLZ
        I_ADDRESS
        I_CALLER
        I_CALLVALUE
        I_CALLDATALOAD
        I_CALLDATASIZE
        I_CODESIZE
        I_RETURNDATASIZE
        I_MLOAD
        I_MSTORE
        I_KECCAK256
        I_N

    ctypedef struct verbs_instr:
        int64_t arg
        uint32_t pc
        uint8_t op
        uint8_t evm_op
        uint16_t pad

    ctypedef struct verbs_analysis:
        size_t size
        const verbs_instr *instrs
        size_t n_instrs
        const u256 *push_values
        const uint64_t *jd_bits
        const uint32_t *jd_rank
        const uint32_t *jd_instr
        size_t code_size

    int verbs_popcount64(uint64_t x)
    int64_t verbs_jump_index(const verbs_analysis *a, const u256 *dest)
    void VERBS_DISPATCH_TABLE()
    void VERBS_DISPATCH(int kind)
    void VERBS_LABEL(int name)
    void VERBS_GOTO(int name)
    # the run loop's labels that are no instruction kinds (names for VERBS_LABEL/VERBS_GOTO)
    enum:
        L_PLAIN
        L_EXIT
        L_DONE


cdef size_t analyse(const uint8_t *code, size_t n, const OpInfo *ops,
                    verbs_analysis *out) noexcept nogil
cdef verbs_analysis *new_analysis(const uint8_t *code, size_t n,
                                  const OpInfo *ops) noexcept nogil
