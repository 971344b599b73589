"""The program generator: a random but meaningful world of contracts and one transaction.

``program(seed, index, fork, size)`` is a pure function of its arguments.  A program is a few
contracts at fixed addresses whose code is a sequence of *snippets*, each stack-neutral and
built from operands that mostly make sense (the addresses of the other contracts, of
precompiles and of contracts the program creates; small memory offsets, sometimes huge ones;
a small set of storage keys, some of them non-zero at the start so the refund schedule is
exercised), plus one call transaction from an externally owned account.  A few snippets break
the rules on purpose: stack underflow and overflow, invalid jumps, out-of-gas memory.
"""
from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field

from . import inputs
from .asm import asm, keccak, push

CALLER = bytes(17) + b"\xca\x11\xe4"
CONTRACTS = [bytes([0xC0 + i]) * 20 for i in range(4)]
EMPTY = bytes.fromhex("00000000000000000000000000000000deadbeef")  # never has an account
COINBASE = b"\xcb" * 20
KEYS = [0, 1, 2, 3, 4, 5, 2 ** 255 + 7]
T_KEYS = [0, 1, 2]

BLOCK = {"number": 20, "timestamp": 1_700_000_000, "coinbase": COINBASE,
         "gas_limit": 30_000_000, "base_fee": 0, "prevrandao": 0x5EED,
         "excess_blob_gas": 0}
DELEGATED = [bytes([0xD0 + i]) * 20 for i in range(2)]   # EIP-7702 accounts ("extra" only)
# size -> snippets per contract; "extra" is "small" plus transaction-level variety for the
# execution specs: EIP-7702 delegated accounts, contract-creating transactions, non-zero
# base fee and gas price, nonces at the EIP-2681 limit
SIZES = {"small": (2, 8), "medium": (3, 18), "extra": (2, 8)}

PURE = ["ADD", "MUL", "SUB", "DIV", "SDIV", "MOD", "SMOD", "ADDMOD", "MULMOD", "EXP",
        "SIGNEXTEND", "LT", "GT", "SLT", "SGT", "EQ", "ISZERO", "AND", "OR", "XOR", "NOT",
        "BYTE", "SHL", "SHR", "SAR", "CLZ"]
ARITY = {"ADDMOD": 3, "MULMOD": 3, "ISZERO": 1, "NOT": 1, "CLZ": 1}
ENV = ["ADDRESS", "ORIGIN", "CALLER", "CALLVALUE", "CALLDATASIZE", "CODESIZE", "GASPRICE",
       "RETURNDATASIZE", "COINBASE", "TIMESTAMP", "NUMBER", "PREVRANDAO", "GASLIMIT",
       "CHAINID", "SELFBALANCE", "BASEFEE", "BLOBBASEFEE", "MSIZE", "PC", "GAS"]
INTERESTING = [0, 1, 2, 31, 32, 255, 256, 2 ** 64 - 1, 2 ** 128, 2 ** 255, 2 ** 255 - 1,
               2 ** 256 - 1]
HUGE = [2 ** 32, 2 ** 64 - 1, 2 ** 256 - 1, 0x1000000]


@dataclass
class Program:
    """A world and one transaction."""

    fork: str
    accounts: dict[bytes, dict] = field(default_factory=dict)  # addr -> nonce/balance/code/storage
    to: bytes | None = CONTRACTS[0]      # None: a contract-creating transaction
    data: bytes = b""
    value: int = 0
    gas: int = 1_000_000
    gas_price: int = 0
    base_fee: int = 0
    # later transactions from the same sender: dicts of to, data, value, gas ("extra" only)
    more: list[dict] = field(default_factory=list)
    keys: list[int] = field(default_factory=lambda: list(KEYS))
    label: str = ""
    spans: dict[bytes, list[tuple[int, int]]] = field(default_factory=dict)  # for minimising

    def describe(self) -> str:
        """A readable dump, for a report or a regression test."""
        to = "create" if self.to is None else "0x" + self.to.hex()
        lines = [(f"{self.label} fork={self.fork} to={to} value={self.value} gas={self.gas} "
                 f"gas_price={self.gas_price} base_fee={self.base_fee} data=0x{self.data.hex()}")]
        for t in self.more:
            to = "create" if t["to"] is None else "0x" + t["to"].hex()
            lines.append(f"  then to={to} value={t['value']} gas={t['gas']} "
                         f"data=0x{t['data'].hex()}")
        for a, acc in self.accounts.items():
            lines.append(f"  0x{a.hex()} nonce={acc['nonce']} balance={acc['balance']} "
                         f"storage={acc['storage']} code=0x{acc['code'].hex()}")
        return "\n".join(lines)


