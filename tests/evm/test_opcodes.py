"""The generated ``OP_*`` enum (verbs/_evm/opcodes.pxd) matches the opcode table it comes from."""
from __future__ import annotations

import importlib.util
from pathlib import Path

from verbs._evm.hardforks import OPCODES

ROOT = Path(__file__).resolve().parents[2]


def _generator():
    spec = importlib.util.spec_from_file_location("gen_opcodes", ROOT / "tools" / "gen_opcodes.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_enum_is_up_to_date():
    gen = _generator()
    assert gen.OUTPUT.read_text() == gen.render(gen.TABLE.read_text()), (
        "verbs/_evm/opcodes.pxd is stale: run `python tools/gen_opcodes.py`")


def test_generator_reads_the_table_the_engine_uses():
    gen = _generator()
    rows = gen.opcode_rows(gen.TABLE.read_text())
    assert rows == sorted((byte, row[0]) for byte, row in OPCODES.items())


def test_generator_rejects_a_repeated_byte():
    gen = _generator()
    source = gen.TABLE.read_text().replace('(0x02, "MUL"', '(0x01, "MUL"', 1)
    try:
        gen.render(source)
    except ValueError as exc:
        assert "repeats" in str(exc)
    else:
        raise AssertionError("a repeated byte was accepted")
