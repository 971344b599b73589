# The journaled, copy-on-write world state of the EVM (see docs/internals.md and
# ARCHITECTURE.md "State: journaled and copy-on-write").  This file is the contract between
# the state (state.pyx) and the interpreter/transaction code (interpreter.pyx, evm.pyx).
#
# Conventions
# - An address is `const uint8_t *` pointing at 20 bytes; a slot or value is a `u256`.
# - Every mutating method is journaled: `revert(cp)` undoes all changes made after
#   `cp = checkpoint()`.  `commit_tx()` ends a transaction: it keeps the changes, deletes the
#   accounts EIP-161/EIP-6780 say to delete, and clears the per-transaction sets (warm
#   accounts/slots, transient storage, original values, created-in-this-tx set, journal).
#   `discard_tx()` reverts to the start of the transaction and clears the same sets (a call
#   without commit, or an invalid transaction).
# - Methods that may call Python (the Backend, on a miss) are `except -1` and need no GIL
#   from the caller: they take it themselves (`with gil`) at that one point.  The interpreter
#   holds no GIL; an exception raised by the Backend propagates as -1 and the caller ends the
#   transaction with that error.
# - Reads of an account that does not exist return zeros/empty code; they do not create it.
# - Every account write (set_balance, add_balance, a successful sub_balance, set_nonce,
#   set_code, create_account) also marks the account touched (EIP-161), as does touch();
#   storage writes do not.  add_balance wraps modulo 2**256.
# - The Python-level export_snapshot(), set_account() and set_storage() raise RuntimeError
#   inside a transaction (a non-empty journal): call them between commit_tx/discard_tx.

cimport cython
from libc.stdint cimport uint8_t, uint32_t, uint64_t, int64_t
from verbs._evm.u256 cimport u256
from verbs._evm.code cimport Code
from verbs._evm.analysis cimport verbs_analysis
from verbs._evm.hardforks cimport Schedule

# C data structures of state_tables.h (tables, records, journal entries, layers).
cdef extern from "state_tables.h" nogil:
    enum:
        ADDR_LEN                  # an account key: the address
        SKEY_LEN                  # a slot key: address, 4 zero bytes, the slot's four limbs
    ctypedef struct vtable:
        uint8_t *data
        size_t cap
        size_t count
        uint32_t ksize
        uint32_t voff
        uint32_t esize
    ctypedef struct acct_t:
        uint8_t status
        uint64_t nonce
        uint64_t inc
        int64_t nz
        void *code
        u256 balance
    ctypedef struct slot_t:
        uint64_t inc
        u256 value
    ctypedef union jentry_u:
        acct_t acct
        slot_t slot
    ctypedef struct jentry_t:
        uint32_t kind
        uint32_t was_present
        uint8_t key[SKEY_LEN]
        jentry_u u
    ctypedef struct layer_t:
        int64_t refcount
        layer_t *parent
        int64_t depth
        vtable accts
        vtable slots


# A frozen, immutable chain of layers (snapshot.pxi), shared by States built from it.
cdef class Snapshot:
    cdef layer_t *layer


