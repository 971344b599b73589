"""The opcode table and the fork rules (Shanghai, Cancun, Prague, Osaka) as data.

* ``OPCODES`` is the one opcode table: byte, name, immediate bytes, stack inputs, stack outputs,
  static gas and the fork that introduced it.  The interpreter's generic stack and static-gas
  checks read it (through ``Schedule.ops``); handlers never repeat them.
* ``BASE_SCHEDULE`` (Shanghai) plus ``FORK_DELTAS`` give every gas constant, limit and switch of
  each fork; ``schedule(fork)`` returns the merged values as a dict.
* ``Rules`` relaxes mainnet rules for simulation environments (no gas cap, larger code, ...).
"""

from libc.string cimport memset

FORK_NAMES = ("Shanghai", "Cancun", "Prague", "Osaka")
DEFAULT_FORK = "Osaka"
PRE_SHANGHAI = -1      # "fork introduced" of opcodes older than the first supported fork

_FORK_ALIASES = {name.lower(): i for i, name in enumerate(FORK_NAMES)}


def fork_id(fork) -> int:
    """The fork id (SHANGHAI=0 .. OSAKA=3) of a name such as ``"Osaka"`` (or an id)."""
    if isinstance(fork, int):
        if 0 <= fork < N_FORKS:
            return fork
        raise ValueError(f"unknown fork id {fork}")
    try:
        return _FORK_ALIASES[str(fork).lower()]
    except KeyError:
        raise ValueError(f"unsupported fork {fork!r} (one of {', '.join(FORK_NAMES)})") from None


def fork_name(int fork) -> str:
    return FORK_NAMES[fork]


