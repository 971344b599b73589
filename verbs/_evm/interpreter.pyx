"""The EVM interpreter: frames, the loop (``run``/``step``), message execution, precompile calls.

The loop runs without the GIL on C data: a C stack of 1024 words per frame (manipulated in
place through pointers), a growable C memory with exact expansion gas, the jumpdest bitmap
cached per code by the State, dispatch through one ``if/elif`` chain on the ``OP_*`` names of
``opcodes.pxd`` (generated from the opcode table; Cython emits a C ``switch``).  The generic
checks (opcode defined in the fork, stack underflow and overflow, static gas) read the opcode
table (``Schedule.ops``, hardforks.pyx) before a handler runs;
handlers only charge their dynamic gas.  The handlers live in ``instructions/*.pxi``, one file
per family of ethereum/execution-specs, named as there and following its order: stack, gas,
operation; they are included here so that they inline into the loop.

Where the loop must call Python (a precompile; a Backend miss inside State) the GIL is taken at
that one point; a Python exception propagates as -1 through every frame and ends the
transaction: evm.pyx discards its changes and re-raises it to the caller.
"""

cimport cython
from libc.stdint cimport uint8_t, uint16_t, uint32_t, int64_t, uint64_t, UINT64_MAX
from libc.string cimport memcpy, memset, memmove, memcmp
from libc.stdlib cimport malloc, realloc, free, calloc
from cpython.bytes cimport PyBytes_FromStringAndSize, PyBytes_AS_STRING, PyBytes_GET_SIZE
from cpython.tuple cimport PyTuple_New, PyTuple_SET_ITEM
from cpython.ref cimport Py_INCREF

cdef extern from "Python.h":
    void PyObject_GC_UnTrack(object op)

from verbs._evm.u256 cimport (
    u256, u256_zero, u256_set_u64, u256_move, u256_swap, u256_is_zero, u256_eq, u256_fits_u64,
    u256_from_be,
    u256_to_be, u256_from_be_n, u256_exp_byte_len, u256_lt, u256_gt, u256_slt, u256_sgt,
    u256_and, u256_or, u256_xor, u256_not, u256_byte, u256_shl, u256_shr, u256_sar, u256_clz,
    u256_add, u256_sub, u256_mul, u256_div, u256_sdiv, u256_mod, u256_smod, u256_addmod,
    u256_mulmod, u256_exp, u256_signextend,
)
from verbs._evm.keccak cimport c_keccak256
from verbs._evm.state cimport State
from verbs._evm.code cimport Code, analyse_jumpdests, jumpdest_bitmap_size
from verbs._evm.analysis cimport (
    verbs_analysis, verbs_instr, verbs_jump_index, analyse, VERBS_DISPATCH_TABLE, VERBS_DISPATCH,
    VERBS_LABEL, VERBS_GOTO, L_PLAIN, L_EXIT, L_DONE, I_STOP, I_BEGINBLOCK, I_INVALID, I_GENERIC,
    I_PUSH_SMALL, I_PUSH_BIG, I_PUSH0, I_DUP, I_SWAP, I_POP, I_JUMP, I_JUMPI, I_JUMP_STATIC,
    I_JUMPI_STATIC, I_PC, I_ADD, I_MUL,
    I_SUB, I_DIV, I_SDIV, I_MOD, I_SMOD, I_ADDMOD, I_MULMOD, I_SIGNEXTEND, I_LT, I_GT, I_SLT,
    I_SGT, I_EQ, I_ISZERO, I_AND, I_OR, I_XOR, I_NOT, I_BYTE, I_SHL, I_SHR, I_SAR, I_CLZ,
    I_ADDRESS, I_CALLER, I_CALLVALUE, I_CALLDATALOAD, I_CALLDATASIZE, I_CODESIZE,
    I_RETURNDATASIZE, I_MLOAD, I_MSTORE, I_KECCAK256,
)
from verbs._evm.eip7702 cimport is_delegation, delegate_of
from verbs._evm.opcodes cimport *
from verbs._evm.hardforks cimport (
    Schedule, OpInfo, STACK_LIMIT, DEPTH_LIMIT, N_PRECOMPILE_SLOTS,
)

