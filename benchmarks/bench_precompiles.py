"""Time the bn254 precompiles: ECADD, ECMUL and ECPAIRING with 2 pairs.

Each backend of ``verbs._evm.precompiles`` named in ``--backends`` runs through
``run_precompile`` (gas and validation included), and ``revm`` calls revm's precompile
through pyrevm's ``message_call`` directly (one EVM instance; the call overhead of
pyrevm included), where pyrevm is installed.  Prints the median time per call.

    python benchmarks/bench_precompiles.py [--backends c,py_ecc] [--reps 200]

Run it with ``PYTHONPATH`` at another checkout to time that tree's backends (an older
tree knows ``pyrevm`` as a backend name).
"""
from __future__ import annotations

import argparse
import statistics
import time

import py_ecc.optimized_bn128 as bn

from verbs._evm import precompiles as P


def word(n: int) -> bytes:
    return int(n).to_bytes(32, "big")


def enc_g1(p) -> bytes:
    x, y = bn.normalize(p)
    return word(x) + word(y)


def enc_g2(q) -> bytes:
    x, y = bn.normalize(q)
    return word(x.coeffs[1]) + word(x.coeffs[0]) + word(y.coeffs[1]) + word(y.coeffs[0])


def inputs() -> dict[str, tuple[int, bytes, int]]:
    """name -> (address, input, gas) of each timed call."""
    a, b = 0x1234567890ABCDEF, 0xFEDCBA0987654321
    pa, pb = bn.multiply(bn.G1, a), bn.multiply(bn.G1, b)
    pairs = (enc_g1(pa) + enc_g2(bn.multiply(bn.G2, b))
             + enc_g1(bn.neg(bn.multiply(bn.G1, a * b % bn.curve_order))) + enc_g2(bn.G2))
    return {
        "ecadd": (0x06, enc_g1(pa) + enc_g1(pb), 150),
        "ecmul": (0x07, enc_g1(pa) + word(2**256 - 1 - a), 6000),
        "ecpairing 2 pairs": (0x08, pairs, 45000 + 2 * 34000),
    }


def median_us(fn, reps: int) -> float:
    fn()  # warm up (imports, first-call setup)
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e6


def revm_call():
    """A function running revm's precompile through pyrevm, or None without pyrevm."""
    try:
        import pyrevm
    except ImportError:
        return None
    evm = pyrevm.EVM(spec_id="CANCUN")
    calls = [0]

    def call(address: int, data: bytes) -> bytes:
        nonlocal evm
        calls[0] += 1
        if calls[0] % 4096 == 0:  # its journal grows with each call
            evm = pyrevm.EVM(spec_id="CANCUN")
        return bytes(evm.message_call("0x" + "00" * 19 + "ff", f"0x{address:040x}", data,
                                      gas=2**60))

    return call


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backends", default="c,py_ecc",
                        help="comma-separated values of precompiles.BN254_BACKEND to time")
    parser.add_argument("--reps", type=int, default=200, help="calls per figure (py_ecc: 1/20)")
    args = parser.parse_args()
    cases = inputs()
    print(f"default backend of this tree: {P.bn254.BN254_BACKEND}")
    print(
        f"{'backend':10} " + " ".join(f"{name:>20}" for name in cases) + "   (median us per call)"
    )
    for backend in [b for b in args.backends.split(",") if b]:
        P.bn254.BN254_BACKEND = backend
        reps = max(3, args.reps // 20) if backend == "py_ecc" else args.reps
        row = []
        for address, data, gas in cases.values():
            ok, used, out = P.run_precompile(address, data, gas, P.CANCUN)
            assert ok and used == gas, (backend, address)
            if address == 0x08:
                assert out == word(1)
            row.append(
                median_us(
                    lambda a=address, d=data, g=gas: P.run_precompile(a, d, g, P.CANCUN), reps
                )
            )
        print(f"{backend:10} " + " ".join(f"{t:20.1f}" for t in row))
    call = revm_call()
    if call is not None:
        row = [median_us(lambda a=address, d=data: call(a, d), args.reps)
               for address, data, _ in cases.values()]
        print(f"{'revm':10} " + " ".join(f"{t:20.1f}" for t in row) + "   (pyrevm message_call)")


if __name__ == "__main__":
    main()