# --------------------------------------------------------------------------------------------
# The opcode table: (byte, name, immediate, inputs, outputs, static gas, fork introduced).
# Dynamic costs (memory expansion, copies, cold access, SSTORE, calls) are charged by handlers.
_P = PRE_SHANGHAI
_ROWS = [
    (0x00, "STOP", 0, 0, 0, 0, _P),
    (0x01, "ADD", 0, 2, 1, 3, _P),
    (0x02, "MUL", 0, 2, 1, 5, _P),
    (0x03, "SUB", 0, 2, 1, 3, _P),
    (0x04, "DIV", 0, 2, 1, 5, _P),
    (0x05, "SDIV", 0, 2, 1, 5, _P),
    (0x06, "MOD", 0, 2, 1, 5, _P),
    (0x07, "SMOD", 0, 2, 1, 5, _P),
    (0x08, "ADDMOD", 0, 3, 1, 8, _P),
    (0x09, "MULMOD", 0, 3, 1, 8, _P),
    (0x0A, "EXP", 0, 2, 1, 10, _P),
    (0x0B, "SIGNEXTEND", 0, 2, 1, 5, _P),
    (0x10, "LT", 0, 2, 1, 3, _P),
    (0x11, "GT", 0, 2, 1, 3, _P),
    (0x12, "SLT", 0, 2, 1, 3, _P),
    (0x13, "SGT", 0, 2, 1, 3, _P),
    (0x14, "EQ", 0, 2, 1, 3, _P),
    (0x15, "ISZERO", 0, 1, 1, 3, _P),
    (0x16, "AND", 0, 2, 1, 3, _P),
    (0x17, "OR", 0, 2, 1, 3, _P),
    (0x18, "XOR", 0, 2, 1, 3, _P),
    (0x19, "NOT", 0, 1, 1, 3, _P),
    (0x1A, "BYTE", 0, 2, 1, 3, _P),
    (0x1B, "SHL", 0, 2, 1, 3, _P),
    (0x1C, "SHR", 0, 2, 1, 3, _P),
    (0x1D, "SAR", 0, 2, 1, 3, _P),
    (0x1E, "CLZ", 0, 1, 1, 5, OSAKA),
    (0x20, "KECCAK256", 0, 2, 1, 30, _P),
    (0x30, "ADDRESS", 0, 0, 1, 2, _P),
    (0x31, "BALANCE", 0, 1, 1, 0, _P),
    (0x32, "ORIGIN", 0, 0, 1, 2, _P),
    (0x33, "CALLER", 0, 0, 1, 2, _P),
    (0x34, "CALLVALUE", 0, 0, 1, 2, _P),
    (0x35, "CALLDATALOAD", 0, 1, 1, 3, _P),
    (0x36, "CALLDATASIZE", 0, 0, 1, 2, _P),
    (0x37, "CALLDATACOPY", 0, 3, 0, 3, _P),
    (0x38, "CODESIZE", 0, 0, 1, 2, _P),
    (0x39, "CODECOPY", 0, 3, 0, 3, _P),
    (0x3A, "GASPRICE", 0, 0, 1, 2, _P),
    (0x3B, "EXTCODESIZE", 0, 1, 1, 0, _P),
    (0x3C, "EXTCODECOPY", 0, 4, 0, 0, _P),
    (0x3D, "RETURNDATASIZE", 0, 0, 1, 2, _P),
    (0x3E, "RETURNDATACOPY", 0, 3, 0, 3, _P),
    (0x3F, "EXTCODEHASH", 0, 1, 1, 0, _P),
    (0x40, "BLOCKHASH", 0, 1, 1, 20, _P),
    (0x41, "COINBASE", 0, 0, 1, 2, _P),
    (0x42, "TIMESTAMP", 0, 0, 1, 2, _P),
    (0x43, "NUMBER", 0, 0, 1, 2, _P),
    (0x44, "PREVRANDAO", 0, 0, 1, 2, _P),
    (0x45, "GASLIMIT", 0, 0, 1, 2, _P),
    (0x46, "CHAINID", 0, 0, 1, 2, _P),
    (0x47, "SELFBALANCE", 0, 0, 1, 5, _P),
    (0x48, "BASEFEE", 0, 0, 1, 2, _P),
    (0x49, "BLOBHASH", 0, 1, 1, 3, CANCUN),
    (0x4A, "BLOBBASEFEE", 0, 0, 1, 2, CANCUN),
    (0x50, "POP", 0, 1, 0, 2, _P),
    (0x51, "MLOAD", 0, 1, 1, 3, _P),
    (0x52, "MSTORE", 0, 2, 0, 3, _P),
    (0x53, "MSTORE8", 0, 2, 0, 3, _P),
    (0x54, "SLOAD", 0, 1, 1, 0, _P),
    (0x55, "SSTORE", 0, 2, 0, 0, _P),
    (0x56, "JUMP", 0, 1, 0, 8, _P),
    (0x57, "JUMPI", 0, 2, 0, 10, _P),
    (0x58, "PC", 0, 0, 1, 2, _P),
    (0x59, "MSIZE", 0, 0, 1, 2, _P),
    (0x5A, "GAS", 0, 0, 1, 2, _P),
    (0x5B, "JUMPDEST", 0, 0, 0, 1, _P),
    (0x5C, "TLOAD", 0, 1, 1, 100, CANCUN),
    (0x5D, "TSTORE", 0, 2, 0, 100, CANCUN),
    (0x5E, "MCOPY", 0, 3, 0, 3, CANCUN),
    (0x5F, "PUSH0", 0, 0, 1, 2, SHANGHAI),
]
_ROWS += [(0x60 + n - 1, f"PUSH{n}", n, 0, 1, 3, _P) for n in range(1, 33)]
_ROWS += [(0x80 + n - 1, f"DUP{n}", 0, n, n + 1, 3, _P) for n in range(1, 17)]
_ROWS += [(0x90 + n - 1, f"SWAP{n}", 0, n + 1, n + 1, 3, _P) for n in range(1, 17)]
_ROWS += [(0xA0 + n, f"LOG{n}", 0, n + 2, 0, 375 + 375 * n, _P) for n in range(5)]
_ROWS += [
    (0xF0, "CREATE", 0, 3, 1, 32000, _P),
    (0xF1, "CALL", 0, 7, 1, 0, _P),
    (0xF2, "CALLCODE", 0, 7, 1, 0, _P),
    (0xF3, "RETURN", 0, 2, 0, 0, _P),
    (0xF4, "DELEGATECALL", 0, 6, 1, 0, _P),
    (0xF5, "CREATE2", 0, 4, 1, 32000, _P),
    (0xFA, "STATICCALL", 0, 6, 1, 0, _P),
    (0xFD, "REVERT", 0, 2, 0, 0, _P),
    (0xFF, "SELFDESTRUCT", 0, 1, 0, 5000, _P),
]
_ROWS.sort()

# Public, read-only view of the table: byte -> (name, immediate, inputs, outputs, gas, fork).
OPCODES = {row[0]: row[1:] for row in _ROWS}
OPCODE_BYTES = {row[1]: row[0] for row in _ROWS}


def opcode_enabled(int op, fork) -> bool:
    """Whether byte ``op`` is an opcode in ``fork`` (the table's "fork introduced" column)."""
    row = OPCODES.get(op)
    return row is not None and row[5] <= fork_id(fork)


