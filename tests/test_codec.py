"""verbs.codec: the generated fast path equals eth-abi, validation and strict decoding."""

from __future__ import annotations

import eth_abi
import eth_abi.decoding
import eth_abi.encoding
import eth_utils
import numpy as np
import pytest
from eth_abi.codec import ABICodec
from eth_abi.registry import registry as _eth_registry
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verbs import codec
from verbs.codec import Codec, DecodeError, parse_type
from verbs.utils import to_checksum_address

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ---------------------------------------------------------------------------
# Strategies: random static signatures and values for them
# ---------------------------------------------------------------------------

leaf_types = st.one_of(
    st.integers(1, 32).map(lambda n: f"uint{8 * n}"),
    st.integers(1, 32).map(lambda n: f"int{8 * n}"),
    st.just("address"),
    st.just("bool"),
    st.integers(1, 32).map(lambda n: f"bytes{n}"),
)


def _extend(children):
    tuples = st.lists(children, min_size=1, max_size=4).map(lambda ts: "(" + ",".join(ts) + ")")
    arrays = st.tuples(children, st.integers(1, 3)).map(lambda p: f"{p[0]}[{p[1]}]")
    return st.one_of(tuples, arrays)


static_types = st.recursive(leaf_types, _extend, max_leaves=8)
signatures = st.lists(static_types, min_size=0, max_size=5)


def values_for(t: codec.AbiType, address_as_str: bool = False) -> st.SearchStrategy:
    """Valid Python values of ``t`` (eth-abi's accepted forms)."""
    if t.kind == "uint":
        return st.integers(0, 2**t.size - 1)
    if t.kind == "int":
        return st.integers(-(2 ** (t.size - 1)), 2 ** (t.size - 1) - 1)
    if t.kind == "address":
        raw = st.binary(min_size=20, max_size=20)
        if not address_as_str:
            return raw
        return st.one_of(
            raw,
            raw.map(lambda b: "0x" + b.hex()),
            raw.map(lambda b: to_checksum_address(b)),
        )
    if t.kind == "bool":
        return st.booleans()
    if t.kind == "bytes" and t.size:
        return st.binary(min_size=0, max_size=t.size)
    if t.kind == "string":
        return st.text(max_size=40)
    if t.kind == "bytes":
        return st.binary(max_size=70)
    if t.kind == "tuple":
        return st.tuples(*[values_for(c, address_as_str) for c in t.components])
    item = values_for(t.components[0], address_as_str)
    if t.size < 0:
        return st.lists(item, max_size=3)
    return st.lists(item, min_size=t.size, max_size=t.size)


@st.composite
def signature_and_values(draw, sigs=signatures, address_as_str=False):
    types = draw(sigs)
    parsed = [parse_type(t) for t in types]
    values = [draw(values_for(t, address_as_str)) for t in parsed]
    return types, values


def expected_from_values(t: codec.AbiType, value):
    """What decoding the encoding of ``value`` gives: bytesN padded, sequences as tuples and
    addresses EIP-55 checksummed (by eth-utils, the oracle)."""
    if t.kind == "address":
        return eth_utils.to_checksum_address(value)
    if t.kind == "bytes" and t.size:
        return value.ljust(t.size, b"\x00")
    if t.kind == "tuple":
        return tuple(expected_from_values(c, v) for c, v in zip(t.components, value))
    if t.kind == "array":
        return tuple(expected_from_values(t.components[0], v) for v in value)
    return value


class _ChecksumAddressDecoder(eth_abi.decoding.AddressDecoder):
    """eth-abi's address decoder, returning the EIP-55 form (as web3.py returns it)."""

    decoder_fn = staticmethod(eth_utils.to_checksum_address)


def _checksumming_eth_abi() -> ABICodec:
    reg = _eth_registry.copy()
    reg.unregister("address")
    reg.register(
        "address", eth_abi.encoding.AddressEncoder, _ChecksumAddressDecoder, label="address"
    )
    return ABICodec(reg)


_ETH_ABI_CHECKSUMMED = _checksumming_eth_abi()


