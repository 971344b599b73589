"""Code analysis for the interpreter's fast loop: basic blocks, decoded PUSH values, jump
destinations resolved to instruction indices (see docs/internals.md, "The analysed loop").

A block starts at the code's start, at every JUMPDEST and after every instruction that ends
one (JUMP, JUMPI, STOP, RETURN, REVERT, SELFDESTRUCT, INVALID or a byte that is no opcode in
the fork).  Its BEGINBLOCK instruction carries the static gas of the whole block and the range
of stack heights at which none of its instructions underflows or overflows; the loop checks
both once and charges the gas.  When a check fails, the plain loop runs the block one
instruction at a time, so that the halt happens where and as the plain loop says.

Instructions that read or charge gas themselves (memory expansion, hashing, the handlers of
``step``: calls, SSTORE, GAS, ...) carry the static gas of the rest of their block: added back
before the handler, it makes the counter exact; taken off again after it, a negative counter
means a later instruction of the block runs out of static gas, so the plain loop takes over
from the next instruction with the exact gas.

The analysis depends on the fork only through the opcode table (which bytes are opcodes, their
stack effects and static gas), so a Code keeps one analysis per fork.
"""

from libc.stdint cimport uint8_t, uint32_t, int64_t, uint64_t
from libc.string cimport memset, memcpy
from libc.stdlib cimport malloc

from verbs._evm.u256 cimport u256, u256_from_be_n, u256_set_u64
from verbs._evm.opcodes cimport *
from verbs._evm.hardforks cimport OpInfo, STACK_LIMIT

cdef enum:
    BLOCK_GAS_MAX = 1 << 30     # a block's static gas fits 32 bits: longer blocks are split
    HEIGHT_NONE = STACK_LIMIT + 1

# opcode byte -> instruction kind (I_GENERIC: run by the plain loop's ``step``)
cdef uint8_t KIND[256]


cdef void _fill_kinds() noexcept:
    cdef int i
    for i in range(256):
        KIND[i] = I_GENERIC
    KIND[<int>OP_STOP] = I_STOP
    KIND[<int>OP_ADD] = I_ADD
    KIND[<int>OP_MUL] = I_MUL
    KIND[<int>OP_SUB] = I_SUB
    KIND[<int>OP_DIV] = I_DIV
    KIND[<int>OP_SDIV] = I_SDIV
    KIND[<int>OP_MOD] = I_MOD
    KIND[<int>OP_SMOD] = I_SMOD
    KIND[<int>OP_ADDMOD] = I_ADDMOD
    KIND[<int>OP_MULMOD] = I_MULMOD
    KIND[<int>OP_SIGNEXTEND] = I_SIGNEXTEND
    KIND[<int>OP_LT] = I_LT
    KIND[<int>OP_GT] = I_GT
    KIND[<int>OP_SLT] = I_SLT
    KIND[<int>OP_SGT] = I_SGT
    KIND[<int>OP_EQ] = I_EQ
    KIND[<int>OP_ISZERO] = I_ISZERO
    KIND[<int>OP_AND] = I_AND
    KIND[<int>OP_OR] = I_OR
    KIND[<int>OP_XOR] = I_XOR
    KIND[<int>OP_NOT] = I_NOT
    KIND[<int>OP_BYTE] = I_BYTE
    KIND[<int>OP_SHL] = I_SHL
    KIND[<int>OP_SHR] = I_SHR
    KIND[<int>OP_SAR] = I_SAR
    KIND[<int>OP_CLZ] = I_CLZ
    KIND[<int>OP_KECCAK256] = I_KECCAK256
    KIND[<int>OP_ADDRESS] = I_ADDRESS
    KIND[<int>OP_CALLER] = I_CALLER
    KIND[<int>OP_CALLVALUE] = I_CALLVALUE
    KIND[<int>OP_CALLDATALOAD] = I_CALLDATALOAD
    KIND[<int>OP_CALLDATASIZE] = I_CALLDATASIZE
    KIND[<int>OP_CODESIZE] = I_CODESIZE
    KIND[<int>OP_RETURNDATASIZE] = I_RETURNDATASIZE
    KIND[<int>OP_POP] = I_POP
    KIND[<int>OP_MLOAD] = I_MLOAD
    KIND[<int>OP_MSTORE] = I_MSTORE
    KIND[<int>OP_JUMP] = I_JUMP
    KIND[<int>OP_JUMPI] = I_JUMPI
    KIND[<int>OP_PC] = I_PC
    KIND[<int>OP_PUSH0] = I_PUSH0
    for i in range(OP_PUSH1, OP_PUSH32 + 1):
        KIND[i] = I_PUSH_SMALL
    for i in range(OP_DUP1, OP_DUP16 + 1):
        KIND[i] = I_DUP
    for i in range(OP_SWAP1, OP_SWAP16 + 1):
        KIND[i] = I_SWAP