# --------------------------------------------------------------------------------------------
# Fork schedules: a base (Shanghai) and the deltas each later fork applies on top of the
# previous one.
BASE_SCHEDULE = dict(
    warm_access=100,
    cold_account_access=2600,
    cold_sload=2100,
    sstore_set=20000,
    sstore_reset=5000 - 2100,
    sstore_clears_refund=4800,
    sstore_sentry=2300,
    call_value=9000,
    call_stipend=2300,
    new_account=25000,
    selfdestruct_new_account=25000,
    code_deposit=200,
    initcode_word=2,
    memory_word=3,
    copy_word=3,
    keccak_word=6,
    log_data=8,
    exp_byte=50,
    max_code_size=0x6000,
    max_initcode_size=2 * 0x6000,
    refund_quotient=5,
    tx_base=21000,
    tx_create=32000,
    tx_data_zero=4,
    tx_data_nonzero=16,
    tx_floor_token=0,
    tx_access_list_address=2400,
    tx_access_list_storage_key=1900,
    auth_empty_account=25000,
    auth_base=12500,
    tx_gas_cap=0,
    tx_types=(0, 1, 2),
    blob_gas_per_blob=0,
    blob_target=0,
    blob_max=0,
    blob_tx_limit=0,             # blobs per transaction (0: only the block maximum)
    blob_update_fraction=1,
    blob_min_price=1,
    blob_base_cost=0,
    selfdestruct_eip6780=0,
    delegation_eip7702=0,
    warm_coinbase=1,
)

FORK_DELTAS = {
    SHANGHAI: {},
    CANCUN: dict(            # EIP-4844 blobs, EIP-6780 SELFDESTRUCT
        tx_types=(0, 1, 2, 3),
        blob_gas_per_blob=2 ** 17,
        blob_target=3,
        blob_max=6,
        blob_update_fraction=3338477,
        selfdestruct_eip6780=1,
    ),
    PRAGUE: dict(            # EIP-7691 blob throughput, EIP-7623 floor, EIP-7702 set code
        tx_types=(0, 1, 2, 3, 4),
        blob_target=6,
        blob_max=9,
        blob_update_fraction=5007716,
        tx_floor_token=10,
        delegation_eip7702=1,
    ),
    OSAKA: dict(             # EIP-7825 tx gas cap, EIP-7594 blobs per tx, EIP-7918 floor
        tx_gas_cap=2 ** 24,
        blob_tx_limit=6,
        blob_base_cost=2 ** 13,
    ),
}


def schedule(fork) -> dict:
    """The merged mainnet schedule of ``fork``: the base plus every delta up to it."""
    cdef int f = fork_id(fork)
    out = dict(BASE_SCHEDULE)
    for i in range(f + 1):
        out.update(FORK_DELTAS[i])
    return out


def _precompile_addresses(int fork):
    try:
        from verbs._evm.precompiles import active_precompiles
    except ImportError:    # the precompiles package not importable: the historical sets
        return frozenset(range(1, {SHANGHAI: 10, CANCUN: 11}.get(fork, 0x12))) | (
            frozenset({0x100}) if fork >= OSAKA else frozenset())
    return frozenset(active_precompiles(fork))


# --------------------------------------------------------------------------------------------
class _ForkDefault:
    def __repr__(self):
        return "FORK_DEFAULT"


FORK_DEFAULT = _ForkDefault()
SIMULATION_CODE_SIZE = 16 * 1024 * 1024


