# The EVM interpreter: frames, memory, the loop, the opcode handlers, the CALL/CREATE family
# and precompile dispatch.  evm.pyx prepares a Message for a transaction and calls execute().

cimport cython
from libc.stdint cimport uint8_t, int64_t, uint64_t

from verbs._evm.u256 cimport u256
from verbs._evm.state cimport State, Code
from verbs._evm.hardforks cimport Schedule
from verbs._evm.analysis cimport verbs_analysis


# Why a frame stopped.  Success: STOP, RETURN, SELFDESTRUCT.  REVERT keeps the gas left;
# every code from H_OUT_OF_GAS on is an exceptional halt (all gas consumed, output empty).
cdef enum:
    H_CONTINUE = 0
    H_STOP = 1
    H_RETURN = 2
    H_SELFDESTRUCT = 3
    H_REVERT = 4
    H_OUT_OF_GAS = 5
    H_INVALID_OPCODE = 6
    H_INVALID_JUMP = 7
    H_STACK_UNDERFLOW = 8
    H_STACK_OVERFLOW = 9
    H_STATIC_VIOLATION = 10
    H_CREATE_COLLISION = 11
    H_RETURNDATA_OUT_OF_BOUNDS = 12
    H_INVALID_CONTRACT_PREFIX = 13
    H_PRECOMPILE_FAILURE = 14
    H_N = 15
    # Why a CALL or CREATE made no frame at all (the caller goes on with 0 pushed).  Only a
    # tracer sees these: the call tracer reports such calls as frames, as geth and revm do.
    T_INSUFFICIENT_BALANCE = 16
    T_CALL_DEPTH = 17
    T_NONCE_OVERFLOW = 18
    # Finer causes of a halt, for a tracer's error text (revm tells them apart).
    T_OUT_OF_GAS_MEMORY = 19
    T_OUT_OF_GAS_SENTRY = 20
    T_INVALID_FE = 21
    T_STATIC_CALL_VALUE = 22


cdef struct BlockEnv:
    uint8_t coinbase[20]
    uint64_t number
    uint64_t timestamp
    uint64_t gas_limit
    u256 base_fee
    u256 prevrandao
    u256 chain_id
    u256 blob_base_fee


cdef struct TxEnv:
    uint8_t origin[20]
    u256 gas_price
    const uint8_t *blob_hashes      # n_blob_hashes * 32 bytes
    size_t n_blob_hashes


# A message call or contract creation (the spec's Message).
cdef struct Message:
    uint8_t caller[20]
    uint8_t target[20]              # current_target: storage, ADDRESS, balance
    uint8_t code_address[20]        # whose code runs (precompile dispatch)
    u256 value
    const uint8_t *data
    size_t data_size
    const uint8_t *code
    size_t code_size
    const uint8_t *jumpdests        # NULL: analysed into the frame's buffer (initcode)
    const verbs_analysis *analysis  # NULL: analysed into the frame's buffer (initcode)
    int64_t gas
    int depth
    uint8_t is_static
    uint8_t is_create
    uint8_t should_transfer_value
    uint8_t disable_precompiles
    uint8_t kind                    # OP_CALL .. OP_CREATE2: how it was made (for a tracer)


# What a message left behind.  `output` points into interpreter-owned buffers: valid until the
# next message at the same depth.
cdef struct Outcome:
    int halt
    int64_t gas_left
    const uint8_t *output
    size_t output_size


# One execution frame; a pool of up to DEPTH_LIMIT + 2 of them lives in the Interpreter (each
# made when its depth is first reached) and their buffers are reused from call to call.
cdef struct Frame:
    u256 *stack                     # STACK_LIMIT words
    int sp                          # number of items on the stack
    uint8_t *mem
    uint64_t mem_size               # bytes in use (a multiple of 32)
    uint64_t mem_cap
    uint8_t *ret                    # return data of the last call made from this frame
    uint64_t ret_size
    uint64_t ret_cap
    uint8_t *jd                     # jumpdest bitmap for initcode
    uint64_t jd_cap
    uint8_t *an                     # instruction analysis of initcode (verbs_analysis)
    uint64_t an_cap
    const uint8_t *code
    uint64_t code_size
    const uint8_t *jumpdests
    uint64_t pc
    int64_t gas
    uint64_t out_off                # RETURN/REVERT region of mem
    uint64_t out_size
    Message *msg
    uint8_t oog_cause               # set on an out-of-gas halt only: T_OUT_OF_GAS_MEMORY or _SENTRY


# A remembered keccak256 of 64 bytes (Solidity's mapping slots: keccak256(key . slot)).
cdef struct KeccakMemo:
    uint8_t valid
    uint8_t data[64]
    uint8_t hash[32]


cdef struct LogRec:
    uint8_t address[20]
    int n_topics
    uint8_t topics[4][32]
    size_t data_off                 # into Interpreter.log_data
    size_t data_size


@cython.final
cdef class Interpreter:
    cdef State state
    cdef Schedule sched
    cdef BlockEnv block
    cdef TxEnv tx
    cdef Frame **frames             # DEPTH_LIMIT + 2 slots, each made on first use
    cdef int64_t refund             # the transaction's refund counter (journaled by frames)
    cdef LogRec *logs
    cdef size_t n_logs
    cdef size_t logs_cap
    cdef uint8_t *log_data
    cdef uint64_t log_data_size
    cdef uint64_t log_data_cap
    cdef object blob_hashes         # bytes backing tx.blob_hashes
    cdef object run_precompile      # precompiles.run_precompile
    cdef int max_depth              # the deepest frame used since begin_tx
    cdef int frames_allocated       # frames[0:frames_allocated] may be made
    cdef KeccakMemo *kmemo          # KMEMO_SIZE entries, direct-mapped (NULL until needed)
    # The call tracer (verbs.trace.recorder.Recorder) or None.  Only messages, logs and
    # self-destructs call it, behind one flag test each: the loop itself never looks.
    cdef object tracer
    cdef bint tracing
    cdef public bint analysed       # run analysed code (False: the plain loop, for tracers)

    cdef int execute(self, Message *m, Outcome *o) except -1 nogil
    cdef int begin_tx(self, const uint8_t *origin, const u256 *gas_price,
                      bytes blob_hashes) except -1
    cdef int warm_account(self, const uint8_t *addr) except -1 nogil
    cdef list take_logs(self)
    cdef int trace_enter(self, const Message *m) except -1 with gil
    cdef int trace_exit(self, int halt, const uint8_t *output, size_t output_size,
                        int64_t gas_left) except -1 with gil
    cdef int trace_cause(self, const Frame *f, int halt) noexcept nogil
    cdef int trace_failed(self, const Message *m, int reason) except -1 with gil