HALT_NAMES = (
    "continue", "stop", "return", "selfdestruct", "revert", "out_of_gas", "invalid_opcode",
    "invalid_jump", "stack_underflow", "stack_overflow", "static_violation",
    "create_collision", "returndata_out_of_bounds", "invalid_contract_prefix",
    "precompile_failure",
)
#: What a tracer's ``exit`` may be told: HALT_NAMES, then why a CALL or CREATE ran no frame,
#: then finer causes of some halts (T_* in interpreter.pxd; code H_N has no name).
TRACE_HALT_NAMES = HALT_NAMES + (
    None, "insufficient_balance", "call_depth", "nonce_overflow",
    "out_of_gas", "out_of_gas", "invalid_opcode", "static_violation",
)

# Memory beyond MEM_LIMIT bytes is out of gas (its expansion gas exceeds any real gas limit:
# 3 * 2**25 + 2**41 gas at 1 GiB).
cdef enum:
    MEM_LIMIT = 1 << 30
    KMEMO_BITS = 10                # 1024 remembered 64-byte hashes (~100 KB)
    KEEP_BUFFER = 1 << 20          # pooled frame buffers above this are freed between txs

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
        f.oog_cause = T_OUT_OF_GAS_MEMORY
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
        self.frames = <Frame **>calloc(DEPTH_LIMIT + 2, sizeof(Frame *))
        if self.frames == NULL:
            raise MemoryError()
        self.logs = NULL
        self.log_data = NULL
        self.analysed = True

    def __init__(self, State state, run_precompile=None):
        self.state = state
        if run_precompile is None:
            from verbs._evm.precompiles import run_precompile as rp
            run_precompile = rp
        self.run_precompile = run_precompile
        self.blob_hashes = b""

    def set_tracer(self, tracer) -> None:
        """Report every message, log and self-destruct to ``tracer`` (None: stop).

        ``tracer`` has the methods ``enter(kind, sender, to, value, input, gas)`` (``kind``
        the opcode that made the frame: CALL for a transaction, CREATE for a creation),
        ``exit(halt, output, gas_left)`` (``halt`` an index of ``TRACE_HALT_NAMES``),
        ``log(address, topics, data)`` and ``selfdestruct(address, beneficiary, value)``.
        An exception it raises ends the transaction as a Backend failure does."""
        self.tracer = tracer
        self.tracing = tracer is not None

    def __dealloc__(self):
        cdef int i
        cdef Frame *f
        if self.frames != NULL:
            for i in range(self.frames_allocated):
                f = self.frames[i]
                if f != NULL:
                    free(f.stack)
                    free(f.mem)
                    free(f.ret)
                    free(f.jd)
                    free(f.an)
                    free(f)
            free(self.frames)
        free(self.logs)
        free(self.log_data)
        free(self.kmemo)

    cdef int begin_tx(self, const uint8_t *origin, const u256 *gas_price,
                      bytes blob_hashes) except -1:
        """Start a transaction: its environment (origin, effective gas price, the blob
        versioned hashes concatenated, or None) and empty refund counter and logs."""
        cdef int i
        cdef Frame *f
        memcpy(self.tx.origin, origin, 20)
        self.tx.gas_price = gas_price[0]
        self.blob_hashes = blob_hashes
        if blob_hashes is None:
            self.tx.blob_hashes = NULL
            self.tx.n_blob_hashes = 0
        else:
            self.tx.blob_hashes = <const uint8_t *>PyBytes_AS_STRING(blob_hashes)
            self.tx.n_blob_hashes = PyBytes_GET_SIZE(blob_hashes) // 32
        for i in range(self.max_depth + 1):   # give back memory a large transaction grew
            f = self.frames[i]
            if f == NULL:
                continue
            if f.mem_cap > KEEP_BUFFER:
                free(f.mem)
                f.mem = NULL
                f.mem_cap = 0
            if f.ret_cap > KEEP_BUFFER:
                free(f.ret)
                f.ret = NULL
                f.ret_cap = 0
            if f.an_cap > KEEP_BUFFER:
                free(f.an)
                f.an = NULL
                f.an_cap = 0
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

    cdef int trace_enter(self, const Message *m) except -1 with gil:
        """Tell the tracer a message starts: geth's from/to (a DELEGATECALL is from the
        contract whose code delegates, to the code's account; a CALLCODE to the code's)."""
        cdef const uint8_t *sender = &m.caller[0]
        cdef const uint8_t *to = &m.target[0]
        if m.kind == OP_DELEGATECALL:
            sender = &m.target[0]
        if m.kind == OP_DELEGATECALL or m.kind == OP_CALLCODE:
            to = &m.code_address[0]
        cdef uint8_t buf[32]
        u256_to_be(buf, &m.value)
        if m.is_create:
            data = PyBytes_FromStringAndSize(<const char *>m.code, m.code_size) \
                if m.code_size else b""
        else:
            data = PyBytes_FromStringAndSize(<const char *>m.data, m.data_size) \
                if m.data_size else b""
        self.tracer.enter(m.kind, PyBytes_FromStringAndSize(<const char *>sender, 20),
                          PyBytes_FromStringAndSize(<const char *>to, 20),
                          int.from_bytes(PyBytes_FromStringAndSize(<char *>buf, 32), "big"),
                          data, m.gas)
        return 0

    cdef int trace_exit(self, int halt, const uint8_t *output, size_t output_size,
                        int64_t gas_left) except -1 with gil:
        self.tracer.exit(halt, PyBytes_FromStringAndSize(<const char *>output, output_size)
                         if output_size else b"", gas_left)
        return 0

    cdef int trace_cause(self, const Frame *f, int halt) noexcept nogil:
        """``halt`` made finer where revm names the cause: out of gas in memory expansion or
        at SSTORE's EIP-2200 sentry, the designated INVALID (0xFE) rather than an undefined
        opcode, a CALL with value in a static frame rather than a state change."""
        if halt == H_OUT_OF_GAS and f.oog_cause:
            return f.oog_cause
        if halt == H_INVALID_OPCODE and f.pc < f.code_size and f.code[f.pc] == 0xFE:
            return T_INVALID_FE
        if halt == H_STATIC_VIOLATION and 0 < f.pc <= f.code_size and \
                (f.code[f.pc - 1] == OP_CALL or f.code[f.pc - 1] == OP_CALLCODE):
            return T_STATIC_CALL_VALUE
        return halt

    cdef int trace_failed(self, const Message *m, int reason) except -1 with gil:
        """A CALL or CREATE that ran no frame (``reason``: T_*, or H_CREATE_COLLISION, which
        consumes the gas given)."""
        self.trace_enter(m)
        self.trace_exit(reason, NULL, 0, 0 if reason == H_CREATE_COLLISION else m.gas)
        return 0

    cdef int execute(self, Message *m, Outcome *o) except -1 nogil:
        """Run a message (call or creation) at its depth; revert its changes on failure."""
        cdef Frame *f = frame(self, m.depth)
        cdef Py_ssize_t cp = self.state.checkpoint()
        cdef int64_t refund0 = self.refund
        cdef size_t nlogs0 = self.n_logs
        cdef uint64_t ldata0 = self.log_data_size
        cdef int halt
        cdef int pc_addr
        cdef const verbs_analysis *a
        cdef size_t n
        if self.tracing:
            self.trace_enter(m)
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
                if buf_reserve(&f.jd, &f.jd_cap, jumpdest_bitmap_size(m.code_size)) != 0:
                    with gil:
                        raise MemoryError("jumpdest bitmap")
                analyse_jumpdests(m.code, m.code_size, f.jd)
                f.jumpdests = f.jd
            if m.code_size == 0 or not self.analysed:
                halt = run(self, f)
            else:
                a = m.analysis
                if a == NULL:
                    n = analyse(m.code, m.code_size, self.sched.ops, NULL)
                    if buf_reserve(&f.an, &f.an_cap, n) != 0:
                        with gil:
                            raise MemoryError("code analysis")
                    analyse(m.code, m.code_size, self.sched.ops, <verbs_analysis *>f.an)
                    a = <const verbs_analysis *>f.an
                halt = run_analysed(self, f, a)
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
        if self.tracing:
            self.trace_exit(self.trace_cause(f, halt) if pc_addr == 0 else halt,
                            o.output, o.output_size, f.gas)
        return 0