class Rules:
    """Relaxations of mainnet rules for simulation environments, as data.

    Every field left at ``FORK_DEFAULT`` (or True for the switches) keeps the fork's rule.
    ``tx_gas_cap=None`` removes the EIP-7825 cap; ``max_code_size``/``max_initcode_size``
    raise the EIP-170/3860 limits; ``eip3607=False`` lets senders have code;
    ``check_nonce=False`` accepts any nonce; ``check_balance=False`` skips the balance check of
    the fees (a sender short of them is topped up to what it pays, as revm's
    ``disable_balance_check``); ``charge_fees=False`` neither charges gas fees nor pays the
    coinbase (nor checks the base fee);
    ``block_gas_limit_binds=False`` lets a transaction use more gas than the block gas limit.
    """

    __slots__ = ("tx_gas_cap", "max_code_size", "max_initcode_size", "eip3607", "check_nonce",
                 "check_balance", "charge_fees", "block_gas_limit_binds")

    def __init__(self, *, tx_gas_cap=FORK_DEFAULT, max_code_size=FORK_DEFAULT,
                 max_initcode_size=FORK_DEFAULT, eip3607=True, check_nonce=True,
                 check_balance=True, charge_fees=True, block_gas_limit_binds=True):
        self.tx_gas_cap = tx_gas_cap
        self.max_code_size = max_code_size
        self.max_initcode_size = max_initcode_size
        self.eip3607 = bool(eip3607)
        self.check_nonce = bool(check_nonce)
        self.check_balance = bool(check_balance)
        self.charge_fees = bool(charge_fees)
        self.block_gas_limit_binds = bool(block_gas_limit_binds)

    @classmethod
    def mainnet(cls):
        """The fork's own rules."""
        return cls()

    @classmethod
    def simulation(cls):
        """Relaxed rules for agent simulations: no tx gas cap, 16 MiB code, no EIP-3607,
        no nonce check, no fees, block gas limit not binding."""
        return cls(tx_gas_cap=None, max_code_size=SIMULATION_CODE_SIZE,
                   max_initcode_size=2 * SIMULATION_CODE_SIZE, eip3607=False,
                   check_nonce=False, check_balance=False, charge_fees=False,
                   block_gas_limit_binds=False)

    def __repr__(self):
        fields = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.__slots__)
        return f"Rules({fields})"

    def __eq__(self, other):
        return isinstance(other, Rules) and all(
            getattr(self, k) == getattr(other, k) for k in self.__slots__)


def _blob_value(v):
    return int(v, 16) if isinstance(v, str) else int(v)


def effective_schedule(fork, rules=None, blob_schedule=None) -> dict:
    """The schedule of ``fork`` after ``rules`` and a blob schedule override.

    ``blob_schedule`` is a mapping with any of ``target``, ``max``, ``baseFeeUpdateFraction``
    (the fixtures' ``config.blobSchedule[fork]``; ints or hex strings).
    """
    s = schedule(fork)
    if rules is not None:
        if rules.tx_gas_cap is not FORK_DEFAULT:
            s["tx_gas_cap"] = 0 if rules.tx_gas_cap is None else int(rules.tx_gas_cap)
        if rules.max_code_size is not FORK_DEFAULT:
            s["max_code_size"] = int(rules.max_code_size)
        if rules.max_initcode_size is not FORK_DEFAULT:
            s["max_initcode_size"] = int(rules.max_initcode_size)
        for k in ("eip3607", "check_nonce", "check_balance", "charge_fees",
                  "block_gas_limit_binds"):
            s[k] = int(getattr(rules, k))
    else:
        for k in ("eip3607", "check_nonce", "check_balance", "charge_fees",
                  "block_gas_limit_binds"):
            s[k] = 1
    if blob_schedule and s["blob_gas_per_blob"]:
        if "target" in blob_schedule:
            s["blob_target"] = _blob_value(blob_schedule["target"])
        if "max" in blob_schedule:
            s["blob_max"] = _blob_value(blob_schedule["max"])
        if "baseFeeUpdateFraction" in blob_schedule:
            s["blob_update_fraction"] = _blob_value(blob_schedule["baseFeeUpdateFraction"])
    return s