def eth_decoded(types, data):
    """eth-abi's strict decoding, with eth-utils' checksummed addresses: compared exactly."""
    return _ETH_ABI_CHECKSUMMED.decode(types, data)


def test_oracle_is_eth_abi_with_checksummed_addresses():
    types = ["address", "(address,uint8)[]", "bytes2", "address[2]"]
    values = [b"\xab" * 20, [(b"\x01" * 20, 3)], b"\x01", [b"\x02" * 20, b"\xcd" * 20]]
    data = eth_abi.encode(types, values)
    plain, checksummed = eth_abi.decode(types, data), eth_decoded(types, data)
    assert checksummed[0] == eth_utils.to_checksum_address(plain[0]) != plain[0]
    assert checksummed[1:3] == ((("0x" + "01" * 20, 3),), b"\x01\x00")
    assert [a.lower() for a in checksummed[3]] == list(plain[3])


# ---------------------------------------------------------------------------
# Fast path == eth-abi
# ---------------------------------------------------------------------------


@SETTINGS
@given(signature_and_values(address_as_str=True))
def test_fast_encode_equals_eth_abi(sig_values):
    types, values = sig_values
    c = Codec(types)
    assert c.is_fast
    assert c.encode(values) == eth_abi.encode(types, values)


@SETTINGS
@given(signature_and_values())
def test_fast_decode_roundtrips_and_equals_eth_abi(sig_values):
    types, values = sig_values
    c = Codec(types)
    data = eth_abi.encode(types, values)
    decoded = c.decode(data)
    assert decoded == eth_decoded(types, data)
    assert decoded == tuple(expected_from_values(parse_type(t), v) for t, v in zip(types, values))


@SETTINGS
@given(signature_and_values())
def test_fast_path_equals_eth_abi_path_exactly(sig_values):
    types, values = sig_values
    c = Codec(types)
    data = eth_abi.encode(types, values)
    # Codec.decode (the class attribute) is the eth-abi path; c.decode the generated one
    assert c.decode(data) == Codec.decode(c, data)


def _addresses(t: codec.AbiType, value):
    """Every decoded value of type ``address`` in ``value`` (of type ``t``)."""
    if t.kind == "address":
        yield value
    elif t.kind == "tuple":
        for c, v in zip(t.components, value):
            yield from _addresses(c, v)
    elif t.kind == "array":
        for v in value:
            yield from _addresses(t.components[0], v)


ADDRESS_POSITIONS = [
    ["address"],
    ["uint8", "address", "bool"],
    ["address[3]"],
    ["(address,uint256)"],
    ["((bool,address[2]),address)[2]"],
    ["address[]"],
    ["(address,string)"],
    ["address[][]"],
    ["(address[],bytes)[]"],
    ["((address,bytes)[2],address[])"],
]


@pytest.mark.parametrize("types", ADDRESS_POSITIONS, ids=[",".join(t) for t in ADDRESS_POSITIONS])
def test_decoded_addresses_are_checksummed_str_in_every_position(types):
    counter = iter(range(1, 1000))
    values = [_sample(parse_type(t), counter) for t in types]
    c = Codec(types)
    data = eth_abi.encode(types, values)
    paths = [c.decode, lambda d: Codec.decode(c, d)] if c.is_fast else [c.decode]
    for decode in paths:
        decoded = decode(data)
        assert decoded == eth_decoded(types, data)
        found = [a for t, v in zip(types, decoded) for a in _addresses(parse_type(t), v)]
        assert found and all(
            type(a) is str and a == eth_utils.to_checksum_address(a) for a in found
        )
        assert any(a != a.lower() for a in found)


def _sample(t: codec.AbiType, counter):
    """A value of ``t`` whose addresses differ and all hold hex letters (so case shows)."""
    if t.kind == "address":
        return bytes([0xAB, next(counter)]) + b"\xcd" * 18
    if t.kind == "tuple":
        return tuple(_sample(c, counter) for c in t.components)
    if t.kind == "array":
        return [_sample(t.components[0], counter) for _ in range(t.size if t.size > 0 else 2)]
    return {"uint": 7, "bool": True, "string": "s", "bytes": b"xy"}[t.kind]