# ==========================================================================================
# handlers and helpers of the loop (module-level C functions)


# --------------------------------------------------------------------------------------
# frames

cdef Frame *frame(Interpreter self, int depth) except NULL nogil:
    cdef Frame *f = self.frames[depth]
    if depth > self.max_depth:
        self.max_depth = depth
    if f == NULL:  # first use of this depth: an env that never calls deep never pays for it
        f = <Frame *>calloc(1, sizeof(Frame))
        if f == NULL:
            with gil:
                raise MemoryError("EVM frame")
        self.frames[depth] = f
        if depth >= self.frames_allocated:
            self.frames_allocated = depth + 1
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
    f.oog_cause = 0
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
        return H_OUT_OF_GAS if out is None else H_PRECOMPILE_FAILURE
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
        op = code[pc] if pc < n else OP_STOP
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
        if op == OP_STOP:
            r = H_STOP
            break
        elif op == OP_ADD:
            add(self, f)
        elif op == OP_MUL:
            mul(self, f)
        elif op == OP_SUB:
            sub(self, f)
        elif op == OP_DIV:
            div(self, f)
        elif op == OP_SDIV:
            sdiv(self, f)
        elif op == OP_MOD:
            mod(self, f)
        elif op == OP_SMOD:
            smod(self, f)
        elif op == OP_ADDMOD:
            addmod(self, f)
        elif op == OP_MULMOD:
            mulmod(self, f)
        elif op == OP_SIGNEXTEND:
            signextend(self, f)
        elif op == OP_LT:
            less_than(self, f)
        elif op == OP_GT:
            greater_than(self, f)
        elif op == OP_SLT:
            signed_less_than(self, f)
        elif op == OP_SGT:
            signed_greater_than(self, f)
        elif op == OP_EQ:
            equal(self, f)
        elif op == OP_ISZERO:
            is_zero(self, f)
        elif op == OP_AND:
            bitwise_and(self, f)
        elif op == OP_OR:
            bitwise_or(self, f)
        elif op == OP_XOR:
            bitwise_xor(self, f)
        elif op == OP_NOT:
            bitwise_not(self, f)
        elif op == OP_BYTE:
            get_byte(self, f)
        elif op == OP_SHL:
            bitwise_shl(self, f)
        elif op == OP_SHR:
            bitwise_shr(self, f)
        elif op == OP_SAR:
            bitwise_sar(self, f)
        elif op == OP_CLZ:
            count_leading_zeros(self, f)
        elif op == OP_ADDRESS:
            address(self, f)
        elif op == OP_CALLER:
            caller(self, f)
        elif op == OP_CALLVALUE:
            callvalue(self, f)
        elif op == OP_CALLDATALOAD:
            calldataload(self, f)
        elif op == OP_CALLDATASIZE:
            calldatasize(self, f)
        elif op == OP_CODESIZE:
            codesize(self, f)
        elif op == OP_RETURNDATASIZE:
            returndatasize(self, f)
        elif op == OP_POP:
            pop(self, f)
        elif op == OP_JUMPDEST:
            pass           # JUMPDEST: static gas only
        elif op == OP_PUSH0:
            push0(self, f)
        elif op in (OP_PUSH1, OP_PUSH2, OP_PUSH3, OP_PUSH4, OP_PUSH5, OP_PUSH6,
                    OP_PUSH7, OP_PUSH8, OP_PUSH9, OP_PUSH10, OP_PUSH11, OP_PUSH12,
                    OP_PUSH13, OP_PUSH14, OP_PUSH15, OP_PUSH16, OP_PUSH17, OP_PUSH18,
                    OP_PUSH19, OP_PUSH20, OP_PUSH21, OP_PUSH22, OP_PUSH23, OP_PUSH24,
                    OP_PUSH25, OP_PUSH26, OP_PUSH27, OP_PUSH28, OP_PUSH29, OP_PUSH30,
                    OP_PUSH31, OP_PUSH32):
            push_n(self, f, op - (OP_PUSH1 - 1), &pc)
        elif op in (OP_DUP1, OP_DUP2, OP_DUP3, OP_DUP4, OP_DUP5, OP_DUP6, OP_DUP7,
                    OP_DUP8, OP_DUP9, OP_DUP10, OP_DUP11, OP_DUP12, OP_DUP13,
                    OP_DUP14, OP_DUP15, OP_DUP16):
            dup_n(self, f, op - (OP_DUP1 - 1))
        elif op in (OP_SWAP1, OP_SWAP2, OP_SWAP3, OP_SWAP4, OP_SWAP5, OP_SWAP6,
                    OP_SWAP7, OP_SWAP8, OP_SWAP9, OP_SWAP10, OP_SWAP11, OP_SWAP12,
                    OP_SWAP13, OP_SWAP14, OP_SWAP15, OP_SWAP16):
            swap_n(self, f, op - (OP_SWAP1 - 1))
        elif op == OP_KECCAK256 or op == OP_MLOAD or op == OP_MSTORE:
            f.gas = gas             # memory expansion and hashing gas
            if op == OP_MSTORE:
                r = mstore(self, f)
            elif op == OP_MLOAD:
                r = mload(self, f)
            else:
                r = keccak(self, f)
            gas = f.gas
            if r:
                break
        elif op == OP_JUMP:
            r = jump(self, f, &pc)
            if r:
                break
        elif op == OP_JUMPI:
            r = jumpi(self, f, &pc)
            if r:
                break
        elif op == OP_PC:
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