cdef int fill_schedule(Schedule *s, int fork, object rules, object blob_schedule) except -1:
    """Fill ``*s`` with the C form of ``effective_schedule(fork, rules, blob_schedule)``."""
    d = effective_schedule(fork, rules, blob_schedule)
    memset(s, 0, sizeof(Schedule))
    s.fork = fork
    cdef int op
    for op, (name, imm, n_in, n_out, gas, introduced) in OPCODES.items():
        if introduced <= fork:
            s.ops[op].defined = 1
            s.ops[op].immediate = imm
            s.ops[op].inputs = n_in
            s.ops[op].outputs = n_out
            s.ops[op].max_height = STACK_LIMIT + n_in - n_out
            s.ops[op].gas = gas
    s.warm_access = d["warm_access"]
    s.cold_account_access = d["cold_account_access"]
    s.cold_sload = d["cold_sload"]
    s.sstore_set = d["sstore_set"]
    s.sstore_reset = d["sstore_reset"]
    s.sstore_clears_refund = d["sstore_clears_refund"]
    s.sstore_sentry = d["sstore_sentry"]
    s.call_value = d["call_value"]
    s.call_stipend = d["call_stipend"]
    s.new_account = d["new_account"]
    s.selfdestruct_new_account = d["selfdestruct_new_account"]
    s.code_deposit = d["code_deposit"]
    s.initcode_word = d["initcode_word"]
    s.memory_word = d["memory_word"]
    s.copy_word = d["copy_word"]
    s.keccak_word = d["keccak_word"]
    s.log_data = d["log_data"]
    s.exp_byte = d["exp_byte"]
    s.max_code_size = d["max_code_size"]
    s.max_initcode_size = d["max_initcode_size"]
    s.refund_quotient = d["refund_quotient"]
    s.tx_base = d["tx_base"]
    s.tx_create = d["tx_create"]
    s.tx_data_zero = d["tx_data_zero"]
    s.tx_data_nonzero = d["tx_data_nonzero"]
    s.tx_floor_token = d["tx_floor_token"]
    s.tx_access_list_address = d["tx_access_list_address"]
    s.tx_access_list_storage_key = d["tx_access_list_storage_key"]
    s.auth_empty_account = d["auth_empty_account"]
    s.auth_base = d["auth_base"]
    s.tx_gas_cap = d["tx_gas_cap"]
    s.tx_types = sum(1 << t for t in d["tx_types"])
    s.blob_gas_per_blob = d["blob_gas_per_blob"]
    s.blob_target = d["blob_target"]
    s.blob_max = d["blob_max"]
    s.blob_tx_max = min(d["blob_tx_limit"], d["blob_max"]) if d["blob_tx_limit"] \
        else d["blob_max"]
    s.blob_update_fraction = d["blob_update_fraction"]
    s.blob_min_price = d["blob_min_price"]
    s.selfdestruct_eip6780 = d["selfdestruct_eip6780"]
    s.delegation_eip7702 = d["delegation_eip7702"]
    s.warm_coinbase = d["warm_coinbase"]
    s.eip3607 = d["eip3607"]
    s.check_nonce = d["check_nonce"]
    s.check_balance = d["check_balance"]
    s.charge_fees = d["charge_fees"]
    s.block_gas_limit_binds = d["block_gas_limit_binds"]
    for a in _precompile_addresses(fork):
        if 0 < a < N_PRECOMPILE_SLOTS:
            s.precompile[a] = 1
    return 0


def fake_exponential(factor: int, numerator: int, denominator: int) -> int:
    """EIP-4844: factor * e ** (numerator / denominator), approximated in integers."""
    i, output, acc = 1, 0, factor * denominator
    while acc > 0:
        output += acc
        acc = (acc * numerator) // (denominator * i)
        i += 1
    return output // denominator


def blob_gas_price(fork, excess_blob_gas: int, blob_schedule=None) -> int:
    """EIP-4844 blob base fee for ``excess_blob_gas``."""
    s = effective_schedule(fork, None, blob_schedule)
    return fake_exponential(s["blob_min_price"], excess_blob_gas, s["blob_update_fraction"])


def next_excess_blob_gas(fork, parent_excess_blob_gas: int, parent_blob_gas_used: int,
                         parent_base_fee: int, blob_schedule=None) -> int:
    """calculate_excess_blob_gas: the excess blob gas of the block after a parent block
    (EIP-4844; from Osaka with the EIP-7918 reserve price)."""
    f = fork_id(fork)
    s = effective_schedule(f, None, blob_schedule)
    if not s["blob_gas_per_blob"]:
        return 0
    target = s["blob_gas_per_blob"] * s["blob_target"]
    parent_blob_gas = parent_excess_blob_gas + parent_blob_gas_used
    if parent_blob_gas < target:
        return 0
    if s["blob_base_cost"]:
        target_price = s["blob_gas_per_blob"] * blob_gas_price(f, parent_excess_blob_gas,
                                                               blob_schedule)
        if s["blob_base_cost"] * parent_base_fee > target_price:
            return parent_excess_blob_gas + parent_blob_gas_used * (
                s["blob_max"] - s["blob_target"]) // s["blob_max"]
    return parent_blob_gas - target


def schedule_ops(fork):
    """The opcode rows as the loop sees them in ``fork``: byte -> (immediate, inputs, outputs,
    max_height, gas) for every defined opcode (a check of fill_schedule for the tests)."""
    cdef Schedule s
    fill_schedule(&s, fork_id(fork), None, None)
    return {op: (s.ops[op].immediate, s.ops[op].inputs, s.ops[op].outputs,
                 s.ops[op].max_height, s.ops[op].gas)
            for op in range(256) if s.ops[op].defined}