@st.composite
def corrupted_encodings(draw):
    types, values = draw(signature_and_values(sigs=st.lists(static_types, min_size=1, max_size=4)))
    data = bytearray(eth_abi.encode(types, values))
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(data) - 1))
        data[i] = draw(st.integers(0, 255))
    cut = draw(st.sampled_from([None, None, None, "short", "long"]))
    if cut == "short":
        data = data[: draw(st.integers(0, len(data) - 1))]
    elif cut == "long":
        data += draw(st.binary(min_size=1, max_size=40))
    return types, bytes(data)


@SETTINGS
@given(corrupted_encodings())
def test_fast_decode_accepts_and_rejects_as_eth_abi_strict(types_data):
    types, data = types_data
    c = Codec(types)
    try:
        expected = eth_decoded(types, data)
    except eth_abi.exceptions.DecodingError:
        with pytest.raises(DecodeError):
            c.decode(data)
    else:
        assert c.decode(data) == expected


@st.composite
def out_of_range(draw):
    bits = 8 * draw(st.integers(1, 32))
    signed = draw(st.booleans())
    lo, hi = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2**bits - 1)
    value = draw(st.one_of(st.integers(hi + 1, hi + 2**300), st.integers(lo - 2**300, lo - 1)))
    return ("int" if signed else "uint") + str(bits), value


@SETTINGS
@given(out_of_range())
def test_out_of_range_integers_rejected_like_eth_abi(type_value):
    t, value = type_value
    assert not eth_abi.is_encodable(t, value)
    with pytest.raises(ValueError, match="out of range"):
        Codec([t], ["x"]).encode([value])


@SETTINGS
@given(st.integers(1, 32), st.binary(min_size=1, max_size=40))
def test_bytes_n_length_rule_like_eth_abi(n, value):
    t = f"bytes{n}"
    c = Codec([t])
    if eth_abi.is_encodable(t, value):
        assert c.encode([value]) == eth_abi.encode([t], [value])
    else:
        with pytest.raises(ValueError, match="longer than"):
            c.encode([value])


# ---------------------------------------------------------------------------
# eth-abi path (dynamic types)
# ---------------------------------------------------------------------------

dynamic_leaf = st.sampled_from(["string", "bytes"])
any_types = st.recursive(
    st.one_of(leaf_types, dynamic_leaf),
    lambda ch: st.one_of(_extend(ch), ch.map(lambda t: t + "[]")),
    max_leaves=6,
)


@SETTINGS
@given(signature_and_values(sigs=st.lists(any_types, min_size=1, max_size=4), address_as_str=True))
def test_any_signature_roundtrips_and_equals_eth_abi(sig_values):
    types, values = sig_values
    c = Codec(types)
    data = c.encode(values)
    assert data == eth_abi.encode(types, values)
    assert c.decode(data) == eth_decoded(types, data)


def test_dynamic_signature_uses_eth_abi_and_decodes_addresses_checksummed():
    c = Codec(["string", "address[]", "(address,bytes)"])
    assert not c.is_fast
    a = b"\xab" * 20
    data = c.encode(["hi", [a, "0x" + "22" * 20], (a, b"xyz")])
    cs = "0xABaBaBaBABabABabAbAbABAbABabababaBaBABaB"
    assert c.decode(data) == ("hi", (cs, "0x" + "22" * 20), (cs, b"xyz"))


def test_dynamic_decode_errors_are_decode_errors():
    c = Codec(["string"], ["name"])
    bad_utf8 = (32).to_bytes(32, "big") + (1).to_bytes(32, "big") + b"\xff" + bytes(31)
    with pytest.raises(DecodeError):
        c.decode(bad_utf8)
    with pytest.raises(DecodeError):
        c.decode(b"\x00" * 10)
    with pytest.raises(TypeError, match="expected a str"):
        c.encode([b"bytes"])