cdef int run_analysed(Interpreter self, Frame *f, const verbs_analysis *a) except -1 nogil:
    """The fast loop over an analysed code (analysis.pyx): a BEGINBLOCK checks the stack
    bounds and charges the static gas of its whole block; the other instructions run their
    handler only.  Those that read or charge gas see the exact counter (``ip.arg`` adds back
    the static gas of the rest of the block).  Where a check fails, or such an instruction
    leaves less gas than the rest of its block needs, the plain loop ``run`` continues from
    that point with the exact gas, so that halts happen where and as the plain loop says.

    ``f.pc`` is only kept where something reads it: for the handlers of ``step``, at an
    undefined opcode (the tracer tells INVALID 0xFE apart) and for the plain loop.

    Dispatch is a computed goto (analysis.h).  The stack pointer lives in a register (``sp``,
    one past the top): the pure stack and arithmetic instructions work on it directly (their
    handlers' one-line bodies over u256.h), the others see it in ``f.sp`` around the call."""
    cdef const verbs_instr *ip = a.instrs
    cdef u256 *stack = f.stack
    cdef u256 *sp = stack + f.sp
    cdef int64_t gas = f.gas
    cdef int64_t t
    cdef uint64_t blk
    cdef int height
    cdef int r = 0
    VERBS_DISPATCH_TABLE()
    VERBS_DISPATCH(ip.op)

    VERBS_LABEL(I_BEGINBLOCK)
    blk = <uint64_t>ip.arg
    height = <int>(sp - stack)
    if (gas < <int64_t><uint32_t>blk or height < <int><uint16_t>(blk >> 32)
            or height >= <int>(blk >> 48)):
        f.pc = ip.pc
        f.gas = gas
        VERBS_GOTO(L_PLAIN)
    gas -= <int64_t><uint32_t>blk
    ip += 1
    VERBS_DISPATCH(ip.op)

    VERBS_LABEL(I_STOP)
    r = H_STOP
    VERBS_GOTO(L_EXIT)

    VERBS_LABEL(I_INVALID)
    f.pc = ip.pc                # at the opcode, as the plain loop leaves it (trace_cause)
    r = H_INVALID_OPCODE
    VERBS_GOTO(L_EXIT)

    VERBS_LABEL(I_PUSH_SMALL)
    u256_set_u64(sp, <uint64_t>ip.arg)
    sp += 1
    ip += 1
    VERBS_DISPATCH(ip.op)

    VERBS_LABEL(I_PUSH_BIG)
    u256_move(sp, &a.push_values[ip.arg])
    sp += 1
    ip += 1
    VERBS_DISPATCH(ip.op)

    VERBS_LABEL(I_PUSH0)
    u256_zero(sp)
    sp += 1
    ip += 1
    VERBS_DISPATCH(ip.op)

    VERBS_LABEL(I_DUP)
    u256_move(sp, sp - ip.arg)
    sp += 1
    ip += 1
    VERBS_DISPATCH(ip.op)

    VERBS_LABEL(I_SWAP)
    u256_swap(sp - 1, sp - 1 - ip.arg)
    ip += 1
    VERBS_DISPATCH(ip.op)

    VERBS_LABEL(I_POP)
    sp -= 1
    ip += 1
    VERBS_DISPATCH(ip.op)

    VERBS_LABEL(I_JUMP)
    sp -= 1
    t = verbs_jump_index(a, sp)
    if t < 0:
        r = H_INVALID_JUMP
        VERBS_GOTO(L_EXIT)
    ip = a.instrs + t
    VERBS_DISPATCH(ip.op)

    VERBS_LABEL(I_JUMPI)
    sp -= 2
    if u256_is_zero(sp):
        ip += 1
    else:
        t = verbs_jump_index(a, sp + 1)
        if t < 0:
            r = H_INVALID_JUMP
            VERBS_GOTO(L_EXIT)
        ip = a.instrs + t
    VERBS_DISPATCH(ip.op)

    VERBS_LABEL(I_JUMP_STATIC)
    if ip.arg < 0:
        r = H_INVALID_JUMP
        VERBS_GOTO(L_EXIT)
    ip = a.instrs + ip.arg
    VERBS_DISPATCH(ip.op)

    VERBS_LABEL(I_JUMPI_STATIC)
    sp -= 1
    if u256_is_zero(sp):
        ip += 1
    else:
        if ip.arg < 0:
            r = H_INVALID_JUMP
            VERBS_GOTO(L_EXIT)
        ip = a.instrs + ip.arg
    VERBS_DISPATCH(ip.op)

    VERBS_LABEL(I_PC)
    u256_set_u64(sp, ip.pc)
    sp += 1
    ip += 1
    VERBS_DISPATCH(ip.op)

    VERBS_LABEL(I_ISZERO)
    u256_set_u64(sp - 1, u256_is_zero(sp - 1))
    ip += 1
    VERBS_DISPATCH(ip.op)

    VERBS_LABEL(I_NOT)
    u256_not(sp - 1, sp - 1)
    ip += 1
    VERBS_DISPATCH(ip.op)

    VERBS_LABEL(I_CLZ)
    u256_clz(sp - 1, sp - 1)
    ip += 1
    VERBS_DISPATCH(ip.op)

    VERBS_LABEL(I_ADD)
    u256_add(sp - 2, sp - 1, sp - 2)
    sp -= 1
    ip += 1
    VERBS_DISPATCH(ip.op)

    VERBS_LABEL(I_MUL)
    u256_mul(sp - 2, sp - 1, sp - 2)
    sp -= 1
    ip += 1
    VERBS_DISPATCH(ip.op)

    VERBS_LABEL(I_SUB)
    u256_sub(sp - 2, sp - 1, sp - 2)
    sp -= 1
    ip += 1
    VERBS_DISPATCH(ip.op)

    VERBS_LABEL(I_DIV)
    u256_div(sp - 2, sp - 1, sp - 2)
    sp -= 1
    ip += 1
    VERBS_DISPATCH(ip.op)

    VERBS_LABEL(I_SDIV)
    u256_sdiv(sp - 2, sp - 1, sp - 2)
    sp -= 1
    ip += 1
    VERBS_DISPATCH(ip.op)

    VERBS_LABEL(I_MOD)
    u256_mod(sp - 2, sp - 1, sp - 2)
    sp -= 1
    ip += 1
    VERBS_DISPATCH(ip.op)

    VERBS_LABEL(I_SMOD)
    u256_smod(sp - 2, sp - 1, sp - 2)
    sp -= 1
    ip += 1
    VERBS_DISPATCH(ip.op)

    VERBS_LABEL(I_SIGNEXTEND)
    u256_signextend(sp - 2, sp - 1, sp - 2)
    sp -= 1
    ip += 1
    VERBS_DISPATCH(ip.op)

    VERBS_LABEL(I_AND)
    u256_and(sp - 2, sp - 1, sp - 2)
    sp -= 1
    ip += 1
    VERBS_DISPATCH(ip.op)

    VERBS_LABEL(I_OR)
    u256_or(sp - 2, sp - 1, sp - 2)
    sp -= 1
    ip += 1
    VERBS_DISPATCH(ip.op)

    VERBS_LABEL(I_XOR)
    u256_xor(sp - 2, sp - 1, sp - 2)
    sp -= 1
    ip += 1
    VERBS_DISPATCH(ip.op)

    VERBS_LABEL(I_BYTE)
    u256_byte(sp - 2, sp - 1, sp - 2)
    sp -= 1
    ip += 1
    VERBS_DISPATCH(ip.op)

    VERBS_LABEL(I_SHL)
    u256_shl(sp - 2, sp - 1, sp - 2)
    sp -= 1
    ip += 1
    VERBS_DISPATCH(ip.op)

    VERBS_LABEL(I_SHR)
    u256_shr(sp - 2, sp - 1, sp - 2)
    sp -= 1
    ip += 1
    VERBS_DISPATCH(ip.op)

    VERBS_LABEL(I_SAR)
    u256_sar(sp - 2, sp - 1, sp - 2)
    sp -= 1
    ip += 1
    VERBS_DISPATCH(ip.op)

    VERBS_LABEL(I_ADDMOD)
    u256_addmod(sp - 3, sp - 1, sp - 2, sp - 3)
    sp -= 2
    ip += 1
    VERBS_DISPATCH(ip.op)

    VERBS_LABEL(I_MULMOD)
    u256_mulmod(sp - 3, sp - 1, sp - 2, sp - 3)
    sp -= 2
    ip += 1
    VERBS_DISPATCH(ip.op)

    VERBS_LABEL(I_LT)
    u256_set_u64(sp - 2, u256_lt(sp - 1, sp - 2))
    sp -= 1
    ip += 1
    VERBS_DISPATCH(ip.op)

    VERBS_LABEL(I_GT)
    u256_set_u64(sp - 2, u256_gt(sp - 1, sp - 2))
    sp -= 1
    ip += 1
    VERBS_DISPATCH(ip.op)

    VERBS_LABEL(I_SLT)
    u256_set_u64(sp - 2, u256_slt(sp - 1, sp - 2))
    sp -= 1
    ip += 1
    VERBS_DISPATCH(ip.op)

    VERBS_LABEL(I_SGT)
    u256_set_u64(sp - 2, u256_sgt(sp - 1, sp - 2))
    sp -= 1
    ip += 1
    VERBS_DISPATCH(ip.op)

    VERBS_LABEL(I_EQ)
    u256_set_u64(sp - 2, u256_eq(sp - 1, sp - 2))
    sp -= 1
    ip += 1
    VERBS_DISPATCH(ip.op)

    VERBS_LABEL(I_ADDRESS)
    f.sp = <int>(sp - stack)
    address(self, f)
    sp = stack + f.sp
    ip += 1
    VERBS_DISPATCH(ip.op)

    VERBS_LABEL(I_CALLER)
    f.sp = <int>(sp - stack)
    caller(self, f)
    sp = stack + f.sp
    ip += 1
    VERBS_DISPATCH(ip.op)

    VERBS_LABEL(I_CALLVALUE)
    f.sp = <int>(sp - stack)
    callvalue(self, f)
    sp = stack + f.sp
    ip += 1
    VERBS_DISPATCH(ip.op)

    VERBS_LABEL(I_CALLDATALOAD)
    f.sp = <int>(sp - stack)
    calldataload(self, f)
    sp = stack + f.sp
    ip += 1
    VERBS_DISPATCH(ip.op)

    VERBS_LABEL(I_CALLDATASIZE)
    f.sp = <int>(sp - stack)
    calldatasize(self, f)
    sp = stack + f.sp
    ip += 1
    VERBS_DISPATCH(ip.op)

    VERBS_LABEL(I_CODESIZE)
    f.sp = <int>(sp - stack)
    codesize(self, f)
    sp = stack + f.sp
    ip += 1
    VERBS_DISPATCH(ip.op)

    VERBS_LABEL(I_RETURNDATASIZE)
    f.sp = <int>(sp - stack)
    returndatasize(self, f)
    sp = stack + f.sp
    ip += 1
    VERBS_DISPATCH(ip.op)

    VERBS_LABEL(I_MLOAD)
    f.sp = <int>(sp - stack)
    f.gas = gas + ip.arg
    f.pc = ip.pc + 1
    r = mload(self, f)
    if r:
        VERBS_GOTO(L_DONE)
    sp = stack + f.sp
    gas = f.gas - ip.arg
    if gas < 0:
        VERBS_GOTO(L_PLAIN)
    ip += 1
    VERBS_DISPATCH(ip.op)

    VERBS_LABEL(I_MSTORE)
    f.sp = <int>(sp - stack)
    f.gas = gas + ip.arg
    f.pc = ip.pc + 1
    r = mstore(self, f)
    if r:
        VERBS_GOTO(L_DONE)
    sp = stack + f.sp
    gas = f.gas - ip.arg
    if gas < 0:
        VERBS_GOTO(L_PLAIN)
    ip += 1
    VERBS_DISPATCH(ip.op)

    VERBS_LABEL(I_KECCAK256)
    f.sp = <int>(sp - stack)
    f.gas = gas + ip.arg
    f.pc = ip.pc + 1
    r = keccak(self, f)
    if r:
        VERBS_GOTO(L_DONE)
    sp = stack + f.sp
    gas = f.gas - ip.arg
    if gas < 0:
        VERBS_GOTO(L_PLAIN)
    ip += 1
    VERBS_DISPATCH(ip.op)

    VERBS_LABEL(I_GENERIC)
    f.sp = <int>(sp - stack)
    f.gas = gas + ip.arg
    f.pc = ip.pc + 1
    r = step(self, f, ip.evm_op)
    if r:
        VERBS_GOTO(L_DONE)
    sp = stack + f.sp
    gas = f.gas - ip.arg
    if gas < 0:
        VERBS_GOTO(L_PLAIN)
    ip += 1
    VERBS_DISPATCH(ip.op)

    # the plain loop from f.pc with the exact gas f.gas (and f.sp)
    VERBS_LABEL(L_PLAIN)
    f.sp = <int>(sp - stack)
    r = run(self, f)
    VERBS_GOTO(L_DONE)

    VERBS_LABEL(L_EXIT)
    f.gas = gas
    f.sp = <int>(sp - stack)
    VERBS_LABEL(L_DONE)
    return r


