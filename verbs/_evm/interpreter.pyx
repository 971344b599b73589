"""The EVM interpreter: the loop, the opcode handlers, the CALL/CREATE family, precompiles.

The loop runs without the GIL on C data: a C stack of 1024 words per frame (manipulated in
place through pointers), a growable C memory with exact expansion gas, the jumpdest bitmap
cached per code by the State, dispatch through one ``if/elif`` chain on a C int (a C
``switch``).  The generic checks (opcode defined in the fork, stack underflow and overflow,
static gas) read the opcode table (``Schedule.ops``, forks.pyx) before a handler runs;
handlers only charge their dynamic gas.  Handlers are named as in ethereum/execution-specs and
follow its order: stack, gas, operation.

Where the loop must call Python (a precompile; a Backend miss inside State) the GIL is taken at
that one point; a Python exception propagates as -1 through every frame and ends the
transaction (core.pyx turns it into ``Result.error``).
"""

cimport cython
from libc.stdint cimport uint8_t, int64_t, uint64_t, UINT64_MAX
from libc.string cimport memcpy, memset, memmove, memcmp
from libc.stdlib cimport malloc, realloc, free, calloc
from cpython.bytes cimport PyBytes_FromStringAndSize, PyBytes_AS_STRING, PyBytes_GET_SIZE
from cpython.tuple cimport PyTuple_New, PyTuple_SET_ITEM
from cpython.ref cimport Py_INCREF

cdef extern from "Python.h":
    void PyObject_GC_UnTrack(object op)

from verbs._evm.u256 cimport (
    u256, u256_zero, u256_set_u64, u256_is_zero, u256_eq, u256_fits_u64, u256_from_be,
    u256_to_be, u256_from_be_n, u256_exp_byte_len, u256_lt, u256_gt, u256_slt, u256_sgt,
    u256_and, u256_or, u256_xor, u256_not, u256_byte, u256_shl, u256_shr, u256_sar, u256_clz,
    u256_add, u256_sub, u256_mul, u256_div, u256_sdiv, u256_mod, u256_smod, u256_addmod,
    u256_mulmod, u256_exp, u256_signextend,
)
from verbs._evm.keccak cimport c_keccak256
from verbs._evm.state cimport State, Code
from verbs._evm.forks cimport (
    Schedule, OpInfo, STACK_LIMIT, DEPTH_LIMIT, N_PRECOMPILE_SLOTS, fill_schedule,
)

HALT_NAMES = (
    "continue", "stop", "return", "selfdestruct", "revert", "out_of_gas", "invalid_opcode",
    "invalid_jump", "stack_underflow", "stack_overflow", "static_violation",
    "create_collision", "returndata_out_of_bounds", "invalid_contract_prefix",
    "precompile_failure",
)

# Memory beyond MEM_LIMIT bytes is out of gas (its expansion gas exceeds any real gas limit:
# 3 * 2**25 + 2**41 gas at 1 GiB).
cdef enum:
    MEM_LIMIT = 1 << 30
    KMEMO_BITS = 10                # 1024 remembered 64-byte hashes (~100 KB)
    KEEP_BUFFER = 1 << 20          # pooled frame buffers above this are freed between txs
    OP_CALL = 0xF1
    OP_CALLCODE = 0xF2
    OP_DELEGATECALL = 0xF4
    OP_STATICCALL = 0xFA

cdef uint8_t DELEGATION_MARKER[3]
DELEGATION_MARKER[0] = 0xEF
DELEGATION_MARKER[1] = 0x01
DELEGATION_MARKER[2] = 0x00


# ------------------------------------------------------------------------------------------
# small helpers

cdef inline void addr_to_word(u256 *r, const uint8_t *addr) noexcept nogil:
    u256_from_be_n(r, addr, 20)


cdef inline void word_to_addr(uint8_t *addr, const u256 *w) noexcept nogil:
    cdef uint8_t buf[32]
    u256_to_be(buf, w)
    memcpy(addr, buf + 12, 20)


cdef inline uint64_t words(uint64_t n) noexcept nogil:
    return (n + 31) >> 5


cdef inline int charge(Frame *f, int64_t cost) noexcept nogil:
    f.gas -= cost
    if f.gas < 0:
        return H_OUT_OF_GAS
    return 0


cdef inline int is_delegation(const uint8_t *code, size_t size) noexcept nogil:
    """EIP-7702: the code is a designation 0xef0100 || address."""
    return size == 23 and memcmp(code, DELEGATION_MARKER, 3) == 0


cdef void analyse_jumpdests(const uint8_t *code, size_t n, uint8_t *bitmap) noexcept nogil:
    """Bit i (byte i >> 3, bit i & 7) set when code[i] is a JUMPDEST opcode, not PUSH data."""
    cdef size_t i = 0
    cdef uint8_t op
    memset(bitmap, 0, (n + 7) >> 3)
    while i < n:
        op = code[i]
        if op == 0x5B:
            bitmap[i >> 3] |= <uint8_t>(1 << (i & 7))
        elif 0x60 <= op <= 0x7F:
            i += op - 0x5F
        i += 1


cdef inline int region(const u256 *off, const u256 *size, uint64_t *o, uint64_t *n,
                       uint64_t *end) noexcept nogil:
    """Validate a memory region; end = 0 for an empty region (no expansion)."""
    if u256_is_zero(size):
        o[0] = 0
        n[0] = 0
        end[0] = 0
        return 0
    if not u256_fits_u64(off) or not u256_fits_u64(size):
        return H_OUT_OF_GAS
    if off.w[0] > MEM_LIMIT or size.w[0] > MEM_LIMIT - off.w[0]:
        return H_OUT_OF_GAS
    o[0] = off.w[0]
    n[0] = size.w[0]
    end[0] = off.w[0] + size.w[0]
    return 0