_fill_kinds()


cdef inline bint ends_block(int op) noexcept nogil:
    return (op == OP_STOP or op == OP_JUMP or op == OP_JUMPI or op == OP_RETURN
            or op == OP_REVERT or op == OP_SELFDESTRUCT)


cdef inline bint corrected(int kind) noexcept nogil:
    """Kinds whose handlers read or charge gas: they need the exact counter."""
    return kind == I_GENERIC or kind == I_MLOAD or kind == I_MSTORE or kind == I_KECCAK256


cdef struct Walk:
    verbs_instr *instrs          # NULL while counting
    size_t n_instrs
    u256 *push_values
    size_t n_push
    size_t n_jd
    size_t block                 # index of the open block's BEGINBLOCK
    bint open_
    int64_t gas                  # the open block's static gas so far
    int64_t delta                # its stack height change so far
    int64_t need                 # the height it needs at its start
    int64_t allow                # the highest height it allows at its start


cdef inline void emit(Walk *w, int kind, int evm_op, uint64_t pc, int64_t arg) noexcept nogil:
    cdef verbs_instr *ins
    if w.instrs != NULL:
        ins = &w.instrs[w.n_instrs]
        ins.arg = arg
        ins.pc = <uint32_t>pc
        ins.op = <uint8_t>kind
        ins.evm_op = <uint8_t>evm_op
        ins.pad = 0
    w.n_instrs += 1


cdef inline void open_block(Walk *w, uint64_t pc) noexcept nogil:
    w.block = w.n_instrs
    w.open_ = True
    w.gas = 0
    w.delta = 0
    w.need = 0
    w.allow = STACK_LIMIT
    emit(w, I_BEGINBLOCK, OP_JUMPDEST, pc, 0)


cdef inline void close_block(Walk *w) noexcept nogil:
    """Write the block's BEGINBLOCK and turn its instructions' running gas into corrections."""
    cdef size_t i
    cdef int64_t need, allow
    cdef verbs_instr *ins
    if not w.open_:
        return
    w.open_ = False
    if w.instrs == NULL:
        return
    need = w.need if w.need <= STACK_LIMIT else HEIGHT_NONE
    allow = w.allow if w.allow >= 0 else -1
    w.instrs[w.block].arg = <int64_t>(<uint64_t>w.gas | (<uint64_t>need << 32)
                                      | (<uint64_t>(allow + 1) << 48))
    for i in range(w.block + 1, w.n_instrs):
        ins = &w.instrs[i]
        if corrected(ins.op):
            ins.arg = w.gas - ins.arg


cdef inline void account(Walk *w, const OpInfo *info) noexcept nogil:
    """Add one instruction's static gas and stack effect to the open block."""
    if info.inputs - w.delta > w.need:
        w.need = info.inputs - w.delta
    if info.max_height - w.delta < w.allow:
        w.allow = info.max_height - w.delta
    w.delta += <int64_t>info.outputs - <int64_t>info.inputs
    w.gas += info.gas