@cython.final
cdef class State:
    # --- C internals (state.pyx) -------------------------------------------------------------
    cdef layer_t *top             # the mutable top layer; its parent chain is frozen and shared
    cdef object backend           # None (the empty backend) or the Backend object
    cdef bint has_backend
    # per-transaction sets and tables (cleared by commit_tx/discard_tx)
    cdef vtable warm_accts        # address
    # address + slot -> txslot_t: warmth (EIP-2929) and the original value (EIP-2200;
    # recorded at the first sstore) in one record
    cdef vtable warm_slots
    cdef vtable created           # address (EIP-6780)
    cdef vtable destructed        # address
    cdef vtable touched           # address (EIP-161)
    cdef vtable transient         # address + slot -> u256 (EIP-1153)
    cdef vtable blockhashes       # number (8 bytes) -> 32 bytes (a cache of Backend answers)
    cdef jentry_t *journal
    cdef Py_ssize_t jlen
    cdef Py_ssize_t jcap
    # the slot key of the last sstore_prepare (its hash and the account's incarnation), reused
    # by sstore_known; invalidated by anything that can change an incarnation
    cdef uint8_t pkey[SKEY_LEN]
    cdef uint64_t phash
    cdef uint64_t pinc
    cdef bint pvalid
    # the block checkpoint (begin_block/commit_block/discard_block): the top layer when the
    # block began, now the parent of the block's own top layer; NULL outside a block
    cdef layer_t *block_base
    cdef layer_t *block_spare     # an emptied block layer kept for the next block (or NULL)

    cdef acct_t *_find_acct(self, const uint8_t *addr) except NULL nogil
    cdef acct_t *_acct_top(self, const uint8_t *addr, int *was_present) except NULL nogil
    cdef acct_t *_acct_for_write(self, const uint8_t *addr) except NULL nogil
    cdef acct_t *_acct_journaled(self, const uint8_t *addr) except NULL nogil
    cdef jentry_t *_jpush(self, uint32_t kind) except NULL nogil
    cdef int _set_insert(self, vtable *t, uint32_t kind, const uint8_t *key) except -1 nogil
    cdef int _sload_inc(self, const uint8_t *addr, uint64_t inc, const u256 *key,
                        u256 *out) except -1 nogil
    cdef int _fetch_account(self, const uint8_t *addr) except -1 with gil
    cdef int _fetch_slot(self, const uint8_t *skey, u256 *out) except -1 with gil
    cdef int _fetch_block_hash(self, uint64_t number, uint8_t *out32) except -1 with gil
    cdef int _delete_account(self, const uint8_t *addr) except -1 nogil
    cdef void _journal_clear(self) noexcept nogil
    cdef void _clear_tx_sets(self) noexcept nogil
    cdef int _slot_read(self, const uint8_t *k, uint64_t h, uint64_t inc,
                        u256 *out) except -1 nogil
    cdef int _slot_write(self, const uint8_t *addr, const uint8_t *k, uint64_t h, uint64_t inc,
                         const u256 *current, const u256 *value) except -1 nogil
    cdef int _warm_slot_h(self, const uint8_t *k, uint64_t h) except -1 nogil

    # Python-level API (def methods, for evm.pyx, the envs and tests; see state.pyi):
    #   State(backend=None, snapshot=None);
    #   set_account(address, *, nonce=0, balance=0, code=b"", storage=None);
    #   set_storage(address, slot, value); get_storage(address, slot);
    #   get_balance/get_nonce/get_code/account_exists(address) (the cdef API reads the same
    #   through read_balance/read_nonce/read_code/has_account);
    #   dump() -> {address: (nonce, balance, code, {slot: value != 0})};
    #   export_snapshot() -> Snapshot (snapshot.pxi: ==, to_bytes(), from_bytes(), pickling);
    #   begin_block(), commit_block(), discard_block(): a checkpoint around several
    #   transactions (a new top layer, merged down or dropped; see state.pyx).

    # --- accounts -------------------------------------------------------------------------
    cdef int has_account(self, const uint8_t *addr) except -1 nogil
        # 1 if the account is present (even if empty), else 0
    cdef int account_is_empty(self, const uint8_t *addr) except -1 nogil
        # 1 if absent, or nonce == 0, balance == 0 and no code (EIP-161 "empty")
    cdef int read_balance(self, const uint8_t *addr, u256 *out) except -1 nogil
    cdef int set_balance(self, const uint8_t *addr, const u256 *value) except -1 nogil
        # creates the account if absent
    cdef int add_balance(self, const uint8_t *addr, const u256 *value) except -1 nogil
        # creates the account if absent (value may be zero: it then "touches" it, EIP-161)
    cdef int sub_balance(self, const uint8_t *addr, const u256 *value) except -1 nogil
        # returns 1 on success, 0 if the balance is too low (nothing changed)
    cdef int read_nonce(self, const uint8_t *addr, uint64_t *out) except -1 nogil
    cdef int set_nonce(self, const uint8_t *addr, uint64_t nonce) except -1 nogil
    cdef int read_code(self, const uint8_t *addr, Code **out) except -1 nogil
        # *out is never NULL (an empty Code for accounts without code); borrowed reference,
        # valid until the end of the transaction
    cdef int set_code(self, const uint8_t *addr, const uint8_t *data, size_t size) except -1 nogil
    cdef int get_code_hash(self, const uint8_t *addr, uint8_t *out32) except -1 nogil
        # keccak256 of the code (the empty hash for an existing account without code);
        # all zeros for an account that does not exist or is empty (EXTCODEHASH rules)
    cdef const uint8_t *code_jumpdests(self, Code *code) noexcept nogil
    cdef const verbs_analysis *code_analysis(self, Code *code, const Schedule *sched
                                             ) noexcept nogil
        # the jumpdest bitmap, computed and cached on first call; NULL only if out of memory
    cdef int create_account(self, const uint8_t *addr) except -1 nogil
        # CREATE/CREATE2 target: keeps the balance, resets nonce to 0, clears code and
        # storage (and marks it created in this transaction, for EIP-6780)
    cdef int has_storage(self, const uint8_t *addr) except -1 nogil
        # 1 if the account has a non-zero storage slot (EIP-7610: a CREATE target with storage
        # is a collision), else 0.  O(1): exact when the storage is all local (no Backend, or the
        # account was created/deleted/replaced locally); for storage that may come from the
        # Backend it also asks `backend.has_storage(address) -> bool` (with the GIL) if the
        # Backend defines it, and otherwise counts only local writes.
    cdef int create_collision(self, const uint8_t *addr) except -1 nogil
        # EIP-7610: 1 if a CREATE/CREATE2 (or creating transaction) at addr collides with an
        # account that has a nonce, code or storage, else 0
    cdef int was_created_in_tx(self, const uint8_t *addr) except -1 nogil
    cdef int mark_selfdestruct(self, const uint8_t *addr) except -1 nogil
        # the account is deleted (balance, nonce, code, storage) by commit_tx(); the caller
        # applies the fork's rule (EIP-6780 from Cancun: only accounts created in this
        # transaction; Shanghai: any account)
    cdef int touch(self, const uint8_t *addr) except -1 nogil
        # EIP-161: mark the account touched; commit_tx() deletes touched empty accounts

    # --- storage ----------------------------------------------------------------------------
    cdef int sload(self, const uint8_t *addr, const u256 *key, u256 *out) except -1 nogil
        # the current value (get_storage, get_original's fallback)
    cdef int sstore(self, const uint8_t *addr, const u256 *key, const u256 *value) except -1 nogil
        # a plain journaled write recording the EIP-2200 original (no warming); the engine
        # writes through sstore_prepare/sstore_known, the tests and timing loops through this
    # the interpreter's SLOAD/SSTORE: one hash of the slot key each
    cdef int sload_warm(self, const uint8_t *addr, const u256 *key, u256 *out) except -1 nogil
        # = warm_slot + sload: *out = the value; returns 1 if the slot was already warm, else 0
    cdef int sstore_prepare(self, const uint8_t *addr, const u256 *key, u256 *original,
                            u256 *current) except -1 nogil
        # = get_original + sload + warm_slot: fills the EIP-2200 original and current values,
        # warms the slot; returns 1 if it was already warm, else 0
    cdef int sstore_known(self, const uint8_t *addr, const u256 *key, const u256 *current,
                          const u256 *value) except -1 nogil
        # = sstore, given `current` (the slot's present value, as sstore_prepare returned it);
        # reuses sstore_prepare's work when called right after it for the same slot
    cdef int get_original(self, const uint8_t *addr, const u256 *key, u256 *out) except -1 nogil
        # the value at the start of the transaction (EIP-2200 "original value"); 0 for an
        # account created in this transaction
    cdef int tload(self, const uint8_t *addr, const u256 *key, u256 *out) except -1 nogil
    cdef int tstore(self, const uint8_t *addr, const u256 *key, const u256 *value) except -1 nogil

    # --- EIP-2929 access sets (per transaction, journaled) ---------------------------------
    cdef int warm_account(self, const uint8_t *addr) except -1 nogil
        # marks the address warm; returns 1 if it was already warm, 0 if it was cold
    cdef int warm_slot(self, const uint8_t *addr, const u256 *key) except -1 nogil
        # marks the slot warm; returns 1 if it was already warm, 0 if it was cold

    # --- block hashes -------------------------------------------------------------------------
    cdef int block_hash(self, uint64_t number, uint8_t *out32) except -1 nogil
        # asks the Backend (cached); without a Backend, simulated_block_hash(number)
        # (state.pyx: keccak256 of the decimal number); the caller applies the 256-block window

    # --- journal ----------------------------------------------------------------------------
    cdef Py_ssize_t checkpoint(self) noexcept nogil
    cdef void revert(self, Py_ssize_t cp) noexcept nogil
    cdef int commit_tx(self) except -1 nogil
    cdef void discard_tx(self) noexcept nogil
    cdef int _merge_block(self) except -1 nogil