def test_large_static_signature_falls_back_to_eth_abi():
    t = f"uint8[{codec.MAX_FAST_WORDS + 1}]"
    c = Codec([t])
    assert not c.is_fast
    values = [list(range(256)) * 4 + [7, 9]][0][: codec.MAX_FAST_WORDS + 1]
    assert c.encode([values]) == eth_abi.encode([t], [values])
    assert c.decode(eth_abi.encode([t], [values])) == (tuple(values),)


# ---------------------------------------------------------------------------
# Validation messages
# ---------------------------------------------------------------------------


def test_wrong_argument_count_and_container():
    c = Codec(["address", "uint256"], ["to", "value"])
    with pytest.raises(TypeError, match=r"expected 2 argument\(s\) for \(address,uint256\), got 1"):
        c.encode([b"\x00" * 20])
    with pytest.raises(TypeError, match="must be a list or tuple"):
        c.encode(5)
    with pytest.raises(TypeError, match=r"expected 0 argument"):
        Codec([]).encode([1])
    assert Codec([], prefix=b"\x01\x02\x03\x04").encode([]) == b"\x01\x02\x03\x04"


@pytest.mark.parametrize(
    "types,args,exc,message",
    [
        (["uint8"], [256], ValueError, r"argument 'v' \(uint8\): 256 is out of range \[0, 255\]"),
        (
            ["int8"],
            [-129],
            ValueError,
            r"argument 'v' \(int8\): -129 is out of range \[-128, 127\]",
        ),
        (["uint256"], [True], TypeError, r"argument 'v' \(uint256\): expected an int, got bool"),
        (["uint256"], [1.0], TypeError, r"expected an int, got float"),
        (["uint256"], ["1"], TypeError, r"expected an int, got str"),
        (["bool"], [1], TypeError, r"argument 'v' \(bool\): expected a bool, got int"),
        (["address"], [5], TypeError, r"argument 'v' \(address\): expected an address"),
        (
            ["address"],
            [b"\x00" * 19],
            ValueError,
            r"argument 'v' \(address\): expected 20 bytes, got 19",
        ),
        (["bytes2"], [b"abc"], ValueError, r"argument 'v' \(bytes2\): 3 bytes is longer than 2"),
        (["bytes2"], ["0x0102"], TypeError, r"expected bytes, got str"),
        (["uint8[2]"], [[1]], ValueError, r"argument 'v' \(uint8\[2\]\): expected 2 items, got 1"),
        (["(uint8,bool)"], [5], TypeError, r"expected a list or tuple, got int"),
    ],
)
def test_bad_argument_names_the_argument(types, args, exc, message):
    for c in (Codec(types, ["v"]), Codec(types + ["string"], ["v", "s"])):  # fast and eth-abi paths
        with pytest.raises(exc, match=message):
            c.encode(args + ["s"] if len(c.types) == 2 else args)


def test_nested_argument_paths_in_messages():
    t = codec.param_type(
        {
            "name": "params",
            "type": "tuple",
            "components": [
                {"name": "tokenIn", "type": "address"},
                {"name": "amounts", "type": "uint8[2]"},
            ],
        }
    )
    c = Codec([t], ["params"])
    with pytest.raises(ValueError, match=r"argument 'params'.tokenIn \(address\)"):
        c.encode([("0x12", [1, 2])])
    with pytest.raises(ValueError, match=r"argument 'params'.amounts\[1\] \(uint8\): 300"):
        c.encode([(b"\x00" * 20, [1, 300])])
    with pytest.raises(ValueError, match=r"argument 0 \(uint8\)"):
        Codec(["uint8"]).encode([-1])


def test_numpy_integers_and_bools_accepted():
    c = Codec(["uint64", "int8", "bool"])
    assert c.encode([np.int64(7), np.int8(-3), np.bool_(True)]) == eth_abi.encode(
        ["uint64", "int8", "bool"], [7, -3, True]
    )
    with pytest.raises(ValueError, match="out of range"):
        c.encode([np.int64(-1), 0, True])


