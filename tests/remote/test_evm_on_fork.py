"""The EVM core on an RPCBackend: an ERC20 balanceOf and transfer against anvil's history."""
from __future__ import annotations

import pytest

from verbs.remote import RPCBackend

_BUILD = "is not built: python setup.py build_ext --inplace"
evm_mod = pytest.importorskip(
    "verbs._evm.evm", reason=f"the compiled EVM (verbs._evm.evm) {_BUILD}"
)
tx_mod = pytest.importorskip("verbs._evm.tx", reason=f"the compiled Tx (verbs._evm.tx) {_BUILD}")


def call_data(selector: str, types, args) -> bytes:
    from eth_abi import encode
    return bytes.fromhex(selector) + encode(types, args)


def test_balance_of_and_transfer_on_a_fork_count_their_requests(erc20_chain, tmp_path):
    from eth_abi import decode
    chain = erc20_chain
    block = chain.blocks[1]
    a, r = chain.accounts[0], chain.accounts[3]
    backend = RPCBackend(chain.url, block_number=block, cache_dir=tmp_path)
    evm = evm_mod.EVM(fork="Osaka", chain_id=backend.chain_id, backend=backend)
    evm.set_block(**backend.block_env.set_block_kwargs())
    created = backend.rpc.stats.as_dict()

    res = evm.transact(tx_mod.Tx(a, to=chain.token, gas_limit=200_000,
                               data=call_data("70a08231", ["address"], ["0x" + a.hex()])),
                       commit=False)
    assert res.success, res
    assert decode(["uint256"], res.output)[0] == chain.balances[block][a]
    after_call = backend.rpc.stats.as_dict()

    res = evm.transact(tx_mod.Tx(a, to=chain.token, gas_limit=200_000,
                               data=call_data("a9059cbb", ["address", "uint256"],
                                              ["0x" + r.hex(), 5])))
    assert res.success, res
    after_transfer = backend.rpc.stats.as_dict()
    slot_r = chain.balance_key(r)
    assert evm.get_storage(chain.token, slot_r) == chain.balances[block][r] + 5

    first = (after_call["round_trips"] - created["round_trips"],
             after_call["requests"] - created["requests"])
    second = (after_transfer["round_trips"] - after_call["round_trips"],
              after_transfer["requests"] - after_call["requests"])
    print(f"\ncreation {created['round_trips']} round trips / {created['requests']} requests; "
          f"balanceOf {first[0]} / {first[1]}; transfer {second[0]} / {second[1]}; "
          f"methods {after_transfer['methods']}")
    assert first[0] >= 2 and second[0] >= 1
    backend.close()

    # the same run again from the disk cache: no request at all
    again = RPCBackend(chain.url, block_number=block, cache_dir=tmp_path, trust_disk_cache=True)
    evm = evm_mod.EVM(fork="Osaka", chain_id=again.chain_id, backend=again)
    evm.set_block(**again.block_env.set_block_kwargs())
    res = evm.transact(tx_mod.Tx(a, to=chain.token, gas_limit=200_000,
                               data=call_data("a9059cbb", ["address", "uint256"],
                                              ["0x" + r.hex(), 5])))
    assert res.success
    assert again.rpc.stats.requests == 0


def test_prefetch_for_tx_leaves_nothing_for_the_evm_to_fetch(erc20_chain, tmp_path):
    chain = erc20_chain
    block = chain.blocks[1]
    a, r = chain.accounts[0], chain.accounts[3]
    backend = RPCBackend(chain.url, block_number=block, cache_dir=tmp_path)
    data = call_data("a9059cbb", ["address", "uint256"], ["0x" + r.hex(), 5])
    backend.prefetch_for_tx(a, chain.token, data)
    before = backend.rpc.stats.as_dict()
    assert before["round_trips"] == 1 + 2
    evm = evm_mod.EVM(fork="Osaka", chain_id=backend.chain_id, backend=backend)
    evm.set_block(**backend.block_env.set_block_kwargs())
    balance_of = call_data("70a08231", ["address"], ["0x" + a.hex()])
    assert evm.transact(tx_mod.Tx(a, to=chain.token, gas_limit=200_000, data=balance_of),
                        commit=False).success
    assert evm.transact(tx_mod.Tx(a, to=chain.token, gas_limit=200_000, data=data)).success
    assert backend.rpc.stats.round_trips == before["round_trips"]