cdef int step(Interpreter self, Frame *f, int op) except -1 nogil:
    """The handlers that charge dynamic gas, read the pc or gas, or call out (``run``'s
    other half; f.pc and f.gas are current)."""
    if op == OP_EXP:
        return exp(self, f)
    elif op == OP_BALANCE:
        return balance(self, f)
    elif op == OP_ORIGIN:
        return origin(self, f)
    elif op == OP_CALLDATACOPY:
        return calldatacopy(self, f)
    elif op == OP_CODECOPY:
        return codecopy(self, f)
    elif op == OP_GASPRICE:
        return gasprice(self, f)
    elif op == OP_EXTCODESIZE:
        return extcodesize(self, f)
    elif op == OP_EXTCODECOPY:
        return extcodecopy(self, f)
    elif op == OP_RETURNDATACOPY:
        return returndatacopy(self, f)
    elif op == OP_EXTCODEHASH:
        return extcodehash(self, f)
    elif op == OP_BLOCKHASH:
        return block_hash(self, f)
    elif op == OP_COINBASE:
        return coinbase(self, f)
    elif op == OP_TIMESTAMP:
        return timestamp(self, f)
    elif op == OP_NUMBER:
        return number(self, f)
    elif op == OP_PREVRANDAO:
        return prev_randao(self, f)
    elif op == OP_GASLIMIT:
        return gas_limit(self, f)
    elif op == OP_CHAINID:
        return chain_id(self, f)
    elif op == OP_SELFBALANCE:
        return self_balance(self, f)
    elif op == OP_BASEFEE:
        return base_fee(self, f)
    elif op == OP_BLOBHASH:
        return blob_hash(self, f)
    elif op == OP_BLOBBASEFEE:
        return blob_base_fee(self, f)
    elif op == OP_MSTORE8:
        return mstore8(self, f)
    elif op == OP_SLOAD:
        return sload(self, f)
    elif op == OP_SSTORE:
        return sstore(self, f)
    elif op == OP_MSIZE:
        return msize(self, f)
    elif op == OP_GAS:
        return gas(self, f)
    elif op == OP_TLOAD:
        return tload(self, f)
    elif op == OP_TSTORE:
        return tstore(self, f)
    elif op == OP_MCOPY:
        return mcopy(self, f)
    elif op in (OP_LOG0, OP_LOG1, OP_LOG2, OP_LOG3, OP_LOG4):
        return log_n(self, f, op - OP_LOG0)
    elif op == OP_CREATE:
        return create(self, f, 0)
    elif op == OP_CALL:
        return call(self, f, OP_CALL)
    elif op == OP_CALLCODE:
        return call(self, f, OP_CALLCODE)
    elif op == OP_RETURN:
        return return_(self, f)
    elif op == OP_DELEGATECALL:
        return call(self, f, OP_DELEGATECALL)
    elif op == OP_CREATE2:
        return create(self, f, 1)
    elif op == OP_STATICCALL:
        return call(self, f, OP_STATICCALL)
    elif op == OP_REVERT:
        return revert(self, f)
    elif op == OP_SELFDESTRUCT:
        return selfdestruct(self, f)
    return H_INVALID_OPCODE


# ------------------------------------------------------------------------------------------
# the opcode handlers, one file per family of the execution specs

include "instructions/arithmetic.pxi"
include "instructions/comparison.pxi"
include "instructions/bitwise.pxi"
include "instructions/keccak.pxi"
include "instructions/environment.pxi"
include "instructions/block.pxi"
include "instructions/stack.pxi"
include "instructions/memory.pxi"
include "instructions/storage.pxi"
include "instructions/control_flow.pxi"
include "instructions/log.pxi"
include "instructions/system.pxi"


# ------------------------------------------------------------------------------------------
# Python-level helpers (CREATE addresses for the envs; test hooks are in _testing.pyx)

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
