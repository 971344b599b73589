# The opcode table and the fork rules, as C data for the interpreter and the transaction code.
# hardforks.pyx fills them from one Python table of opcodes and one base schedule plus per-fork
# deltas; nothing else states a stack effect, a static gas cost or a fork rule.

from libc.stdint cimport uint8_t, int32_t, int64_t, uint64_t

cdef enum:
    SHANGHAI = 0
    CANCUN = 1
    PRAGUE = 2
    OSAKA = 3
    N_FORKS = 4
    STACK_LIMIT = 1024
    DEPTH_LIMIT = 1024
    N_PRECOMPILE_SLOTS = 0x101     # precompile addresses 0x01..0x100 (a bitmap below)


# One row of the opcode table, as the loop reads it.  `defined` is 0 for bytes that are not an
# opcode in the schedule's fork (the table's "fork introduced" column decides).
cdef struct OpInfo:
    uint8_t defined
    uint8_t immediate       # immediate bytes after the opcode (PUSHn: n)
    uint8_t inputs          # stack items read (underflow if fewer)
    uint8_t outputs         # stack items written
    int32_t max_height      # STACK_LIMIT + inputs - outputs: overflow if the height exceeds it
    int32_t gas             # static gas, charged by the loop before the handler


# Everything the interpreter and the transaction code need to know about a fork, after the
# Rules relaxations and blob schedule overrides have been applied.
cdef struct Schedule:
    int fork
    OpInfo ops[256]
    # EIP-2929 access costs
    int64_t warm_access
    int64_t cold_account_access
    int64_t cold_sload
    # EIP-2200/3529 SSTORE
    int64_t sstore_set
    int64_t sstore_reset
    int64_t sstore_clears_refund
    int64_t sstore_sentry          # SSTORE fails when gas left <= this (the call stipend)
    # calls, creates, selfdestruct
    int64_t call_value
    int64_t call_stipend
    int64_t new_account
    int64_t selfdestruct_new_account
    int64_t code_deposit
    int64_t initcode_word
    # per-word and per-byte costs
    int64_t memory_word
    int64_t copy_word
    int64_t keccak_word
    int64_t log_data
    int64_t exp_byte
    # limits
    int64_t max_code_size          # EIP-170
    int64_t max_initcode_size      # EIP-3860
    int64_t refund_quotient        # EIP-3529: refund <= gas used / quotient
    # intrinsic gas
    int64_t tx_base
    int64_t tx_create
    int64_t tx_data_zero
    int64_t tx_data_nonzero
    int64_t tx_floor_token         # EIP-7623 floor cost per calldata token (0: no floor)
    int64_t tx_access_list_address
    int64_t tx_access_list_storage_key
    int64_t auth_empty_account     # EIP-7702 PER_EMPTY_ACCOUNT_COST
    int64_t auth_base              # EIP-7702 PER_AUTH_BASE_COST
    uint64_t tx_gas_cap            # EIP-7825 (0: no cap)
    uint64_t tx_types              # bitmask of the allowed transaction types
    # EIP-4844 blobs
    uint64_t blob_gas_per_blob
    uint64_t blob_target
    uint64_t blob_max              # per block
    uint64_t blob_tx_max           # per transaction: min(blob_tx_limit, blob_max) (EIP-7594)
    uint64_t blob_update_fraction
    uint64_t blob_min_price
    # behaviour switches (fork rules as data)
    uint8_t selfdestruct_eip6780   # only accounts created in the transaction are deleted
    uint8_t delegation_eip7702     # calls follow 0xef0100 designations
    uint8_t warm_coinbase          # EIP-3651
    # Rules relaxations (simulation environments)
    uint8_t eip3607                # reject senders with code (other than a designation)
    uint8_t check_nonce
    uint8_t check_balance
    uint8_t charge_fees
    uint8_t block_gas_limit_binds
    # precompiles: bitmap over addresses 0..0x100
    uint8_t precompile[N_PRECOMPILE_SLOTS]


cdef int fill_schedule(Schedule *s, int fork, object rules, object blob_schedule) except -1