def create_address(sender: bytes, nonce: int) -> bytes:
    """The CREATE address (RLP of [sender, nonce], nonce < 2**64)."""
    if nonce == 0:
        n = b"\x80"
    elif nonce < 0x80:
        n = bytes([nonce])
    else:
        b = nonce.to_bytes((nonce.bit_length() + 7) // 8, "big")
        n = bytes([0x80 + len(b)]) + b
    payload = b"\x94" + sender + n
    return keccak(bytes([0xC0 + len(payload)]) + payload)[12:]


def create2_address(sender: bytes, salt: int, initcode: bytes) -> bytes:
    return keccak(b"\xff" + sender + salt.to_bytes(32, "big") + keccak(initcode))[12:]


class Gen:
    """One program's generator state: the random source, the address pool, the code."""

    def __init__(self, rng: random.Random, fork: str, size: str):
        self.rng = rng
        self.fork = fork
        self.lo, self.hi = SIZES[size]
        self.small = size in ("small", "extra")
        self.extra = size == "extra"
        self.precompiles = inputs.precompiles(fork)
        self.created: list[bytes] = []

    # --- operands ---------------------------------------------------------------------
    def value(self) -> int:
        r = self.rng.random()
        if r < 0.4:
            return self.rng.choice(INTERESTING)
        if r < 0.8:
            return self.rng.randrange(0, 300)
        return self.rng.getrandbits(self.rng.choice([8, 64, 160, 256]))

    def offset(self) -> int:
        r = self.rng.random()
        if r < 0.004:
            return self.rng.choice(HUGE)
        if r < 0.04:
            return self.rng.randrange(0x400, 0x8000)
        return self.rng.randrange(0, 0x300)

    def length(self) -> int:
        r = self.rng.random()
        if r < 0.004:
            return self.rng.choice(HUGE)
        if r < 0.2:
            return 0
        return self.rng.randrange(0, 0x120)

    def address(self, me: bytes) -> bytes:
        """Code that pushes an address: another contract, myself, a precompile, a created
        contract, an empty or fresh account, or one read back from storage."""
        if self.extra and self.rng.random() < 0.1:
            return push(int.from_bytes(self.rng.choice(DELEGATED), "big"))
        r = self.rng.random()
        if r < 0.45:
            return push(int.from_bytes(self.rng.choice(CONTRACTS), "big"))
        if r < 0.55:
            return asm("ADDRESS")
        if r < 0.7:
            return push(self.rng.choice(self.precompiles))
        if r < 0.8 and self.created:
            return push(int.from_bytes(self.rng.choice(self.created), "big"))
        if r < 0.88:
            return push(int.from_bytes(self.rng.choice([EMPTY, CALLER, COINBASE]), "big"))
        if r < 0.94:
            return push(self.rng.choice(KEYS)) + asm("SLOAD")
        return push(self.rng.getrandbits(160) | (1 << 159) if self.rng.random() < 0.5
                    else self.rng.getrandbits(256))

    def gas(self) -> bytes:
        r = self.rng.random()
        # all but one 64th: recursion that runs until the gas is gone (rarer in the small
        # programs of the spec oracle: hundreds of frames cost it seconds)
        if r < (0.03 if self.small else 0.12):
            return asm("GAS")
        if r < 0.17:
            return push(2 ** 256 - 1)
        return push(self.rng.choice([0, 100, 2300, 5000, 20_000, 60_000, 200_000]))

    def store_top(self) -> bytes:
        """Consume the top of the stack so that it is visible in the post-state or output."""
        r = self.rng.random()
        if r < 0.45:
            return push(self.rng.choice(KEYS)) + asm("SSTORE")
        if r < 0.8:
            return push(self.rng.randrange(0, 0x200)) + asm("MSTORE")
        if r < 0.9:
            return push(self.rng.choice(T_KEYS)) + asm("TSTORE")
        return asm("POP")

    def write_memory(self, off: int, data: bytes) -> bytes:
        code = b""
        for i in range(0, len(data), 32):
            chunk = data[i:i + 32]
            if len(chunk) == 32:
                code += push(int.from_bytes(chunk, "big")) + push(off + i) + asm("MSTORE")
            else:
                for j, b in enumerate(chunk):
                    code += push(b) + push(off + i + j) + asm("MSTORE8")
        return code

    # --- snippets (each leaves the stack as it found it) ------------------------------
    def s_arith(self, me, pos):
        op = self.rng.choice(PURE if self.fork == "Osaka" else PURE[:-1])
        n = ARITY.get(op, 2)
        code = b"".join(push(self.value()) for _ in range(n)) + asm(op)
        return code + self.store_top()

    def s_env(self, me, pos):
        return asm(self.rng.choice(ENV)) + self.store_top()

    def s_calldata(self, me, pos):
        if self.rng.random() < 0.5:
            return push(self.rng.randrange(0, 70)) + asm("CALLDATALOAD") + self.store_top()
        op = self.rng.choice(["CALLDATACOPY", "CODECOPY"])
        return push(self.length()) + push(self.rng.randrange(0, 80)) + push(self.offset()) \
            + asm(op)

    def s_sstore(self, me, pos):
        v = self.rng.choice([0, 0, 1, 2, self.value()])
        return push(v) + push(self.rng.choice(KEYS)) + asm("SSTORE")

    def s_sload(self, me, pos):
        return push(self.rng.choice(KEYS)) + asm("SLOAD") + self.store_top()

    def s_transient(self, me, pos):
        if self.rng.random() < 0.5:
            return push(self.value()) + push(self.rng.choice(T_KEYS)) + asm("TSTORE")
        return push(self.rng.choice(T_KEYS)) + asm("TLOAD") + self.store_top()

    def s_memory(self, me, pos):
        r = self.rng.random()
        if r < 0.35:
            op = self.rng.choice(["MSTORE", "MSTORE8"])
            return push(self.value()) + push(self.offset()) + asm(op)
        if r < 0.55:
            return push(self.offset()) + asm("MLOAD") + self.store_top()
        if r < 0.8:
            return push(self.length()) + push(self.offset()) + push(self.offset()) + asm("MCOPY")
        return push(self.length()) + push(self.offset()) + asm("KECCAK256") + self.store_top()

    def s_log(self, me, pos):
        n = self.rng.randrange(0, 5)
        code = b"".join(push(self.value()) for _ in range(n))
        return code + push(self.length()) + push(self.offset()) + asm(f"LOG{n}")

    def s_ext(self, me, pos):
        op = self.rng.choice(["EXTCODESIZE", "EXTCODEHASH", "BALANCE", "EXTCODECOPY"])
        if op == "EXTCODECOPY":
            return (push(self.length()) + push(self.rng.randrange(0, 40)) + push(self.offset())
                    + self.address(me) + asm(op))
        return self.address(me) + asm(op) + self.store_top()

    def s_returndata(self, me, pos):
        if self.rng.random() < 0.4:
            return asm("RETURNDATASIZE") + self.store_top()
        if self.rng.random() < 0.8:     # in bounds
            return (asm("RETURNDATASIZE") + push(0) + push(self.offset())
                    + asm("RETURNDATACOPY"))
        # past the end, usually (an exceptional halt)
        return (push(self.rng.choice([0, 1, 4, 32, 33, self.length()]))
                + push(self.rng.choice([0, 0, 1, 31, 64])) + push(self.offset())
                + asm("RETURNDATACOPY"))

    def s_call(self, me, pos, target: bytes | None = None, data: bytes | None = None):
        op = self.rng.choice(["CALL", "CALL", "CALLCODE", "DELEGATECALL", "STATICCALL"])
        out_off, out_len = self.rng.randrange(0, 0x200), self.rng.choice([0, 32, 64, 0x80])
        if data is not None:
            in_off = self.rng.choice([0x100, 0x200])
            code = self.write_memory(in_off, data)
            in_len = len(data)
        else:
            code, in_off, in_len = b"", self.offset(), self.length()
        code += push(out_len) + push(out_off) + push(in_len) + push(in_off)
        if op in ("CALL", "CALLCODE"):
            code += push(self.rng.choice([0, 0, 1, 7, 10 ** 6, 10 ** 30]))
        code += target if target is not None else self.address(me)
        code += self.gas() + asm(op)
        return code + self.store_top()

    def s_precompile(self, me, pos):
        a = self.rng.choice(self.precompiles)
        valid = 0.5
        if self.small and a in inputs.EXPENSIVE:
            # the spec oracle runs the small programs: keep its slow curve arithmetic rare
            if self.rng.random() < 0.7:
                a = self.rng.choice([x for x in self.precompiles if x not in inputs.EXPENSIVE])
            else:
                valid = 0.1
        if self.extra and a == 10 and self.rng.random() < 0.2:
            data = inputs.point_evaluation_valid(self.rng)
            if self.rng.random() < 0.3:
                data = inputs.mutate(self.rng, data)
            return self.s_call(me, pos, push(a), data)
        return self.s_call(me, pos, push(a), inputs.precompile_input(self.rng, a, valid))

    def initcode(self, me) -> bytes:
        """Constructor code: returns a small runtime, reverts with data, returns code that
        is invalid (0xEF first, or over the size limit), or self-destructs."""
        r = self.rng.random()
        body = b""
        for _ in range(self.rng.randrange(0, 3)):
            body += self.snippet(me, len(body), nested=True)
        if r < 0.6:
            runtime = self.contract_code(me, nested=True)
            prefix = body + self.write_memory(0, runtime)
            return prefix + push(len(runtime)) + push(0) + asm("RETURN")
        if r < 0.72:
            return body + push(self.rng.choice([0, 4, 32])) + push(0) + asm("REVERT")
        if r < 0.8:
            return body + push(0xEF) + push(0) + asm("MSTORE8", "PUSH1", 1, "PUSH1", 0,
                                                     "RETURN")
        if r < 0.86:
            return body + push(self.rng.choice([0x6000, 0x6001])) + push(0) + asm("RETURN")
        if r < 0.93:
            return body + self.address(me) + asm("SELFDESTRUCT")
        return body + self.rng.choice([asm("STOP"), b"\xfe"])

    def s_create(self, me, pos):
        init = self.initcode(me)
        off = self.rng.choice([0, 0x100])
        code = self.write_memory(off, init)
        value = self.rng.choice([0, 0, 1, 5, 10 ** 30])
        if self.rng.random() < 0.5:
            salt = self.rng.choice([0, 1, self.value()])
            code += push(salt) + push(len(init)) + push(off) + push(value) + asm("CREATE2")
            self.created.append(create2_address(me, salt, init))
        else:
            code += push(len(init)) + push(off) + push(value) + asm("CREATE")
            self.created.append(create_address(me, self.rng.randrange(1, 3)))
        return code + self.store_top()

    def s_selfdestruct_call(self, me, pos):
        """Call a freshly created contract whose runtime self-destructs."""
        return self.s_call(me, pos)

    def s_loop(self, me, pos):
        """A bounded loop around one snippet: n; L: body; n-1; dup; jumpi L; pop."""
        n = self.rng.randrange(1, 4)
        head = push(n)
        start = pos + len(head)
        body = self.snippet(me, start + 1, nested=True)
        dest = push(start)
        # JUMPDEST body PUSH1 1 SWAP1 SUB DUP1 PUSH dest JUMPI POP
        return (head + asm("JUMPDEST") + body + asm("PUSH1", 1, "SWAP1", "SUB", "DUP1")
                + dest + asm("JUMPI", "POP"))

    def s_jump_over(self, me, pos):
        # PUSH3 dest JUMP body JUMPDEST: fixed-width push so the destination is known
        body = self.snippet(me, pos + 5, nested=True)
        dest = pos + 5 + len(body)
        return asm("PUSH3", dest, "JUMP") + body + asm("JUMPDEST")

    def s_bad(self, me, pos):
        """Rule breakers: underflow, overflow, invalid jumps, invalid opcodes."""
        r = self.rng.random()
        if r < 0.25:
            return asm(self.rng.choice(["ADD", "POP", "SWAP1", "DUP2", "MSTORE", "CALL"]))
        if r < 0.4:   # overflow by a loop pushing forever (or running out of gas)
            return asm("JUMPDEST", "PUSH0", "PUSH3", pos, "JUMP")
        if r < 0.55:
            return asm("PUSH1", 1) + push(self.rng.randrange(0, 0x100)) + asm("JUMPI")
        if r < 0.7:
            return push(self.rng.randrange(0, 0x800)) + asm("JUMP")
        if r < 0.85:
            return bytes([self.rng.choice([0x0C, 0x21, 0x4B, 0xA5, 0xEF, 0xFE])])
        return push(self.rng.choice(HUGE)) + asm("MLOAD", "POP")

    def s_blockhash(self, me, pos):
        # numbers the block-hash window says nothing about, so every oracle answers 0
        n = self.rng.choice([BLOCK["number"], BLOCK["number"] + 1, 2 ** 64, 2 ** 256 - 1])
        return push(n) + asm("BLOCKHASH") + self.store_top()

    def snippet(self, me: bytes, pos: int, nested: bool = False) -> bytes:
        kinds = [(self.s_arith, 10), (self.s_env, 5), (self.s_calldata, 3),
                 (self.s_sstore, 10), (self.s_sload, 5), (self.s_transient, 5),
                 (self.s_memory, 8), (self.s_log, 5), (self.s_ext, 5),
                 (self.s_returndata, 5), (self.s_call, 12), (self.s_precompile, 8),
                 (self.s_blockhash, 1), (self.s_jump_over, 2)]
        if not nested:
            kinds += [(self.s_create, 5), (self.s_loop, 3), (self.s_bad, 0.7)]
        f = self.rng.choices([k for k, _ in kinds], [w for _, w in kinds])[0]
        return f(me, pos)

    def contract_code(self, me: bytes, nested: bool = False,
                      spans: list[tuple[int, int]] | None = None) -> bytes:
        code = b""
        n = self.rng.randrange(0, 3) if nested else self.rng.randrange(self.lo, self.hi)
        for _ in range(n):
            start = len(code)
            code += self.snippet(me, len(code), nested)
            if spans is not None:
                spans.append((start, len(code)))
        r = self.rng.random()
        if r < 0.55:
            code += push(self.rng.choice([0, 32, 64, 0x100])) + push(self.rng.choice([0, 0x20]))
            code += asm("RETURN")
        elif r < 0.7:
            code += push(self.rng.choice([0, 4, 32, 64])) + push(0) + asm("REVERT")
        elif r < 0.8:
            code += asm("STOP")
        elif r < 0.9:
            code += self.address(me) + asm("SELFDESTRUCT")
        elif r < 0.93:
            code += b"\xfe"
        return code


def program(seed: int, index: int, fork: str = "Cancun", size: str = "medium") -> Program:
    """The ``index``-th program of the run ``seed``."""
    tag = f"{seed}:{index}:{fork}:{size}"
    rng = random.Random(hashlib.sha256(tag.encode()).digest())
    g = Gen(rng, fork, size)
    p = Program(fork=fork, label=f"seed={seed} index={index}")
    p.accounts[CALLER] = {"nonce": rng.choice([0, 1, 5]), "balance": 10 ** 21, "code": b"",
                          "storage": {}}
    n_contracts = rng.randrange(2, len(CONTRACTS) + 1)
    p.to = rng.choice(CONTRACTS[:n_contracts])
    for a in CONTRACTS[:n_contracts]:
        storage = {k: rng.choice([1, 2, 2 ** 256 - 1]) for k in KEYS if rng.random() < 0.3}
        if fork == "Cancun":
            # pyrevm cannot start an account with storage (revm.py): on the fork it checks,
            # storage starts empty; the spec oracle covers non-zero original values
            storage = {}
        p.accounts[a] = {"nonce": 1, "balance": rng.choice([0, 1, 10 ** 18]), "code": b"",
                         "storage": storage}
    # code last: the address pool grows with the contracts created in earlier ones
    for a in CONTRACTS[:n_contracts]:
        p.spans[a] = []
        p.accounts[a]["code"] = g.contract_code(a, spans=p.spans[a])
    if rng.random() < 0.3:
        p.accounts[COINBASE] = {"nonce": 0, "balance": 1, "code": b"", "storage": {}}
    p.value = rng.choice([0, 0, 1, 10 ** 18])
    p.data = rng.randbytes(rng.choice([0, 4, 32, 68]))
    r = rng.random()
    if r < 0.15:
        # out of gas somewhere (above the EIP-7623 calldata floor, a valid transaction)
        p.gas = 21_000 + 40 * len(p.data) + rng.randrange(0, 30_000)
    elif r < 0.3:
        p.gas = rng.randrange(30_000, 300_000)
    else:
        p.gas = 1_000_000 if size == "medium" else 300_000
    if g.extra:
        _extra(g, p, n_contracts)
    return p


def _extra(g: Gen, p: Program, n_contracts: int) -> None:
    """The transaction-level variety of the "extra" size (drawn after everything else)."""
    rng = g.rng
    for d in DELEGATED:
        target = rng.choice(CONTRACTS[:n_contracts] + DELEGATED + [EMPTY, CALLER]
                            + [a.to_bytes(20, "big") for a in g.precompiles[:3]])
        p.accounts[d] = {"nonce": rng.choice([0, 1]), "balance": rng.choice([0, 10 ** 18]),
                         "code": b"\xef\x01\x00" + target, "storage": {}}
    if rng.random() < 0.15:
        p.accounts[rng.choice(CONTRACTS[:n_contracts])]["nonce"] = rng.choice(
            [2 ** 64 - 1, 2 ** 64 - 2])
    r = rng.random()
    if r < 0.15:
        p.to = None
        p.data = g.initcode(CALLER)
        p.gas = max(p.gas, 60_000 + 40 * len(p.data))
    elif r < 0.3:
        p.to = rng.choice(DELEGATED)
    if rng.random() < 0.5:
        p.base_fee = rng.choice([1, 7, 10 ** 9])
        p.gas_price = p.base_fee + rng.choice([0, 1, 3])
    # later transactions see the first one's state: its contracts (created ones are no longer
    # "created in this transaction" for EIP-6780), fresh transient storage and warm sets
    targets = CONTRACTS[:n_contracts] + DELEGATED + g.created[:4]
    if p.to is None:
        targets.append(create_address(CALLER, p.accounts[CALLER]["nonce"]))
    for _ in range(rng.choice([0, 0, 1, 2])):
        p.more.append({"to": rng.choice(targets), "data": rng.randbytes(rng.choice([0, 4, 32])),
                       "value": rng.choice([0, 1]), "gas": rng.choice([60_000, 300_000])})
