"""Transaction validation and processing (verbs._evm.evm, verbs._evm.tx): EEST error kinds, fees,
refunds, the EIP-7623 floor, access lists, blobs, EIP-7702 authorizations and the Rules
relaxations."""
import pytest
from coincurve import PrivateKey
from Crypto.Hash import keccak as _keccak
from evm_asm import asm, push, ret_top

from verbs._evm.evm import EVM
from verbs._evm.hardforks import Rules
from verbs._evm.interpreter import contract_address
from verbs._evm.tx import InvalidTransaction, Tx

SENDER = b"\x01" * 20
TARGET = b"\x22" * 20
COINBASE = b"\xcc" * 20
ETH = 10 ** 18


def keccak(data: bytes) -> bytes:
    return _keccak.new(digest_bits=256, data=data).digest()


def rlp_int(i: int) -> bytes:
    b = i.to_bytes((i.bit_length() + 7) // 8, "big") if i else b""
    return b if len(b) == 1 and b[0] < 0x80 else bytes([0x80 + len(b)]) + b


def sign_authorization(key: PrivateKey, chain_id: int, address: bytes, nonce: int):
    payload = rlp_int(chain_id) + bytes([0x80 + 20]) + address + rlp_int(nonce)
    msg = keccak(b"\x05" + bytes([0xC0 + len(payload)]) + payload)
    sig = key.sign_recoverable(msg, hasher=None)
    return (chain_id, address, nonce, sig[64], int.from_bytes(sig[:32], "big"),
            int.from_bytes(sig[32:64], "big"))


def address_of(key: PrivateKey) -> bytes:
    return keccak(key.public_key.format(compressed=False)[1:])[12:]


def make_evm(fork="Osaka", base_fee=7, balance=ETH, **kw):
    evm = EVM(fork, **kw)
    evm.set_block(number=10, timestamp=1000, coinbase=COINBASE, gas_limit=30_000_000,
                  base_fee=base_fee)
    evm.set_account(SENDER, balance=balance)
    return evm


# --- validation ------------------------------------------------------------------------------

INVALID = [
    ("Osaka", dict(gas_limit=20_999), "INTRINSIC_GAS_TOO_LOW"),
    ("Osaka", dict(gas_limit=30_000, data=b"\x00" * 3000), "INTRINSIC_GAS_TOO_LOW"),
    ("Prague", dict(gas_limit=37_000, data=b"\x01" * 1000), "INTRINSIC_GAS_BELOW_FLOOR_GAS_COST"),
    ("Osaka", dict(gas_limit=21_000, value=ETH), "INSUFFICIENT_ACCOUNT_FUNDS"),
    ("Osaka", dict(gas_limit=21_000, gas_price=ETH), "INSUFFICIENT_ACCOUNT_FUNDS"),
    ("Osaka", dict(gas_limit=21_000, gas_price=6), "INSUFFICIENT_MAX_FEE_PER_GAS"),
    ("Osaka", dict(gas_limit=21_000, max_fee_per_gas=6), "INSUFFICIENT_MAX_FEE_PER_GAS"),
    ("Osaka", dict(gas_limit=21_000, max_fee_per_gas=10, max_priority_fee_per_gas=11),
     "PRIORITY_GREATER_THAN_MAX_FEE_PER_GAS"),
    ("Osaka", dict(gas_limit=21_000, nonce=1), "NONCE_MISMATCH_TOO_HIGH"),
    ("Osaka", dict(gas_limit=21_000, nonce=2 ** 64 - 1), "NONCE_IS_MAX"),
    ("Osaka", dict(gas_limit=30_000_001), "GAS_LIMIT_EXCEEDS_MAXIMUM"),
    ("Prague", dict(gas_limit=30_000_001), "GAS_ALLOWANCE_EXCEEDED"),
    ("Osaka", dict(gas_limit=2 ** 24 + 1), "GAS_LIMIT_EXCEEDS_MAXIMUM"),
    ("Osaka", dict(to=None, gas_limit=5_000_000, data=b"\x00" * 49153), "INITCODE_SIZE_EXCEEDED"),
    ("Shanghai", dict(gas_limit=21_000, blob_hashes=[b"\x01" * 32], max_fee_per_blob_gas=1),
     "TYPE_3_TX_PRE_FORK"),
    ("Cancun", dict(gas_limit=21_000, blob_hashes=[], max_fee_per_blob_gas=1),
     "TYPE_3_TX_ZERO_BLOBS"),
    ("Cancun", dict(gas_limit=21_000, blob_hashes=[b"\x02" * 32], max_fee_per_blob_gas=1),
     "TYPE_3_TX_INVALID_BLOB_VERSIONED_HASH"),
    ("Cancun", dict(gas_limit=21_000, blob_hashes=[b"\x01" * 32] * 7, max_fee_per_blob_gas=1),
     "TYPE_3_TX_MAX_BLOB_GAS_ALLOWANCE_EXCEEDED"),
    ("Osaka", dict(gas_limit=21_000, blob_hashes=[b"\x01" * 32] * 7, max_fee_per_blob_gas=1),
     "TYPE_3_TX_BLOB_COUNT_EXCEEDED"),
    ("Cancun", dict(gas_limit=21_000, blob_hashes=[b"\x01" * 32], max_fee_per_blob_gas=0),
     "INSUFFICIENT_MAX_FEE_PER_BLOB_GAS"),
    ("Cancun", dict(to=None, gas_limit=60_000, blob_hashes=[b"\x01" * 32],
                    max_fee_per_blob_gas=1), "TYPE_3_TX_CONTRACT_CREATION"),
    ("Cancun", dict(gas_limit=50_000, authorization_list=[(1, TARGET, 0, 0, 1, 1)]),
     "TYPE_4_TX_PRE_FORK"),
    ("Prague", dict(gas_limit=50_000, authorization_list=[]), "TYPE_4_EMPTY_AUTHORIZATION_LIST"),
    ("Prague", dict(to=None, gas_limit=100_000, authorization_list=[(1, TARGET, 0, 0, 1, 1)]),
     "TYPE_4_TX_CONTRACT_CREATION"),
]


@pytest.mark.parametrize("fork,fields,kind", INVALID, ids=[f"{k}-{f}" for f, _, k in INVALID])
def test_invalid_transactions(fork, fields, kind):
    evm = make_evm(fork)
    fields = dict(fields)
    to = fields.pop("to", TARGET)
    before = evm.dump()
    with pytest.raises(InvalidTransaction) as exc:
        evm.transact(Tx(SENDER, to=to, **fields))
    assert exc.value.kind == kind
    assert evm.dump() == before


def test_nonce_too_low():
    evm = make_evm()
    evm.set_account(SENDER, balance=ETH, nonce=3)
    with pytest.raises(InvalidTransaction) as exc:
        evm.transact(Tx(SENDER, to=TARGET, gas_limit=21_000, nonce=2))
    assert exc.value.kind == "NONCE_MISMATCH_TOO_LOW"


def test_sender_not_eoa_eip3607():
    evm = make_evm()
    evm.set_account(SENDER, balance=ETH, code=b"\x00")
    with pytest.raises(InvalidTransaction) as exc:
        evm.transact(Tx(SENDER, to=TARGET, gas_limit=21_000))
    assert exc.value.kind == "SENDER_NOT_EOA"
    # a delegation designation is allowed (EIP-7702)
    evm.set_account(SENDER, balance=ETH, code=b"\xef\x01\x00" + TARGET)
    assert evm.transact(Tx(SENDER, to=TARGET, gas_limit=50_000)).success


# --- processing ------------------------------------------------------------------------------

def test_value_transfer_and_fees():
    evm = make_evm(base_fee=10)
    r = evm.transact(Tx(SENDER, to=TARGET, value=5, gas_limit=50_000, max_fee_per_gas=20,
                        max_priority_fee_per_gas=3))
    assert r.success and r.gas_used == 21_000
    assert evm.get_balance(TARGET) == 5
    assert evm.get_balance(SENDER) == ETH - 5 - 21_000 * 13       # effective price 10 + 3
    assert evm.get_balance(COINBASE) == 21_000 * 3                  # the base fee is burned
    assert evm.get_nonce(SENDER) == 1


def test_zero_fee_coinbase_is_not_created():
    evm = make_evm(base_fee=0)
    assert evm.transact(Tx(SENDER, to=TARGET, gas_limit=21_000, gas_price=0)).success
    assert not evm.account_exists(COINBASE)
    assert not evm.account_exists(TARGET)                          # EIP-161: touched, empty


def test_commit_false_discards_everything():
    evm = make_evm()
    evm.set_account(TARGET, code=push(1) + push(0) + asm("SSTORE"))
    before = evm.dump()
    r = evm.transact(Tx(SENDER, to=TARGET, gas_limit=100_000), commit=False)
    assert r.success and r.gas_used > 21_000
    assert evm.dump() == before


def test_refund_is_capped_at_a_fifth():
    evm = make_evm()
    evm.set_account(TARGET, code=push(0) + push(1) + asm("SSTORE"), storage={1: 1})
    r = evm.transact(Tx(SENDER, to=TARGET, gas_limit=100_000))
    used = 21_000 + 2 + 3 + 2100 + 2900        # PUSH0, PUSH1, cold SSTORE reset
    assert r.gas_refund == min(4800, used // 5)
    assert r.gas_used == used - r.gas_refund
    assert evm.get_storage(TARGET, 1) == 0


@pytest.mark.parametrize("fork,used", [("Cancun", 21_000 + 16_000),
                                       ("Prague", 21_000 + 4000 * 10)])
def test_calldata_floor_eip7623(fork, used):
    evm = make_evm(fork)
    r = evm.transact(Tx(SENDER, to=TARGET, data=b"\x01" * 1000, gas_limit=100_000))
    assert r.gas_used == used


def test_access_list_warms_slots():
    code = push(1) + asm("SLOAD", "STOP")
    evm = make_evm()
    evm.set_account(TARGET, code=code)
    cold = evm.transact(Tx(SENDER, to=TARGET, gas_limit=100_000), commit=False).gas_used
    warm = evm.transact(Tx(SENDER, to=TARGET, gas_limit=100_000, access_list=[(TARGET, [1])]),
                        commit=False).gas_used
    assert cold - warm == 2000 - 2400 - 1900


def test_contract_creation():
    runtime = push(42) + ret_top()
    initcode = (push(int.from_bytes(runtime, "big")) + push(0) + asm("MSTORE")
                + push(len(runtime)) + push(32 - len(runtime)) + asm("RETURN"))
    evm = make_evm()
    r = evm.transact(Tx(SENDER, to=None, data=initcode, gas_limit=200_000))
    assert r.success and r.created_address == contract_address(SENDER, 0)
    assert evm.get_code(r.created_address) == runtime
    assert evm.get_nonce(r.created_address) == 1
    out = evm.transact(Tx(SENDER, to=r.created_address, gas_limit=100_000))
    assert int.from_bytes(out.output, "big") == 42


def test_creation_collision_consumes_all_gas():
    evm = make_evm()
    evm.set_account(contract_address(SENDER, 0), nonce=1)
    r = evm.transact(Tx(SENDER, to=None, data=b"", gas_limit=100_000))
    assert not r.success and r.halt == "create_collision" and r.gas_used == 100_000
    assert evm.get_nonce(SENDER) == 1


def test_logs_are_returned_with_topics():
    code = push(0xAA) + push(0) + asm("MSTORE8") + push(7) + push(1) + push(0) + asm("LOG1")
    evm = make_evm()
    evm.set_account(TARGET, code=code)
    r = evm.transact(Tx(SENDER, to=TARGET, gas_limit=100_000))
    assert r.logs == [(TARGET, ((7).to_bytes(32, "big"),), b"\xaa")]


def test_blob_fee_is_burned_and_blobhash_visible():
    evm = make_evm("Cancun", base_fee=0)
    evm.set_block(excess_blob_gas=10_000_000)
    price = evm.blob_base_fee
    assert price > 1
    h = b"\x01" + b"\x55" * 31
    evm.set_account(TARGET, code=push(0) + asm("BLOBHASH") + push(0) + asm("SSTORE"))
    r = evm.transact(Tx(SENDER, to=TARGET, gas_limit=100_000, max_fee_per_gas=0,
                        blob_hashes=[h], max_fee_per_blob_gas=price))
    assert r.success
    assert evm.get_balance(SENDER) == ETH - 2 ** 17 * price
    assert evm.get_storage(TARGET, 0) == int.from_bytes(h, "big")


def test_blob_schedule_override():
    evm = make_evm("Osaka", blob_schedule={"target": 1, "max": 2, "baseFeeUpdateFraction": 1})
    with pytest.raises(InvalidTransaction) as exc:
        evm.transact(Tx(SENDER, to=TARGET, gas_limit=21_000,
                        blob_hashes=[b"\x01" * 32] * 3, max_fee_per_blob_gas=10 ** 9))
    assert exc.value.kind == "TYPE_3_TX_MAX_BLOB_GAS_ALLOWANCE_EXCEEDED"
    evm.set_block(blob_schedule=(6, 9, 5007716))
    assert evm.transact(Tx(SENDER, to=TARGET, gas_limit=21_000, blob_hashes=[b"\x01" * 32] * 3,
                           max_fee_per_blob_gas=1)).success


# --- EIP-7702 --------------------------------------------------------------------------------

def test_set_code_authorization_and_delegated_call():
    key = PrivateKey(b"\x07" * 32)
    authority = address_of(key)
    delegate = b"\xde" * 20
    evm = make_evm("Prague")
    evm.set_account(delegate, code=push(0x99) + push(0) + asm("SSTORE"))
    auth = sign_authorization(key, 1, delegate, 0)
    r = evm.transact(Tx(SENDER, to=authority, gas_limit=200_000, max_fee_per_gas=10,
                        authorization_list=[auth]))
    assert r.success
    assert evm.get_code(authority) == b"\xef\x01\x00" + delegate
    assert evm.get_nonce(authority) == 1
    assert evm.get_storage(authority, 0) == 0x99            # ran in the authority's context
    # EXTCODESIZE sees the designation itself (23 bytes)
    evm.set_account(TARGET, code=push(int.from_bytes(authority, "big")) + asm("EXTCODESIZE")
                    + ret_top())
    out = evm.transact(Tx(SENDER, to=TARGET, gas_limit=100_000, max_fee_per_gas=10))
    assert int.from_bytes(out.output, "big") == 23


@pytest.mark.parametrize("change", ["chain_id", "nonce", "signature"])
def test_invalid_authorizations_are_skipped(change):
    key = PrivateKey(b"\x08" * 32)
    authority = address_of(key)
    auth = list(sign_authorization(key, 1, TARGET, 0))
    if change == "chain_id":
        auth = list(sign_authorization(key, 5, TARGET, 0))
    elif change == "nonce":
        auth = list(sign_authorization(key, 1, TARGET, 3))
    else:
        auth[5] = 2 ** 256 - 1                               # s out of range
    evm = make_evm("Prague")
    r = evm.transact(Tx(SENDER, to=TARGET, gas_limit=100_000, max_fee_per_gas=10,
                        authorization_list=[tuple(auth)]))
    assert r.success
    assert evm.get_code(authority) == b""


def test_authorization_refund_for_existing_authority():
    key = PrivateKey(b"\x09" * 32)
    authority = address_of(key)
    evm = make_evm("Prague")
    evm.set_account(authority, balance=1)
    auth = sign_authorization(key, 0, TARGET, 0)             # chain id 0: any chain
    r = evm.transact(Tx(SENDER, to=TARGET, gas_limit=100_000, max_fee_per_gas=10,
                        authorization_list=[auth]))
    assert r.success
    intrinsic = 21_000 + 25_000
    assert r.gas_refund == min(25_000 - 12_500, intrinsic // 5)
    assert r.gas_used == intrinsic - r.gas_refund


# --- Rules relaxations ----------------------------------------------------------------------

def test_simulation_rules():
    evm = make_evm("Osaka", rules=Rules.simulation(), balance=0)
    evm.set_account(SENDER, balance=0, code=b"\x00", nonce=5)   # code, no money, any nonce
    r = evm.transact(Tx(SENDER, to=TARGET, gas_limit=2 ** 26, gas_price=100, nonce=0))
    assert r.success
    assert evm.get_balance(COINBASE) == 0 and evm.get_balance(SENDER) == 0
    assert evm.get_nonce(SENDER) == 6
    # 16 MiB code size limit
    big = 30_000
    initcode = push(big) + push(0) + asm("RETURN")
    r = evm.transact(Tx(SENDER, to=None, data=initcode, gas_limit=50_000_000))
    assert r.success and len(evm.get_code(r.created_address)) == big


def test_mainnet_code_size_limit_eip170():
    initcode = push(0x6001) + push(0) + asm("RETURN")
    evm = make_evm()
    r = evm.transact(Tx(SENDER, to=None, data=initcode, gas_limit=10_000_000))
    assert not r.success and r.halt == "out_of_gas"


def test_simulation_rules_by_name_and_block_env_round_trip():
    evm = EVM("Cancun", rules="simulation")
    evm.set_block(number=5, timestamp=99, coinbase=COINBASE, gas_limit=10 ** 12, base_fee=50)
    other = EVM("Cancun")
    other.set_block(**evm.block_env())
    assert other.block_env() == evm.block_env() and other.block_number == 5
    # no account, no balance, gas price 0 under a base fee: accepted, nothing charged
    r = evm.transact(Tx(SENDER, to=TARGET, gas_limit=10 ** 9, gas_price=0))
    assert r.success and evm.get_nonce(SENDER) == 1 and evm.get_balance(SENDER) == 0


def test_excess_blob_gas_and_eip7918_reserve_price():
    from verbs._evm.hardforks import blob_gas_price, next_excess_blob_gas
    full = 6 * 2 ** 17
    assert next_excess_blob_gas("Prague", 0, full, 10 ** 9) == 0          # at target
    # Osaka: the execution base fee dominates the blob price, excess grows anyway
    assert next_excess_blob_gas("Osaka", 0, full, 10 ** 9) == full * 3 // 9
    assert next_excess_blob_gas("Osaka", 0, full, 0) == 0
    assert next_excess_blob_gas("Cancun", 0, 4 * 2 ** 17, 0) == 2 ** 17   # target 3
    assert next_excess_blob_gas("Shanghai", 0, 0, 0) == 0
    assert blob_gas_price("Cancun", 0) == 1
    evm = make_evm("Cancun")
    evm.set_block(excess_blob_gas=10_000_000)
    assert evm.blob_base_fee == blob_gas_price("Cancun", 10_000_000)


def test_no_balance_check_tops_the_sender_up():
    evm = make_evm("Osaka", rules=Rules(check_balance=False), balance=0, base_fee=10)
    r = evm.transact(Tx(SENDER, to=TARGET, gas_limit=50_000, gas_price=10))
    assert r.success and r.gas_used == 21_000
    assert evm.get_balance(SENDER) == (50_000 - 21_000) * 10     # the unused gas refunded


def test_each_evm_has_the_schedule_of_its_own_rules_and_blob_schedule():
    # EVMs copy filled schedules from a cache: its key must tell every argument apart, a Rules
    # object changed in between included
    def nonce_checked(**kw):
        evm = make_evm(**kw)
        try:
            evm.transact(Tx(SENDER, to=TARGET, gas_limit=21_000, nonce=5))
        except InvalidTransaction as exc:
            assert exc.kind == "NONCE_MISMATCH_TOO_HIGH"
            return True
        return False

    rules = Rules(check_nonce=False)
    for _ in range(2):
        assert nonce_checked()
        assert not nonce_checked(rules=rules)
        assert nonce_checked(rules=Rules())
    rules.check_nonce = True
    assert nonce_checked(rules=rules)
    assert not nonce_checked(rules="simulation")

    def blob_base_fee(**kw):
        evm = EVM("Cancun", **kw)
        evm.set_block(excess_blob_gas=10)
        return evm.blob_base_fee

    for _ in range(2):
        assert blob_base_fee() == 1                           # Cancun's update fraction
        assert blob_base_fee(blob_schedule=(3, 6, 1)) > 1000  # e**10 with a fraction of 1