cdef void walk(const uint8_t *code, size_t n, const OpInfo *ops, Walk *w, uint64_t *bits,
               uint32_t *jdi) noexcept nogil:
    """One pass over the code: count (``w.instrs`` NULL) or fill the instructions, the push
    values, the JUMPDEST bits and the JUMPDESTs' instruction indices."""
    cdef size_t i = 0
    cdef int op, kind, imm
    cdef const OpInfo *info
    cdef uint8_t buf[32]
    cdef u256 value
    cdef uint64_t avail
    cdef size_t nxt
    cdef bint fits
    while i < n:
        op = code[i]
        info = &ops[op]
        if op == OP_JUMPDEST:
            close_block(w)
            if bits != NULL:
                bits[i >> 6] |= (<uint64_t>1) << (i & 63)
                jdi[w.n_jd] = <uint32_t>w.n_instrs
            w.n_jd += 1
            open_block(w, i)
            account(w, info)
            i += 1
            continue
        if not w.open_ or w.gas + info.gas > BLOCK_GAS_MAX:
            close_block(w)
            open_block(w, i)
        if not info.defined:
            emit(w, I_INVALID, op, i, 0)
            close_block(w)
            i += 1
            continue
        account(w, info)
        kind = KIND[op]
        if kind == I_PUSH_SMALL:
            imm = op - OP_PUSH1 + 1
            # immediates past the end of the code read as zero
            avail = n - i - 1 if i + 1 + imm > n else imm
            memset(buf, 0, 32)
            memcpy(buf, code + i + 1, avail)
            u256_from_be_n(&value, buf, imm)
            nxt = i + 1 + imm
            if nxt < n and (code[nxt] == OP_JUMP or code[nxt] == OP_JUMPI):
                # PUSH dest, JUMP(I): the destination is known now (resolved in analyse)
                info = &ops[code[nxt]]
                if info.defined and w.gas + info.gas <= BLOCK_GAS_MAX:
                    account(w, info)
                    fits = value.w[1] == 0 and value.w[2] == 0 and value.w[3] == 0
                    emit(w, I_JUMP_STATIC if code[nxt] == OP_JUMP else I_JUMPI_STATIC,
                         code[nxt], i, <int64_t>value.w[0] if fits and value.w[0] < n else -1)
                    close_block(w)
                    i = nxt + 1
                    continue
            if value.w[1] == 0 and value.w[2] == 0 and value.w[3] == 0:
                emit(w, I_PUSH_SMALL, op, i, <int64_t>value.w[0])
            else:
                if w.push_values != NULL:
                    w.push_values[w.n_push] = value
                emit(w, I_PUSH_BIG, op, i, <int64_t>w.n_push)
                w.n_push += 1
            i += 1 + imm
            continue
        if kind == I_DUP:
            emit(w, kind, op, i, op - OP_DUP1 + 1)
        elif kind == I_SWAP:
            emit(w, kind, op, i, op - OP_SWAP1 + 1)
        elif corrected(kind):
            emit(w, kind, op, i, w.gas)     # the block's gas up to here; see close_block
        else:
            emit(w, kind, op, i, 0)
        if ends_block(op):
            close_block(w)
        i += 1
    # the implicit STOP after the code
    if not w.open_:
        open_block(w, n)
    emit(w, I_STOP, OP_STOP, n, 0)
    close_block(w)


cdef inline size_t header_size() noexcept nogil:
    return (sizeof(verbs_analysis) + 15) & ~(<size_t>15)


cdef size_t analyse(const uint8_t *code, size_t n, const OpInfo *ops,
                    verbs_analysis *out) noexcept nogil:
    """Analyse ``code`` (``n`` bytes, n < 2**32) under the opcode table ``ops``.  With ``out``
    NULL, only return the bytes the analysis needs; otherwise fill ``out``, which has that
    many bytes (16-aligned), and return the same."""
    cdef Walk w
    cdef size_t i, k, n_words = n // 64 + 1, total
    cdef uint8_t *p = <uint8_t *>out
    cdef uint64_t *bits
    cdef uint32_t *rank
    cdef uint32_t *jdi
    cdef verbs_instr *ins
    cdef u256 dest
    memset(&w, 0, sizeof(Walk))
    walk(code, n, ops, &w, NULL, NULL)
    total = (header_size() + w.n_instrs * sizeof(verbs_instr) + w.n_push * sizeof(u256)
             + n_words * (sizeof(uint64_t) + sizeof(uint32_t)) + w.n_jd * sizeof(uint32_t))
    if out == NULL:
        return total
    out.size = total
    out.code_size = n
    out.n_instrs = w.n_instrs
    p += header_size()
    out.instrs = <verbs_instr *>p
    w.instrs = <verbs_instr *>p
    p += w.n_instrs * sizeof(verbs_instr)
    out.push_values = <u256 *>p
    w.push_values = <u256 *>p
    p += w.n_push * sizeof(u256)
    bits = <uint64_t *>p
    out.jd_bits = bits
    p += n_words * sizeof(uint64_t)
    rank = <uint32_t *>p
    out.jd_rank = rank
    p += n_words * sizeof(uint32_t)
    jdi = <uint32_t *>p
    out.jd_instr = jdi
    memset(bits, 0, n_words * sizeof(uint64_t))
    w.n_instrs = 0
    w.n_push = 0
    w.n_jd = 0
    w.open_ = False
    walk(code, n, ops, &w, bits, jdi)
    k = 0
    for i in range(n_words):
        rank[i] = <uint32_t>k
        k += verbs_popcount64(bits[i])
    for i in range(w.n_instrs):
        ins = &w.instrs[i]
        if (ins.op == I_JUMP_STATIC or ins.op == I_JUMPI_STATIC) and ins.arg >= 0:
            u256_set_u64(&dest, <uint64_t>ins.arg)
            ins.arg = verbs_jump_index(out, &dest)
    return total


cdef verbs_analysis *new_analysis(const uint8_t *code, size_t n,
                                  const OpInfo *ops) noexcept nogil:
    """A malloc'ed analysis of ``code`` (free() it), or NULL when memory is short."""
    cdef size_t size = analyse(code, n, ops, NULL)
    cdef verbs_analysis *a = <verbs_analysis *>malloc(size)
    if a != NULL:
        analyse(code, n, ops, a)
    return a
