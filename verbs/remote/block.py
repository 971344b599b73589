"""The block environment of the fork point, read from the node's block header."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from verbs.errors import RPCMalformedResponse
from verbs.remote.hexjson import parse_data, parse_quantity


@dataclass(frozen=True)
class BlockEnv:
    """The header fields of the pinned block that the EVM's block environment needs.

    Fields read as attributes (``env.chain_id``) or as a mapping (``env["chain_id"]``,
    ``env.get("excess_blob_gas")``, ``dict(env)``).

    Fields a block of an older fork lacks are ``None`` (never a made-up zero): ``base_fee``
    before London, ``excess_blob_gas``/``blob_gas_used`` before Cancun.

    Attributes
    ----------
    chain_id : int
    number : int
    hash : bytes
        32 bytes.
    parent_hash : bytes
    timestamp : int
    coinbase : bytes
        The header's ``miner`` (20 bytes).
    prevrandao : bytes
        The header's ``mixHash`` (32 bytes; after the merge it is PREVRANDAO).
    difficulty : int
    gas_limit : int
    base_fee : int or None
    excess_blob_gas : int or None
    blob_gas_used : int or None
    """

    chain_id: int
    number: int
    hash: bytes
    parent_hash: bytes
    timestamp: int
    coinbase: bytes
    prevrandao: bytes
    difficulty: int
    gas_limit: int
    base_fee: int | None
    excess_blob_gas: int | None
    blob_gas_used: int | None

    @classmethod
    def from_rpc(cls, chain_id: int, block: Any, method: str = "eth_getBlockByNumber",
                 params: Any = None) -> BlockEnv:
        """Build from the JSON object of ``eth_getBlockByNumber`` (strictly validated)."""
        if not isinstance(block, dict):
            raise RPCMalformedResponse(
                f"block is {type(block).__name__}, not an object", method, params)

        def need(key):
            if key not in block or block[key] is None:
                raise RPCMalformedResponse(f"block lacks field {key!r}", method, params)
            return block[key]

        def opt_q(key):
            v = block.get(key)
            return None if v is None else parse_quantity(v, key, method, params)

        return cls(
            chain_id=chain_id,
            number=parse_quantity(need("number"), "number", method, params),
            hash=parse_data(need("hash"), "hash", 32, method, params),
            parent_hash=parse_data(need("parentHash"), "parentHash", 32, method, params),
            timestamp=parse_quantity(need("timestamp"), "timestamp", method, params),
            coinbase=parse_data(need("miner"), "miner", 20, method, params),
            prevrandao=parse_data(need("mixHash"), "mixHash", 32, method, params),
            difficulty=parse_quantity(need("difficulty"), "difficulty", method, params),
            gas_limit=parse_quantity(need("gasLimit"), "gasLimit", method, params),
            base_fee=opt_q("baseFeePerGas"),
            excess_blob_gas=opt_q("excessBlobGas"),
            blob_gas_used=opt_q("blobGasUsed"),
        )

    # read access as a mapping too (``env["chain_id"]``, ``env.get("base_fee")``)
    def __getitem__(self, key: str) -> Any:
        if key not in self.__dataclass_fields__:
            raise KeyError(key)
        return getattr(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        """The field ``key``, or ``default`` if there is no such field."""
        return getattr(self, key) if key in self.__dataclass_fields__ else default

    def keys(self):
        """The field names."""
        return self.__dataclass_fields__.keys()

    def set_block_kwargs(self) -> dict[str, Any]:
        """Keywords for ``verbs._evm.evm.EVM.set_block`` (absent fee fields given as 0)."""
        return dict(number=self.number, timestamp=self.timestamp, coinbase=self.coinbase,
                    gas_limit=self.gas_limit, base_fee=self.base_fee or 0,
                    prevrandao=self.prevrandao, difficulty=self.difficulty,
                    excess_blob_gas=self.excess_blob_gas or 0)

    def to_json(self) -> dict[str, Any]:
        """A JSON-compatible dict (bytes as 0x-hex)."""
        return {k: ("0x" + v.hex() if isinstance(v, bytes) else v)
                for k, v in asdict(self).items()}

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> BlockEnv:
        """Inverse of :meth:`to_json` (raises ``ValueError``/``KeyError``/``TypeError``)."""
        byte_fields = ("hash", "parent_hash", "coinbase", "prevrandao")
        kwargs = {}
        for name in cls.__dataclass_fields__:
            v = doc[name]
            if name in byte_fields:
                if not isinstance(v, str) or not v.startswith("0x"):
                    raise ValueError(f"{name} is not hex")
                v = bytes.fromhex(v[2:])
            elif v is not None and not isinstance(v, int):
                raise TypeError(f"{name} is not an int")
            kwargs[name] = v
        return cls(**kwargs)