cdef inline int64_t mem_cost(Frame *f, uint64_t end, int64_t per_word) noexcept nogil:
    """Expansion gas to cover [0, end) (0 when no growth)."""
    if end <= f.mem_size:
        return 0
    cdef int64_t new_w = <int64_t>words(end)
    cdef int64_t old_w = <int64_t>(f.mem_size >> 5)
    return (per_word * new_w + new_w * new_w // 512) - (per_word * old_w + old_w * old_w // 512)


cdef inline int mem_grow(Frame *f, uint64_t end) noexcept nogil:
    """Grow memory (zero-filled) to cover [0, end); gas already charged."""
    if end <= f.mem_size:
        return 0
    cdef uint64_t new_size = words(end) << 5
    cdef uint64_t cap
    cdef uint8_t *p
    if new_size > f.mem_cap:
        cap = f.mem_cap * 2 if f.mem_cap else 4096
        if cap < new_size:
            cap = new_size
        p = <uint8_t *>realloc(f.mem, cap)
        if p == NULL:
            return H_OUT_OF_GAS
        f.mem = p
        f.mem_cap = cap
    memset(f.mem + f.mem_size, 0, new_size - f.mem_size)
    f.mem_size = new_size
    return 0


cdef inline int mem_charge(Frame *f, uint64_t end, int64_t per_word) noexcept nogil:
    """Charge the expansion gas and grow memory to cover [0, end)."""
    if end <= f.mem_size:
        return 0
    f.gas -= mem_cost(f, end, per_word)
    if f.gas < 0:
        return H_OUT_OF_GAS
    return mem_grow(f, end)


cdef inline void copy_padded(uint8_t *dst, const uint8_t *src, uint64_t src_size,
                             const u256 *off, uint64_t n) noexcept nogil:
    """dst[0:n] = src[off:off+n], zero past the end of src."""
    cdef uint64_t o, avail
    if n == 0:
        return
    if not u256_fits_u64(off) or off.w[0] >= src_size:
        memset(dst, 0, n)
        return
    o = off.w[0]
    avail = src_size - o
    if avail >= n:
        memcpy(dst, src + o, n)
    else:
        memcpy(dst, src + o, avail)
        memset(dst + avail, 0, n - avail)


cdef inline int buf_reserve(uint8_t **buf, uint64_t *cap, uint64_t size) noexcept nogil:
    cdef uint64_t c
    cdef uint8_t *p
    if size <= cap[0]:
        return 0
    c = cap[0] * 2 if cap[0] else 256
    if c < size:
        c = size
    p = <uint8_t *>realloc(buf[0], c)
    if p == NULL:
        return -1
    buf[0] = p
    cap[0] = c
    return 0


cdef inline int set_returndata(Frame *f, const uint8_t *data, size_t n) noexcept nogil:
    if buf_reserve(&f.ret, &f.ret_cap, n) != 0:
        return H_OUT_OF_GAS
    if n:
        memcpy(f.ret, data, n)
    f.ret_size = n
    return 0


cdef void create_address(uint8_t *out, const uint8_t *sender, uint64_t nonce) noexcept nogil:
    """keccak256(rlp([sender, nonce]))[12:] (CREATE)."""
    cdef uint8_t buf[64]
    cdef uint8_t nb[8]
    cdef int n = 0, i, k = 0
    cdef uint64_t x = nonce
    while x:
        nb[7 - n] = <uint8_t>(x & 0xFF)
        x >>= 8
        n += 1
    cdef int payload = 21 + (1 if (nonce < 0x80) else 1 + n)
    buf[0] = <uint8_t>(0xC0 + payload)
    buf[1] = 0x94
    memcpy(buf + 2, sender, 20)
    k = 22
    if nonce == 0:
        buf[k] = 0x80
        k += 1
    elif nonce < 0x80:
        buf[k] = <uint8_t>nonce
        k += 1
    else:
        buf[k] = <uint8_t>(0x80 + n)
        k += 1
        for i in range(n):
            buf[k] = nb[8 - n + i]
            k += 1
    cdef uint8_t h[32]
    c_keccak256(buf, k, h)
    memcpy(out, h + 12, 20)


cdef void create2_address(uint8_t *out, const uint8_t *sender, const u256 *salt,
                          const uint8_t *initcode, size_t n) noexcept nogil:
    """keccak256(0xff ++ sender ++ salt ++ keccak256(initcode))[12:] (CREATE2, EIP-1014)."""
    cdef uint8_t buf[85]
    cdef uint8_t h[32]
    buf[0] = 0xFF
    memcpy(buf + 1, sender, 20)
    u256_to_be(buf + 21, salt)
    c_keccak256(initcode, n, buf + 53)
    c_keccak256(buf, 85, h)
    memcpy(out, h + 12, 20)


def halt_name(int halt) -> str:
    return HALT_NAMES[halt] if 0 <= halt < H_N else f"halt_{halt}"


# ------------------------------------------------------------------------------------------

@cython.final
cdef class Interpreter:
    """Runs messages against a State under a fork Schedule (owned by core.EVM)."""

    def __cinit__(self):
        self.frames = <Frame *>calloc(DEPTH_LIMIT + 2, sizeof(Frame))
        if self.frames == NULL:
            raise MemoryError()
        self.logs = NULL
        self.log_data = NULL

    def __init__(self, State state, run_precompile=None):
        self.state = state
        if run_precompile is None:
            from verbs._evm.precompiles import run_precompile as rp
            run_precompile = rp
        self.run_precompile = run_precompile
        self.blob_hashes = b""

    def __dealloc__(self):
        cdef int i
        if self.frames != NULL:
            for i in range(DEPTH_LIMIT + 2):
                free(self.frames[i].stack)
                free(self.frames[i].mem)
                free(self.frames[i].ret)
                free(self.frames[i].jd)
            free(self.frames)
        free(self.logs)
        free(self.log_data)
        free(self.kmemo)

    cdef int reset_tx(self) except -1:
        cdef int i
        cdef Frame *f
        for i in range(self.max_depth + 1):   # give back memory a large transaction grew
            f = &self.frames[i]
            if f.mem_cap > KEEP_BUFFER:
                free(f.mem)
                f.mem = NULL
                f.mem_cap = 0
            if f.ret_cap > KEEP_BUFFER:
                free(f.ret)
                f.ret = NULL
                f.ret_cap = 0
        self.max_depth = 0
        self.refund = 0
        self.n_logs = 0
        self.log_data_size = 0
        return 0

    cdef int warm_account(self, const uint8_t *addr) except -1 nogil:
        """EIP-2929 accessed_addresses: 1 if ``addr`` was warm (the fork's precompiles always
        are), else warm it and return 0."""
        if precompile_index(self, addr):
            return 1
        return self.state.warm_account(addr)

    cdef list take_logs(self):
        cdef size_t i
        cdef LogRec *r
        cdef int t
        out = []
        for i in range(self.n_logs):
            r = &self.logs[i]
            topics = PyTuple_New(r.n_topics)
            for t in range(r.n_topics):
                b = PyBytes_FromStringAndSize(<char *>r.topics[t], 32)
                Py_INCREF(b)
                PyTuple_SET_ITEM(topics, t, b)
            log = (PyBytes_FromStringAndSize(<char *>r.address, 20), topics,
                   PyBytes_FromStringAndSize(<char *>self.log_data + r.data_off, r.data_size))
            # tuples of bytes cannot be in a cycle: untracked now, as the GC would do later
            # (simulations keep every log; tracked, they slow every full collection down)
            PyObject_GC_UnTrack(topics)
            PyObject_GC_UnTrack(log)
            out.append(log)
        return out

    cdef int execute(self, Message *m, Outcome *o) except -1 nogil:
        """Run a message (call or creation) at its depth; revert its changes on failure."""
        cdef Frame *f = frame(self, m.depth)
        cdef Py_ssize_t cp = self.state.checkpoint()
        cdef int64_t refund0 = self.refund
        cdef size_t nlogs0 = self.n_logs
        cdef uint64_t ldata0 = self.log_data_size
        cdef int halt
        cdef int pc_addr
        f.msg = m
        f.gas = m.gas
        o.output = NULL
        o.output_size = 0
        if m.is_create:
            self.state.create_account(m.target)
            self.state.set_nonce(m.target, 1)
        if m.should_transfer_value and not u256_is_zero(&m.value):
            self.state.sub_balance(m.caller, &m.value)
            self.state.add_balance(m.target, &m.value)
        else:
            self.state.touch(m.target)
        pc_addr = precompile_index(self, m.code_address) if not m.is_create else 0
        if pc_addr:
            if m.disable_precompiles:
                halt = H_STOP
            else:
                halt = call_precompile(self, pc_addr, m, f)
        else:
            f.code = m.code
            f.code_size = m.code_size
            if m.jumpdests != NULL or m.code_size == 0:
                f.jumpdests = m.jumpdests
            else:
                if buf_reserve(&f.jd, &f.jd_cap, (m.code_size + 7) >> 3) != 0:
                    with gil:
                        raise MemoryError("jumpdest bitmap")
                analyse_jumpdests(m.code, m.code_size, f.jd)
                f.jumpdests = f.jd
            halt = run(self, f)
        if halt == H_RETURN or halt == H_REVERT:
            o.output = f.mem + f.out_off
            o.output_size = f.out_size
        if m.is_create and halt < H_REVERT:
            halt = deposit_code(self, m, f, o)
        if halt >= H_OUT_OF_GAS:
            f.gas = 0
            o.output = NULL
            o.output_size = 0
        if halt >= H_REVERT:
            self.state.revert(cp)
            self.refund = refund0
            self.n_logs = nlogs0
            self.log_data_size = ldata0
        o.halt = halt
        o.gas_left = f.gas
        return 0


# ==========================================================================================
# handlers and helpers of the loop (module-level C functions)


# --------------------------------------------------------------------------------------
# frames

cdef Frame *frame(Interpreter self, int depth) except NULL nogil:
    cdef Frame *f = &self.frames[depth]
    if depth > self.max_depth:
        self.max_depth = depth
    if f.stack == NULL:
        f.stack = <u256 *>malloc(STACK_LIMIT * sizeof(u256))
        if f.stack == NULL:
            with gil:
                raise MemoryError("EVM frame stack")
    f.sp = 0
    f.mem_size = 0
    f.ret_size = 0
    f.pc = 0
    f.out_off = 0
    f.out_size = 0
    return f


# --------------------------------------------------------------------------------------
# process_message / process_create_message

cdef int deposit_code(Interpreter self, Message *m, Frame *f, Outcome *o) except -1 nogil:
    """The end of process_create_message: EIP-3541, code deposit gas, EIP-170."""
    cdef size_t n = o.output_size
    if n > 0 and o.output[0] == 0xEF:
        return H_INVALID_CONTRACT_PREFIX
    if charge(f, <int64_t>n * self.sched.code_deposit):
        return H_OUT_OF_GAS
    if <int64_t>n > self.sched.max_code_size:
        return H_OUT_OF_GAS
    self.state.set_code(m.target, o.output, n)
    return H_RETURN


cdef inline int precompile_index(Interpreter self, const uint8_t *addr) noexcept nogil:
    cdef int i
    for i in range(18):
        if addr[i] != 0:
            return 0
    i = (addr[18] << 8) | addr[19]
    if 0 < i < N_PRECOMPILE_SLOTS and self.sched.precompile[i]:
        return i
    return 0


cdef int call_precompile(Interpreter self, int address, Message *m, Frame *f) except -1 with gil:
    """Run a precompile (Python, with the GIL); output goes to the frame's memory."""
    cdef const char *p
    cdef Py_ssize_t n
    ok, used, out = self.run_precompile(
        address, PyBytes_FromStringAndSize(<const char *>m.data, m.data_size),
        int(m.gas), self.sched.fork)
    if not ok:
        return H_PRECOMPILE_FAILURE
    if used > f.gas:
        return H_OUT_OF_GAS
    f.gas -= <int64_t>used
    out = bytes(out)
    p = PyBytes_AS_STRING(out)
    n = PyBytes_GET_SIZE(out)
    if buf_reserve(&f.mem, &f.mem_cap, n) != 0:
        raise MemoryError("precompile output")
    if n:
        memcpy(f.mem, p, n)
    f.out_off = 0
    f.out_size = n
    return H_RETURN


# --------------------------------------------------------------------------------------
# the loop

cdef int run(Interpreter self, Frame *f) except -1 nogil:
    """The loop: the generic checks from the opcode table, then the handler.  The pc and the
    gas live in locals: the handlers that charge dynamic gas (MLOAD, MSTORE, KECCAK256 here,
    the rest in ``step``: those that read the pc or gas or call out too) see them in the
    frame, written back around the call."""
    cdef const OpInfo *ops = self.sched.ops
    cdef const OpInfo *info
    cdef const uint8_t *code = f.code
    cdef uint64_t n = f.code_size
    cdef uint64_t pc = f.pc
    cdef int64_t gas = f.gas
    cdef int op, r = 0
    while True:
        op = code[pc] if pc < n else 0x00
        info = &ops[op]
        if not info.defined:
            r = H_INVALID_OPCODE
            break
        if f.sp < info.inputs:
            r = H_STACK_UNDERFLOW
            break
        if f.sp > info.max_height:
            r = H_STACK_OVERFLOW
            break
        gas -= info.gas
        if gas < 0:
            r = H_OUT_OF_GAS
            break
        pc += 1
        if op == 0x00:
            r = H_STOP
            break
        elif op == 0x01:
            add(self, f)
        elif op == 0x02:
            mul(self, f)
        elif op == 0x03:
            sub(self, f)
        elif op == 0x04:
            div(self, f)
        elif op == 0x05:
            sdiv(self, f)
        elif op == 0x06:
            mod(self, f)
        elif op == 0x07:
            smod(self, f)
        elif op == 0x08:
            addmod(self, f)
        elif op == 0x09:
            mulmod(self, f)
        elif op == 0x0B:
            signextend(self, f)
        elif op == 0x10:
            less_than(self, f)
        elif op == 0x11:
            greater_than(self, f)
        elif op == 0x12:
            signed_less_than(self, f)
        elif op == 0x13:
            signed_greater_than(self, f)
        elif op == 0x14:
            equal(self, f)
        elif op == 0x15:
            is_zero(self, f)
        elif op == 0x16:
            bitwise_and(self, f)
        elif op == 0x17:
            bitwise_or(self, f)
        elif op == 0x18:
            bitwise_xor(self, f)
        elif op == 0x19:
            bitwise_not(self, f)
        elif op == 0x1A:
            get_byte(self, f)
        elif op == 0x1B:
            bitwise_shl(self, f)
        elif op == 0x1C:
            bitwise_shr(self, f)
        elif op == 0x1D:
            bitwise_sar(self, f)
        elif op == 0x1E:
            count_leading_zeros(self, f)
        elif op == 0x30:
            address(self, f)
        elif op == 0x33:
            caller(self, f)
        elif op == 0x34:
            callvalue(self, f)
        elif op == 0x35:
            calldataload(self, f)
        elif op == 0x36:
            calldatasize(self, f)
        elif op == 0x38:
            codesize(self, f)
        elif op == 0x3D:
            returndatasize(self, f)
        elif op == 0x50:
            pop(self, f)
        elif op == 0x5B:
            pass           # JUMPDEST: static gas only
        elif op == 0x5F:
            push0(self, f)
        elif op in (0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67,
                    0x68, 0x69, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E, 0x6F,
                    0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77,
                    0x78, 0x79, 0x7A, 0x7B, 0x7C, 0x7D, 0x7E, 0x7F):
            push_n(self, f, op - 0x5F, &pc)
        elif op in (0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
                    0x88, 0x89, 0x8A, 0x8B, 0x8C, 0x8D, 0x8E, 0x8F):
            dup_n(self, f, op - 0x7F)
        elif op in (0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97,
                    0x98, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F):
            swap_n(self, f, op - 0x8F)
        elif op == 0x20 or op == 0x51 or op == 0x52:
            f.gas = gas             # memory expansion and hashing gas
            if op == 0x52:
                r = mstore(self, f)
            elif op == 0x51:
                r = mload(self, f)
            else:
                r = keccak(self, f)
            gas = f.gas
            if r:
                break
        elif op == 0x56:
            r = jump(self, f, &pc)
            if r:
                break
        elif op == 0x57:
            r = jumpi(self, f, &pc)
            if r:
                break
        elif op == 0x58:
            pc_(self, f, pc)
        else:
            f.pc = pc
            f.gas = gas
            r = step(self, f, op)
            pc = f.pc
            gas = f.gas
            if r:
                break
    f.pc = pc
    f.gas = gas
    return r


cdef int step(Interpreter self, Frame *f, int op) except -1 nogil:
    """The handlers that charge dynamic gas, read the pc or gas, or call out (``run``'s
    other half; f.pc and f.gas are current)."""
    if op == 0x0A:
        return exp(self, f)
    elif op == 0x31:
        return balance(self, f)
    elif op == 0x32:
        return origin(self, f)
    elif op == 0x37:
        return calldatacopy(self, f)
    elif op == 0x39:
        return codecopy(self, f)
    elif op == 0x3A:
        return gasprice(self, f)
    elif op == 0x3B:
        return extcodesize(self, f)
    elif op == 0x3C:
        return extcodecopy(self, f)
    elif op == 0x3E:
        return returndatacopy(self, f)
    elif op == 0x3F:
        return extcodehash(self, f)
    elif op == 0x40:
        return block_hash(self, f)
    elif op == 0x41:
        return coinbase(self, f)
    elif op == 0x42:
        return timestamp(self, f)
    elif op == 0x43:
        return number(self, f)
    elif op == 0x44:
        return prev_randao(self, f)
    elif op == 0x45:
        return gas_limit(self, f)
    elif op == 0x46:
        return chain_id(self, f)
    elif op == 0x47:
        return self_balance(self, f)
    elif op == 0x48:
        return base_fee(self, f)
    elif op == 0x49:
        return blob_hash(self, f)
    elif op == 0x4A:
        return blob_base_fee(self, f)
    elif op == 0x53:
        return mstore8(self, f)
    elif op == 0x54:
        return sload(self, f)
    elif op == 0x55:
        return sstore(self, f)
    elif op == 0x59:
        return msize(self, f)
    elif op == 0x5A:
        return gas(self, f)
    elif op == 0x5C:
        return tload(self, f)
    elif op == 0x5D:
        return tstore(self, f)
    elif op == 0x5E:
        return mcopy(self, f)
    elif op in (0xA0, 0xA1, 0xA2, 0xA3, 0xA4):
        return log_n(self, f, op - 0xA0)
    elif op == 0xF0:
        return create(self, f, 0)
    elif op == 0xF1:
        return call(self, f, OP_CALL)
    elif op == 0xF2:
        return call(self, f, OP_CALLCODE)
    elif op == 0xF3:
        return return_(self, f)
    elif op == 0xF4:
        return call(self, f, OP_DELEGATECALL)
    elif op == 0xF5:
        return create(self, f, 1)
    elif op == 0xFA:
        return call(self, f, OP_STATICCALL)
    elif op == 0xFD:
        return revert(self, f)
    elif op == 0xFF:
        return selfdestruct(self, f)
    return H_INVALID_OPCODE


# --------------------------------------------------------------------------------------
# arithmetic (operands: a = top of the stack, b = next; the result replaces b)

cdef inline int add(Interpreter self, Frame *f) noexcept nogil:
    """ADD (0x01): a + b mod 2**256."""
    cdef u256 *a = &f.stack[f.sp - 1]
    u256_add(a - 1, a, a - 1)
    f.sp -= 1
    return 0


cdef inline int mul(Interpreter self, Frame *f) noexcept nogil:
    """MUL (0x02): a * b mod 2**256."""
    cdef u256 *a = &f.stack[f.sp - 1]
    u256_mul(a - 1, a, a - 1)
    f.sp -= 1
    return 0


cdef inline int sub(Interpreter self, Frame *f) noexcept nogil:
    """SUB (0x03): a - b mod 2**256."""
    cdef u256 *a = &f.stack[f.sp - 1]
    u256_sub(a - 1, a, a - 1)
    f.sp -= 1
    return 0


cdef inline int div(Interpreter self, Frame *f) noexcept nogil:
    """DIV (0x04): a // b (0 when b == 0)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    u256_div(a - 1, a, a - 1)
    f.sp -= 1
    return 0


cdef inline int sdiv(Interpreter self, Frame *f) noexcept nogil:
    """SDIV (0x05): signed division."""
    cdef u256 *a = &f.stack[f.sp - 1]
    u256_sdiv(a - 1, a, a - 1)
    f.sp -= 1
    return 0


cdef inline int mod(Interpreter self, Frame *f) noexcept nogil:
    """MOD (0x06): a % b (0 when b == 0)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    u256_mod(a - 1, a, a - 1)
    f.sp -= 1
    return 0


cdef inline int smod(Interpreter self, Frame *f) noexcept nogil:
    """SMOD (0x07): signed modulo."""
    cdef u256 *a = &f.stack[f.sp - 1]
    u256_smod(a - 1, a, a - 1)
    f.sp -= 1
    return 0


cdef inline int addmod(Interpreter self, Frame *f) noexcept nogil:
    """ADDMOD (0x08): (a + b) % N."""
    cdef u256 *a = &f.stack[f.sp - 1]
    u256_addmod(a - 2, a, a - 1, a - 2)
    f.sp -= 2
    return 0


cdef inline int mulmod(Interpreter self, Frame *f) noexcept nogil:
    """MULMOD (0x09): (a * b) % N."""
    cdef u256 *a = &f.stack[f.sp - 1]
    u256_mulmod(a - 2, a, a - 1, a - 2)
    f.sp -= 2
    return 0


cdef inline int exp(Interpreter self, Frame *f) noexcept nogil:
    """EXP (0x0A): a ** b mod 2**256; 50 gas per exponent byte (EIP-160)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    if charge(f, self.sched.exp_byte * <int64_t>u256_exp_byte_len(a - 1)):
        return H_OUT_OF_GAS
    u256_exp(a - 1, a, a - 1)
    f.sp -= 1
    return 0


cdef inline int signextend(Interpreter self, Frame *f) noexcept nogil:
    """SIGNEXTEND (0x0B): extend the sign of byte b of x."""
    cdef u256 *a = &f.stack[f.sp - 1]
    u256_signextend(a - 1, a, a - 1)
    f.sp -= 1
    return 0

# comparison and bitwise


cdef inline int less_than(Interpreter self, Frame *f) noexcept nogil:
    """LT (0x10)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    u256_set_u64(a - 1, u256_lt(a, a - 1))
    f.sp -= 1
    return 0


cdef inline int greater_than(Interpreter self, Frame *f) noexcept nogil:
    """GT (0x11)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    u256_set_u64(a - 1, u256_gt(a, a - 1))
    f.sp -= 1
    return 0


cdef inline int signed_less_than(Interpreter self, Frame *f) noexcept nogil:
    """SLT (0x12)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    u256_set_u64(a - 1, u256_slt(a, a - 1))
    f.sp -= 1
    return 0


cdef inline int signed_greater_than(Interpreter self, Frame *f) noexcept nogil:
    """SGT (0x13)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    u256_set_u64(a - 1, u256_sgt(a, a - 1))
    f.sp -= 1
    return 0


cdef inline int equal(Interpreter self, Frame *f) noexcept nogil:
    """EQ (0x14)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    u256_set_u64(a - 1, u256_eq(a, a - 1))
    f.sp -= 1
    return 0


cdef inline int is_zero(Interpreter self, Frame *f) noexcept nogil:
    """ISZERO (0x15)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    u256_set_u64(a, u256_is_zero(a))
    return 0


cdef inline int bitwise_and(Interpreter self, Frame *f) noexcept nogil:
    """AND (0x16)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    u256_and(a - 1, a, a - 1)
    f.sp -= 1
    return 0


cdef inline int bitwise_or(Interpreter self, Frame *f) noexcept nogil:
    """OR (0x17)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    u256_or(a - 1, a, a - 1)
    f.sp -= 1
    return 0


cdef inline int bitwise_xor(Interpreter self, Frame *f) noexcept nogil:
    """XOR (0x18)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    u256_xor(a - 1, a, a - 1)
    f.sp -= 1
    return 0


cdef inline int bitwise_not(Interpreter self, Frame *f) noexcept nogil:
    """NOT (0x19)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    u256_not(a, a)
    return 0


cdef inline int get_byte(Interpreter self, Frame *f) noexcept nogil:
    """BYTE (0x1A): byte i (big-endian) of x."""
    cdef u256 *a = &f.stack[f.sp - 1]
    u256_byte(a - 1, a, a - 1)
    f.sp -= 1
    return 0


cdef inline int bitwise_shl(Interpreter self, Frame *f) noexcept nogil:
    """SHL (0x1B, EIP-145)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    u256_shl(a - 1, a, a - 1)
    f.sp -= 1
    return 0


cdef inline int bitwise_shr(Interpreter self, Frame *f) noexcept nogil:
    """SHR (0x1C, EIP-145)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    u256_shr(a - 1, a, a - 1)
    f.sp -= 1
    return 0


cdef inline int bitwise_sar(Interpreter self, Frame *f) noexcept nogil:
    """SAR (0x1D, EIP-145)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    u256_sar(a - 1, a, a - 1)
    f.sp -= 1
    return 0


cdef inline int count_leading_zeros(Interpreter self, Frame *f) noexcept nogil:
    """CLZ (0x1E, EIP-7939): leading zero bits (256 for 0)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    u256_clz(a, a)
    return 0


cdef inline int keccak(Interpreter self, Frame *f) noexcept nogil:
    """KECCAK256 (0x20): hash of memory[offset:offset+size]."""
    cdef u256 *a = &f.stack[f.sp - 1]
    cdef uint64_t o, n, end
    cdef uint8_t h[32]
    if region(a, a - 1, &o, &n, &end):
        return H_OUT_OF_GAS
    if charge(f, self.sched.keccak_word * <int64_t>words(n)):
        return H_OUT_OF_GAS
    if mem_charge(f, end, self.sched.memory_word):
        return H_OUT_OF_GAS
    if n == 64:
        keccak64(self, f.mem + o, h)
    else:
        c_keccak256(f.mem + o, n, h)
    u256_from_be(a - 1, h)
    f.sp -= 1
    return 0


cdef inline void keccak64(Interpreter self, const uint8_t *p, uint8_t *h) noexcept nogil:
    """keccak256 of 64 bytes, remembered: contracts hash the same mapping slots
    (keccak256(key . slot)) again and again.  A direct-mapped memo; a pure function, so a
    hit is exact."""
    cdef uint64_t x = 0, w
    cdef int i
    cdef KeccakMemo *e
    if self.kmemo == NULL:
        self.kmemo = <KeccakMemo *>calloc(1 << KMEMO_BITS, sizeof(KeccakMemo))
        if self.kmemo == NULL:
            c_keccak256(p, 64, h)
            return
    for i in range(8):
        memcpy(&w, p + 8 * i, 8)
        x ^= w * (2 * <uint64_t>i + 1)
    x *= <uint64_t>0x9E3779B97F4A7C15
    e = &self.kmemo[x >> (64 - KMEMO_BITS)]
    if e.valid and memcmp(e.data, p, 64) == 0:
        memcpy(h, e.hash, 32)
        return
    c_keccak256(p, 64, h)
    e.valid = 1
    memcpy(e.data, p, 64)
    memcpy(e.hash, h, 32)


# --------------------------------------------------------------------------------------
# environment

cdef inline int push_addr(Interpreter self, Frame *f, const uint8_t *addr) noexcept nogil:
    addr_to_word(&f.stack[f.sp], addr)
    f.sp += 1
    return 0


cdef inline int access_account(Interpreter self, Frame *f, const uint8_t *addr) except -1 nogil:
    """EIP-2929: charge the warm or cold access cost of an account and warm it."""
    if self.warm_account(addr):
        return charge(f, self.sched.warm_access)
    return charge(f, self.sched.cold_account_access)


cdef int address(Interpreter self, Frame *f) noexcept nogil:
    """ADDRESS (0x30)."""
    return push_addr(self, f, f.msg.target)


cdef int balance(Interpreter self, Frame *f) except -1 nogil:
    """BALANCE (0x31, EIP-2929 access cost)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    cdef uint8_t addr[20]
    word_to_addr(addr, a)
    if access_account(self, f, addr):
        return H_OUT_OF_GAS
    self.state.get_balance(addr, a)
    return 0


cdef int origin(Interpreter self, Frame *f) noexcept nogil:
    """ORIGIN (0x32)."""
    return push_addr(self, f, self.tx.origin)


cdef int caller(Interpreter self, Frame *f) noexcept nogil:
    """CALLER (0x33)."""
    return push_addr(self, f, f.msg.caller)


cdef int callvalue(Interpreter self, Frame *f) noexcept nogil:
    """CALLVALUE (0x34)."""
    f.stack[f.sp] = f.msg.value
    f.sp += 1
    return 0


cdef int calldataload(Interpreter self, Frame *f) noexcept nogil:
    """CALLDATALOAD (0x35): 32 bytes of calldata at i, zero-padded."""
    cdef u256 *a = &f.stack[f.sp - 1]
    cdef uint8_t buf[32]
    copy_padded(buf, f.msg.data, f.msg.data_size, a, 32)
    u256_from_be(a, buf)
    return 0


cdef int calldatasize(Interpreter self, Frame *f) noexcept nogil:
    """CALLDATASIZE (0x36)."""
    u256_set_u64(&f.stack[f.sp], f.msg.data_size)
    f.sp += 1
    return 0


cdef inline int copy_to_memory(Interpreter self, Frame *f, const uint8_t *src, uint64_t src_size
                               ) noexcept nogil:
    """The *COPY pattern: pop destOffset, offset, size; memory + copy gas; copy."""
    cdef u256 *a = &f.stack[f.sp - 1]
    cdef uint64_t o, n, end
    f.sp -= 3
    if region(a, a - 2, &o, &n, &end):
        return H_OUT_OF_GAS
    if charge(f, self.sched.copy_word * <int64_t>words(n)):
        return H_OUT_OF_GAS
    if mem_charge(f, end, self.sched.memory_word):
        return H_OUT_OF_GAS
    copy_padded(f.mem + o, src, src_size, a - 1, n)
    return 0


cdef int calldatacopy(Interpreter self, Frame *f) noexcept nogil:
    """CALLDATACOPY (0x37)."""
    return copy_to_memory(self, f, f.msg.data, f.msg.data_size)


cdef int codesize(Interpreter self, Frame *f) noexcept nogil:
    """CODESIZE (0x38)."""
    u256_set_u64(&f.stack[f.sp], f.code_size)
    f.sp += 1
    return 0


cdef int codecopy(Interpreter self, Frame *f) noexcept nogil:
    """CODECOPY (0x39)."""
    return copy_to_memory(self, f, f.code, f.code_size)


cdef int gasprice(Interpreter self, Frame *f) noexcept nogil:
    """GASPRICE (0x3A): the effective gas price."""
    f.stack[f.sp] = self.tx.gas_price
    f.sp += 1
    return 0


cdef int extcodesize(Interpreter self, Frame *f) except -1 nogil:
    """EXTCODESIZE (0x3B, EIP-2929; a 7702 designation is seen as itself)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    cdef uint8_t addr[20]
    cdef Code *code
    word_to_addr(addr, a)
    if access_account(self, f, addr):
        return H_OUT_OF_GAS
    self.state.get_code(addr, &code)
    u256_set_u64(a, code.size)
    return 0


cdef int extcodecopy(Interpreter self, Frame *f) except -1 nogil:
    """EXTCODECOPY (0x3C, EIP-2929)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    cdef uint8_t addr[20]
    cdef uint64_t o, n, end
    cdef Code *code
    f.sp -= 4
    word_to_addr(addr, a)
    if region(a - 1, a - 3, &o, &n, &end):
        return H_OUT_OF_GAS
    if charge(f, self.sched.copy_word * <int64_t>words(n)):
        return H_OUT_OF_GAS
    if charge(f, mem_cost(f, end, self.sched.memory_word)):
        return H_OUT_OF_GAS
    if access_account(self, f, addr):
        return H_OUT_OF_GAS
    if mem_grow(f, end):
        return H_OUT_OF_GAS
    self.state.get_code(addr, &code)
    copy_padded(f.mem + o, code.data, code.size, a - 2, n)
    return 0


cdef int returndatasize(Interpreter self, Frame *f) noexcept nogil:
    """RETURNDATASIZE (0x3D, EIP-211)."""
    u256_set_u64(&f.stack[f.sp], f.ret_size)
    f.sp += 1
    return 0


cdef int returndatacopy(Interpreter self, Frame *f) noexcept nogil:
    """RETURNDATACOPY (0x3E, EIP-211): reading past the return data is an error."""
    cdef u256 *a = &f.stack[f.sp - 1]
    cdef uint64_t o, n, end
    f.sp -= 3
    if region(a, a - 2, &o, &n, &end):
        return H_OUT_OF_GAS
    if charge(f, self.sched.copy_word * <int64_t>words(n)):
        return H_OUT_OF_GAS
    if mem_charge(f, end, self.sched.memory_word):
        return H_OUT_OF_GAS
    if not u256_fits_u64(a - 1) or (a - 1).w[0] > f.ret_size or n > f.ret_size - (a - 1).w[0]:
        return H_RETURNDATA_OUT_OF_BOUNDS
    if n:
        memcpy(f.mem + o, f.ret + (a - 1).w[0], n)
    return 0


cdef int extcodehash(Interpreter self, Frame *f) except -1 nogil:
    """EXTCODEHASH (0x3F, EIP-1052/2929): 0 for empty or absent accounts."""
    cdef u256 *a = &f.stack[f.sp - 1]
    cdef uint8_t addr[20]
    cdef uint8_t h[32]
    word_to_addr(addr, a)
    if access_account(self, f, addr):
        return H_OUT_OF_GAS
    self.state.get_code_hash(addr, h)
    u256_from_be(a, h)
    return 0

# block


cdef int block_hash(Interpreter self, Frame *f) except -1 nogil:
    """BLOCKHASH (0x40): hashes of the 256 previous blocks, else 0."""
    cdef u256 *a = &f.stack[f.sp - 1]
    cdef uint8_t h[32]
    cdef uint64_t n
    if not u256_fits_u64(a):
        u256_zero(a)
        return 0
    n = a.w[0]
    if n >= self.block.number or n + 256 < self.block.number:
        u256_zero(a)
        return 0
    self.state.block_hash(n, h)
    u256_from_be(a, h)
    return 0


cdef int coinbase(Interpreter self, Frame *f) noexcept nogil:
    """COINBASE (0x41)."""
    return push_addr(self, f, self.block.coinbase)


cdef int timestamp(Interpreter self, Frame *f) noexcept nogil:
    """TIMESTAMP (0x42)."""
    u256_set_u64(&f.stack[f.sp], self.block.timestamp)
    f.sp += 1
    return 0


cdef int number(Interpreter self, Frame *f) noexcept nogil:
    """NUMBER (0x43)."""
    u256_set_u64(&f.stack[f.sp], self.block.number)
    f.sp += 1
    return 0


cdef int prev_randao(Interpreter self, Frame *f) noexcept nogil:
    """PREVRANDAO (0x44, EIP-4399)."""
    f.stack[f.sp] = self.block.prevrandao
    f.sp += 1
    return 0


cdef int gas_limit(Interpreter self, Frame *f) noexcept nogil:
    """GASLIMIT (0x45)."""
    u256_set_u64(&f.stack[f.sp], self.block.gas_limit)
    f.sp += 1
    return 0


cdef int chain_id(Interpreter self, Frame *f) noexcept nogil:
    """CHAINID (0x46, EIP-1344)."""
    f.stack[f.sp] = self.block.chain_id
    f.sp += 1
    return 0


cdef int self_balance(Interpreter self, Frame *f) except -1 nogil:
    """SELFBALANCE (0x47, EIP-1884)."""
    self.state.get_balance(f.msg.target, &f.stack[f.sp])
    f.sp += 1
    return 0


cdef int base_fee(Interpreter self, Frame *f) noexcept nogil:
    """BASEFEE (0x48, EIP-3198)."""
    f.stack[f.sp] = self.block.base_fee
    f.sp += 1
    return 0


cdef int blob_hash(Interpreter self, Frame *f) noexcept nogil:
    """BLOBHASH (0x49, EIP-4844): the i-th versioned hash of the transaction, else 0."""
    cdef u256 *a = &f.stack[f.sp - 1]
    if u256_fits_u64(a) and a.w[0] < self.tx.n_blob_hashes:
        u256_from_be(a, self.tx.blob_hashes + 32 * a.w[0])
    else:
        u256_zero(a)
    return 0


cdef int blob_base_fee(Interpreter self, Frame *f) noexcept nogil:
    """BLOBBASEFEE (0x4A, EIP-7516)."""
    f.stack[f.sp] = self.block.blob_base_fee
    f.sp += 1
    return 0


# --------------------------------------------------------------------------------------
# stack, memory, storage, flow

cdef inline int pop(Interpreter self, Frame *f) noexcept nogil:
    """POP (0x50)."""
    f.sp -= 1
    return 0


cdef inline int mload(Interpreter self, Frame *f) noexcept nogil:
    """MLOAD (0x51)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    cdef u256 size
    cdef uint64_t o, n, end
    u256_set_u64(&size, 32)
    if region(a, &size, &o, &n, &end):
        return H_OUT_OF_GAS
    if mem_charge(f, end, self.sched.memory_word):
        return H_OUT_OF_GAS
    u256_from_be(a, f.mem + o)
    return 0


cdef inline int mstore(Interpreter self, Frame *f) noexcept nogil:
    """MSTORE (0x52)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    cdef u256 size
    cdef uint64_t o, n, end
    f.sp -= 2
    u256_set_u64(&size, 32)
    if region(a, &size, &o, &n, &end):
        return H_OUT_OF_GAS
    if mem_charge(f, end, self.sched.memory_word):
        return H_OUT_OF_GAS
    u256_to_be(f.mem + o, a - 1)
    return 0


cdef int mstore8(Interpreter self, Frame *f) noexcept nogil:
    """MSTORE8 (0x53)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    cdef u256 size
    cdef uint64_t o, n, end
    f.sp -= 2
    u256_set_u64(&size, 1)
    if region(a, &size, &o, &n, &end):
        return H_OUT_OF_GAS
    if mem_charge(f, end, self.sched.memory_word):
        return H_OUT_OF_GAS
    f.mem[o] = <uint8_t>((a - 1).w[0] & 0xFF)
    return 0


cdef int sload(Interpreter self, Frame *f) except -1 nogil:
    """SLOAD (0x54, EIP-2929 warm/cold slot)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    cdef int64_t cost
    if self.state.sload_warm(f.msg.target, a, a):     # the value replaces the key
        cost = self.sched.warm_access
    else:
        cost = self.sched.cold_sload
    if charge(f, cost):
        return H_OUT_OF_GAS
    return 0


cdef int sstore(Interpreter self, Frame *f) except -1 nogil:
    """SSTORE (0x55, EIP-2200/2929/3529 gas and refunds)."""
    cdef u256 *key = &f.stack[f.sp - 1]
    cdef u256 *new = key - 1
    cdef u256 original, current
    cdef int64_t cost = 0
    cdef const Schedule *s = &self.sched
    f.sp -= 2
    if f.gas <= s.sstore_sentry:
        return H_OUT_OF_GAS
    if not self.state.sstore_prepare(f.msg.target, key, &original, &current):
        cost += s.cold_sload
    if u256_eq(&original, &current) and not u256_eq(&current, new):
        cost += s.sstore_set if u256_is_zero(&original) else s.sstore_reset
    else:
        cost += s.warm_access
    if not u256_eq(&current, new):
        if not u256_is_zero(&original) and not u256_is_zero(&current) and u256_is_zero(new):
            self.refund += s.sstore_clears_refund
        if not u256_is_zero(&original) and u256_is_zero(&current):
            self.refund -= s.sstore_clears_refund
        if u256_eq(&original, new):
            if u256_is_zero(&original):
                self.refund += s.sstore_set - s.warm_access
            else:
                self.refund += s.sstore_reset - s.warm_access
    if charge(f, cost):
        return H_OUT_OF_GAS
    if f.msg.is_static:
        return H_STATIC_VIOLATION
    self.state.sstore_known(f.msg.target, key, &current, new)
    return 0


cdef inline int jump_to(Interpreter self, Frame *f, const u256 *dest, uint64_t *pc
                        ) noexcept nogil:
    cdef uint64_t d
    if not u256_fits_u64(dest) or dest.w[0] >= f.code_size or f.jumpdests == NULL:
        return H_INVALID_JUMP
    d = dest.w[0]
    if not (f.jumpdests[d >> 3] >> (d & 7)) & 1:
        return H_INVALID_JUMP
    pc[0] = d
    return 0


cdef inline int jump(Interpreter self, Frame *f, uint64_t *pc) noexcept nogil:
    """JUMP (0x56): to a JUMPDEST."""
    f.sp -= 1
    return jump_to(self, f, &f.stack[f.sp], pc)


cdef inline int jumpi(Interpreter self, Frame *f, uint64_t *pc) noexcept nogil:
    """JUMPI (0x57): to a JUMPDEST if the condition is not zero."""
    f.sp -= 2
    if u256_is_zero(&f.stack[f.sp]):
        return 0
    return jump_to(self, f, &f.stack[f.sp + 1], pc)


cdef inline int pc_(Interpreter self, Frame *f, uint64_t pc) noexcept nogil:
    """PC (0x58): the offset of this instruction (``pc`` is already past it)."""
    u256_set_u64(&f.stack[f.sp], pc - 1)
    f.sp += 1
    return 0


cdef int msize(Interpreter self, Frame *f) noexcept nogil:
    """MSIZE (0x59)."""
    u256_set_u64(&f.stack[f.sp], f.mem_size)
    f.sp += 1
    return 0


cdef int gas(Interpreter self, Frame *f) noexcept nogil:
    """GAS (0x5A): gas left after this instruction."""
    u256_set_u64(&f.stack[f.sp], <uint64_t>f.gas)
    f.sp += 1
    return 0


cdef int tload(Interpreter self, Frame *f) except -1 nogil:
    """TLOAD (0x5C, EIP-1153)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    self.state.tload(f.msg.target, a, a)
    return 0


cdef int tstore(Interpreter self, Frame *f) except -1 nogil:
    """TSTORE (0x5D, EIP-1153)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    f.sp -= 2
    if f.msg.is_static:
        return H_STATIC_VIOLATION
    self.state.tstore(f.msg.target, a, a - 1)
    return 0


cdef int mcopy(Interpreter self, Frame *f) noexcept nogil:
    """MCOPY (0x5E, EIP-5656)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    cdef uint64_t d, s, n, end_d, end_s
    f.sp -= 3
    if region(a, a - 2, &d, &n, &end_d) or region(a - 1, a - 2, &s, &n, &end_s):
        return H_OUT_OF_GAS
    if charge(f, self.sched.copy_word * <int64_t>words(n)):
        return H_OUT_OF_GAS
    if mem_charge(f, end_d if end_d > end_s else end_s, self.sched.memory_word):
        return H_OUT_OF_GAS
    if n:
        memmove(f.mem + d, f.mem + s, n)
    return 0


cdef inline int push0(Interpreter self, Frame *f) noexcept nogil:
    """PUSH0 (0x5F, EIP-3855)."""
    u256_zero(&f.stack[f.sp])
    f.sp += 1
    return 0


cdef inline int push_n(Interpreter self, Frame *f, int n, uint64_t *pc) noexcept nogil:
    """PUSH1..PUSH32 (0x60..0x7F): immediates past the code end read as zero."""
    cdef uint8_t buf[32]
    cdef uint64_t avail, x
    cdef const uint8_t *p
    cdef u256 *w
    cdef int i
    if pc[0] + n <= f.code_size:
        if n <= 8:                  # the common PUSH1..PUSH8: one limb
            p = f.code + pc[0]
            x = 0
            for i in range(n):
                x = (x << 8) | p[i]
            w = &f.stack[f.sp]
            w.w[0] = x
            w.w[1] = 0
            w.w[2] = 0
            w.w[3] = 0
        else:
            u256_from_be_n(&f.stack[f.sp], f.code + pc[0], n)
    else:
        avail = f.code_size - pc[0] if pc[0] < f.code_size else 0
        memset(buf, 0, 32)
        memcpy(buf, f.code + pc[0], avail)
        u256_from_be_n(&f.stack[f.sp], buf, n)
    pc[0] += n
    f.sp += 1
    return 0


cdef inline int dup_n(Interpreter self, Frame *f, int n) noexcept nogil:
    """DUP1..DUP16 (0x80..0x8F)."""
    f.stack[f.sp] = f.stack[f.sp - n]
    f.sp += 1
    return 0


cdef inline int swap_n(Interpreter self, Frame *f, int n) noexcept nogil:
    """SWAP1..SWAP16 (0x90..0x9F)."""
    cdef u256 t = f.stack[f.sp - 1]
    f.stack[f.sp - 1] = f.stack[f.sp - 1 - n]
    f.stack[f.sp - 1 - n] = t
    return 0


cdef int log_n(Interpreter self, Frame *f, int n_topics) except -1 nogil:
    """LOG0..LOG4 (0xA0..0xA4): 8 gas per data byte; forbidden in static context."""
    cdef u256 *a = &f.stack[f.sp - 1]
    cdef uint64_t o, n, end
    cdef LogRec *rec
    cdef size_t ncap
    cdef int i
    f.sp -= 2 + n_topics
    if region(a, a - 1, &o, &n, &end):
        return H_OUT_OF_GAS
    if charge(f, self.sched.log_data * <int64_t>n):
        return H_OUT_OF_GAS
    if mem_charge(f, end, self.sched.memory_word):
        return H_OUT_OF_GAS
    if f.msg.is_static:
        return H_STATIC_VIOLATION
    if self.n_logs == self.logs_cap:
        ncap = self.logs_cap * 2 if self.logs_cap else 16
        rec = <LogRec *>realloc(self.logs, ncap * sizeof(LogRec))
        if rec == NULL:
            with gil:
                raise MemoryError("logs")
        self.logs = rec
        self.logs_cap = ncap       # only once the buffer has that size
    if buf_reserve(&self.log_data, &self.log_data_cap, self.log_data_size + n) != 0:
        with gil:
            raise MemoryError("log data")
    rec = &self.logs[self.n_logs]
    self.n_logs += 1
    memcpy(rec.address, f.msg.target, 20)
    rec.n_topics = n_topics
    for i in range(n_topics):
        u256_to_be(rec.topics[i], a - 2 - i)
    rec.data_off = self.log_data_size
    rec.data_size = n
    if n:
        memcpy(self.log_data + self.log_data_size, f.mem + o, n)
    self.log_data_size += n
    return 0


# --------------------------------------------------------------------------------------
# system

cdef int return_(Interpreter self, Frame *f) noexcept nogil:
    """RETURN (0xF3)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    cdef uint64_t o, n, end
    f.sp -= 2
    if region(a, a - 1, &o, &n, &end):
        return H_OUT_OF_GAS
    if mem_charge(f, end, self.sched.memory_word):
        return H_OUT_OF_GAS
    f.out_off = o
    f.out_size = n
    return H_RETURN


cdef int revert(Interpreter self, Frame *f) noexcept nogil:
    """REVERT (0xFD, EIP-140): return data, keep the gas left, undo the changes."""
    cdef u256 *a = &f.stack[f.sp - 1]
    cdef uint64_t o, n, end
    f.sp -= 2
    if region(a, a - 1, &o, &n, &end):
        return H_OUT_OF_GAS
    if mem_charge(f, end, self.sched.memory_word):
        return H_OUT_OF_GAS
    f.out_off = o
    f.out_size = n
    return H_REVERT


cdef int selfdestruct(Interpreter self, Frame *f) except -1 nogil:
    """SELFDESTRUCT (0xFF, EIP-6780 from Cancun: only deletes accounts created in the tx)."""
    cdef uint8_t beneficiary[20]
    cdef const uint8_t *me = f.msg.target
    cdef u256 bal, bal2
    cdef int64_t cost = 0
    f.sp -= 1
    word_to_addr(beneficiary, &f.stack[f.sp])
    if not self.warm_account(beneficiary):
        cost += self.sched.cold_account_access
    self.state.get_balance(me, &bal)
    if not u256_is_zero(&bal) and self.state.account_is_empty(beneficiary):
        cost += self.sched.selfdestruct_new_account
    if charge(f, cost):
        return H_OUT_OF_GAS
    if f.msg.is_static:
        return H_STATIC_VIOLATION
    if self.sched.selfdestruct_eip6780:
        self.state.sub_balance(me, &bal)
        self.state.add_balance(beneficiary, &bal)
        if self.state.was_created_in_tx(me):
            u256_zero(&bal2)
            self.state.set_balance(me, &bal2)
            self.state.mark_selfdestruct(me)
    else:
        self.state.get_balance(beneficiary, &bal2)
        u256_add(&bal2, &bal2, &bal)
        self.state.set_balance(beneficiary, &bal2)
        u256_zero(&bal)
        self.state.set_balance(me, &bal)
        self.state.mark_selfdestruct(me)
    return H_SELFDESTRUCT


cdef int create(Interpreter self, Frame *f, int is_create2) except -1 nogil:
    """CREATE (0xF0) and CREATE2 (0xF5, EIP-1014); EIP-3860 initcode limit and cost,
    EIP-7610 collisions, the 63/64 rule (EIP-150)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    cdef u256 value = a[0]
    cdef u256 salt
    cdef uint64_t o, n, end, nonce
    cdef int64_t child_gas, cost
    cdef Message child
    cdef Outcome out
    cdef u256 bal
    cdef uint8_t new_addr[20]
    cdef Message *m = f.msg
    cdef Code *code
    if is_create2:
        salt = (a - 3)[0]
    f.sp -= 3 + is_create2
    cdef u256 *result = &f.stack[f.sp]
    f.sp += 1
    if region(a - 1, a - 2, &o, &n, &end):
        return H_OUT_OF_GAS
    cost = self.sched.initcode_word * <int64_t>words(n)
    if is_create2:
        cost += self.sched.keccak_word * <int64_t>words(n)
    if charge(f, cost):
        return H_OUT_OF_GAS
    if mem_charge(f, end, self.sched.memory_word):
        return H_OUT_OF_GAS
    # generic_create
    if <int64_t>n > self.sched.max_initcode_size:
        return H_OUT_OF_GAS
    child_gas = f.gas - f.gas // 64
    f.gas -= child_gas
    if m.is_static:
        return H_STATIC_VIOLATION
    f.ret_size = 0
    u256_zero(result)
    self.state.get_balance(m.target, &bal)
    self.state.get_nonce(m.target, &nonce)
    if u256_lt(&bal, &value) or nonce == UINT64_MAX or m.depth + 1 > DEPTH_LIMIT:
        f.gas += child_gas
        return 0
    if is_create2:
        create2_address(new_addr, m.target, &salt, f.mem + o, n)
    else:
        create_address(new_addr, m.target, nonce)
    self.warm_account(new_addr)
    self.state.get_nonce(new_addr, &nonce)
    self.state.get_code(new_addr, &code)
    if nonce != 0 or code.size != 0 or self.state.account_has_storage(new_addr):
        self.state.get_nonce(m.target, &nonce)
        self.state.set_nonce(m.target, nonce + 1)
        return 0
    self.state.get_nonce(m.target, &nonce)
    self.state.set_nonce(m.target, nonce + 1)
    memcpy(child.caller, m.target, 20)
    memcpy(child.target, new_addr, 20)
    memcpy(child.code_address, new_addr, 20)
    child.value = value
    child.data = NULL
    child.data_size = 0
    child.code = f.mem + o
    child.code_size = n
    child.jumpdests = NULL
    child.gas = child_gas
    child.depth = m.depth + 1
    child.is_static = 0
    child.is_create = 1
    child.should_transfer_value = 1
    child.disable_precompiles = 0
    self.execute(&child, &out)
    f.gas += out.gas_left
    if out.halt < H_REVERT:
        addr_to_word(result, new_addr)
    elif set_returndata(f, out.output, out.output_size):
        return H_OUT_OF_GAS
    return 0


cdef int call(Interpreter self, Frame *f, int kind) except -1 nogil:
    """CALL (0xF1), CALLCODE (0xF2), DELEGATECALL (0xF4, EIP-7), STATICCALL (0xFA,
    EIP-214): EIP-150 63/64 rule, 2300 stipend, EIP-2929 access, EIP-7702 delegation."""
    cdef u256 *a = &f.stack[f.sp - 1]
    cdef Message *m = f.msg
    cdef u256 *gas_w = a
    cdef uint8_t to[20]
    cdef uint8_t deleg[20]
    cdef u256 value
    cdef u256 *args = a - 2
    cdef uint64_t in_o, in_n, in_end, out_o, out_n, out_end, end
    cdef int64_t extra, memc, child_gas, avail, stipend
    cdef Code *code
    cdef Code *dcode
    cdef int disable = 0
    cdef Message child
    cdef Outcome out
    cdef u256 bal
    word_to_addr(to, a - 1)
    if kind == OP_CALL or kind == OP_CALLCODE:
        value = (a - 2)[0]
        args = a - 3
        f.sp -= 7
    else:
        u256_zero(&value)
        f.sp -= 6
    cdef u256 *result = &f.stack[f.sp]
    f.sp += 1
    if region(args, args - 1, &in_o, &in_n, &in_end):
        return H_OUT_OF_GAS
    if region(args - 2, args - 3, &out_o, &out_n, &out_end):
        return H_OUT_OF_GAS
    end = in_end if in_end > out_end else out_end
    memc = mem_cost(f, end, self.sched.memory_word)
    extra = self.sched.warm_access if self.warm_account(to) \
        else self.sched.cold_account_access
    self.state.get_code(to, &code)
    if self.sched.delegation_eip7702 and is_delegation(code.data, code.size):
        memcpy(deleg, code.data + 3, 20)
        disable = 1
        extra += self.sched.warm_access if self.warm_account(deleg) \
            else self.sched.cold_account_access
        self.state.get_code(deleg, &code)
    else:
        memcpy(deleg, to, 20)
    if not u256_is_zero(&value):
        extra += self.sched.call_value
        if kind == OP_CALL and self.state.account_is_empty(to):
            extra += self.sched.new_account
    stipend = self.sched.call_stipend if not u256_is_zero(&value) else 0
    # calculate_message_call_gas
    if f.gas < extra + memc:
        return H_OUT_OF_GAS
    avail = f.gas - memc - extra
    avail -= avail // 64
    if u256_fits_u64(gas_w) and gas_w.w[0] < <uint64_t>avail:
        child_gas = <int64_t>gas_w.w[0]
    else:
        child_gas = avail
    f.gas -= child_gas + extra + memc
    if m.is_static and kind == OP_CALL and not u256_is_zero(&value):
        return H_STATIC_VIOLATION
    if mem_grow(f, end):
        return H_OUT_OF_GAS
    child_gas += stipend
    u256_zero(result)
    f.ret_size = 0
    if kind == OP_CALL or kind == OP_CALLCODE:
        self.state.get_balance(m.target, &bal)
        if u256_lt(&bal, &value):
            f.gas += child_gas
            return 0
    # generic_call
    if m.depth + 1 > DEPTH_LIMIT:
        f.gas += child_gas
        return 0
    if kind == OP_CALL or kind == OP_STATICCALL:
        memcpy(child.caller, m.target, 20)
        memcpy(child.target, to, 20)
    elif kind == OP_CALLCODE:
        memcpy(child.caller, m.target, 20)
        memcpy(child.target, m.target, 20)
    else:
        memcpy(child.caller, m.caller, 20)
        memcpy(child.target, m.target, 20)
    memcpy(child.code_address, deleg, 20)
    child.value = m.value if kind == OP_DELEGATECALL else value
    child.should_transfer_value = kind != OP_DELEGATECALL
    child.data = f.mem + in_o if in_n else NULL
    child.data_size = in_n
    child.code = code.data
    child.code_size = code.size
    child.jumpdests = self.state.code_jumpdests(code) if code.size else NULL
    child.gas = child_gas
    child.depth = m.depth + 1
    child.is_static = 1 if kind == OP_STATICCALL else m.is_static
    child.is_create = 0
    child.disable_precompiles = disable
    self.execute(&child, &out)
    f.gas += out.gas_left
    if set_returndata(f, out.output, out.output_size):
        return H_OUT_OF_GAS
    if out.halt < H_REVERT:
        u256_set_u64(result, 1)
    if out_n:
        memcpy(f.mem + out_o, f.ret, out_n if out_n < f.ret_size else f.ret_size)
    return 0


# ------------------------------------------------------------------------------------------
# Python-level helpers for the tests

def jumpdest_bitmap(bytes code) -> bytes:
    """The jumpdest bitmap of ``code`` as the interpreter analyses initcode."""
    cdef size_t n = len(code)
    out = bytearray((n + 7) >> 3)
    cdef uint8_t[::1] view = out
    if n:
        analyse_jumpdests(<const uint8_t *>PyBytes_AS_STRING(code), n, &view[0])
    return bytes(out)


def contract_address(bytes sender, int nonce) -> bytes:
    """The CREATE address of ``sender`` at ``nonce``."""
    cdef uint8_t out[20]
    create_address(out, <const uint8_t *>PyBytes_AS_STRING(sender), nonce)
    return PyBytes_FromStringAndSize(<char *>out, 20)


def contract_address2(bytes sender, bytes salt, bytes initcode) -> bytes:
    """The CREATE2 address of ``sender`` with ``salt`` (32 bytes) and ``initcode``."""
    cdef uint8_t out[20]
    cdef u256 s
    u256_from_be(&s, <const uint8_t *>PyBytes_AS_STRING(salt))
    create2_address(out, <const uint8_t *>PyBytes_AS_STRING(sender), &s,
                    <const uint8_t *>PyBytes_AS_STRING(initcode), len(initcode))
    return PyBytes_FromStringAndSize(<char *>out, 20)


def run_code(code, *, fork="Osaka", int64_t gas=1_000_000, calldata=b"", value=0,
             bint is_static=False, state=None, address=b"\x10" * 20, caller=b"\x20" * 20,
             int depth=0):
    """Run ``code`` as a message at ``address`` (a test hook, like evmone's instructions_test):
    returns ``{"halt", "gas_left", "stack" (bottom first, ints), "output", "refund", "logs",
    "state"}``.  The state changes are committed (as a transaction) so that tests read them."""
    from verbs._evm.forks import fork_id
    cdef State st = State() if state is None else state
    cdef Interpreter it = Interpreter(st)
    cdef Message m
    cdef Outcome o
    cdef Code *c
    cdef Frame *f
    cdef uint8_t buf[32]
    cdef bytes code_b = bytes(code), data_b = bytes(calldata)
    cdef bytes addr_b = bytes(address), caller_b = bytes(caller)
    cdef bytes vb = int(value).to_bytes(32, "big")
    if not 0 <= depth <= DEPTH_LIMIT:       # frames[] has DEPTH_LIMIT + 2 entries
        raise ValueError(f"depth must be in [0, {DEPTH_LIMIT}], not {depth}")
    fill_schedule(&it.sched, fork_id(fork), None, None)
    it.block.number = 1
    it.block.gas_limit = 30_000_000
    st.set_account(addr_b, code=code_b,
                   balance=(<object>st).get_balance(addr_b), nonce=(<object>st).get_nonce(addr_b))
    memset(&m, 0, sizeof(Message))
    memcpy(m.caller, <const uint8_t *>PyBytes_AS_STRING(caller_b), 20)
    memcpy(m.target, <const uint8_t *>PyBytes_AS_STRING(addr_b), 20)
    memcpy(m.code_address, <const uint8_t *>PyBytes_AS_STRING(addr_b), 20)
    u256_from_be(&m.value, <const uint8_t *>PyBytes_AS_STRING(vb))
    m.data = <const uint8_t *>PyBytes_AS_STRING(data_b)
    m.data_size = len(data_b)
    st.get_code(<const uint8_t *>PyBytes_AS_STRING(addr_b), &c)
    m.code = c.data
    m.code_size = c.size
    m.jumpdests = st.code_jumpdests(c) if c.size else NULL
    m.gas = gas
    m.depth = depth
    m.is_static = is_static
    it.reset_tx()
    it.execute(&m, &o)
    f = &it.frames[depth]
    stack = []
    for i in range(f.sp):
        u256_to_be(buf, &f.stack[i])
        stack.append(int.from_bytes(PyBytes_FromStringAndSize(<char *>buf, 32), "big"))
    out = PyBytes_FromStringAndSize(<const char *>o.output, o.output_size) if o.output_size else b""
    logs = it.take_logs()
    refund = it.refund
    st.commit_tx()
    return {"halt": halt_name(o.halt), "gas_left": o.gas_left, "stack": stack, "output": out,
            "refund": refund, "logs": logs, "state": st}