def test_checksum_addresses_enforced():
    c = Codec(["address"], ["to"])
    good = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    assert c.encode([good]) == c.encode([good.lower()]) == c.encode(["0x" + good[2:].upper()])
    with pytest.raises(ValueError, match=r"argument 'to' \(address\).*EIP-55"):
        c.encode([good.replace("aAeb", "AAeb")])


# ---------------------------------------------------------------------------
# Strict decoding
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "t,word",
    [
        ("uint8", (256).to_bytes(32, "big")),
        ("int8", (128).to_bytes(32, "big")),
        ("address", b"\x01" + bytes(31)),
        ("bool", (2).to_bytes(32, "big")),
        ("bytes1", b"\x01\x01" + bytes(30)),
    ],
)
def test_dirty_words_rejected(t, word):
    with pytest.raises(eth_abi.exceptions.DecodingError):
        eth_abi.decode([t], word)
    with pytest.raises(DecodeError, match=rf"output 'r' \({t}\): malformed"):
        Codec([t], ["r"]).decode(word)


def test_short_data_rejected_and_trailing_data_ignored():
    c = Codec(["address", "uint256"])
    data = eth_abi.encode(["address", "uint256"], [b"\x01" * 20, 5])
    with pytest.raises(DecodeError, match=r"\(address,uint256\) needs at least 64 bytes, got 63"):
        c.decode(data[:-1])
    a = "0x" + "01" * 20
    assert c.decode(data + b"\xff" * 7) == (a, 5)
    assert c.decode(bytearray(data)) == c.decode(memoryview(data)) == (a, 5)
    with pytest.raises(TypeError, match="must be bytes"):
        c.decode(data.hex())


# ---------------------------------------------------------------------------
# Types
# ---------------------------------------------------------------------------


def test_parse_type_canonical_forms():
    assert parse_type("uint").type_str == "uint256"
    assert parse_type("int[2][]").type_str == "int256[2][]"
    assert parse_type("(uint,(address,bytes))[3]").type_str == "(uint256,(address,bytes))[3]"
    assert parse_type("(uint,(address,bytes))[3]").is_dynamic
    assert parse_type("(uint8,address)[2]").words == 4
    assert parse_type("fixed128x18").kind == "other"


@pytest.mark.parametrize("bad", ["uint7", "foo", "uint256[", "bytes33", "tuple", "", "uint8[0]"])
def test_unknown_or_malformed_types_rejected(bad):
    with pytest.raises(ValueError):
        parse_type(bad)


def test_param_type_tuple_components_and_errors():
    t = codec.param_type(
        {
            "name": "p",
            "type": "tuple[2][]",
            "components": [{"name": "a", "type": "uint8"}, {"name": "b", "type": "bool"}],
        }
    )
    assert t.type_str == "(uint8,bool)[2][]"
    with pytest.raises(ValueError, match="no 'components'"):
        codec.param_type({"name": "p", "type": "tuple"})
    with pytest.raises(ValueError, match="invalid ABI type 'uint9000x'"):
        codec.param_type({"name": "p", "type": "uint9000x"})
    with pytest.raises(ValueError, match="unknown ABI type 'foo'"):
        codec.param_type({"name": "p", "type": "foo"})
    with pytest.raises(ValueError, match="must be an object with a 'type'"):
        codec.param_type({"name": "p"})


def test_module_level_encode_decode():
    data = codec.encode(["uint256", "string"], [1, "a"])
    assert data == eth_abi.encode(["uint256", "string"], [1, "a"])
    assert codec.decode(["uint256", "string"], data) == (1, "a")


def test_codecs_pickle_and_rebuild_their_fast_path():
    import pickle

    for types in (["address", "uint256"], ["string", "uint8"]):
        c = Codec(types, ["a", "b"], prefix=b"\x01\x02\x03\x04")
        c2 = pickle.loads(pickle.dumps(c))
        assert c2.is_fast == c.is_fast
        args = [b"\x01" * 20, 5] if types[0] == "address" else ["x", 5]
        assert c2.encode(args) == c.encode(args)
        with pytest.raises(ValueError, match=r"argument 'b'"):
            c2.encode([args[0], -1])
