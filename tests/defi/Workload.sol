// SPDX-License-Identifier: MIT
// Helper contracts of the DeFi test workload (tests/defi): compiled with solc-js at test time.
pragma solidity ^0.8.20;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// An OpenZeppelin ERC20 that mints its whole supply to the deployer.
contract TestToken is ERC20 {
    constructor(string memory name_, string memory symbol_, uint256 supply) ERC20(name_, symbol_) {
        _mint(msg.sender, supply);
    }
}

/// The implementation behind the ERC1967 proxy: reached by DELEGATECALL.
contract Box {
    uint256 public value;
    address public lastCaller;

    event Stored(address indexed caller, uint256 value);

    function store(uint256 v) external {
        require(v != 13, "Box: unlucky value");
        value = v;
        lastCaller = msg.sender;
        emit Stored(msg.sender, v);
    }
}

interface IRouterLike {
    function swapExactTokensForTokens(uint256 amountIn, uint256 amountOutMin, address[] calldata path,
                                      address to, uint256 deadline) external returns (uint256[] memory);
}

interface IBalance {
    function balanceOf(address) external view returns (uint256);
}

/// Precompile calls, STATICCALL views and a call path that reverts deep in the tree.
contract Prober {
    bytes32 public lastDigest;
    address public lastSigner;

    event Probed(bytes32 digest, address signer, bytes20 ripemd);

    /// ecrecover (0x01), sha256 (0x02), ripemd160 (0x03) and identity (0x04) in one transaction.
    function probe(bytes32 hash, uint8 v, bytes32 r, bytes32 s, bytes calldata data)
        external returns (address signer, bytes32 digest)
    {
        signer = ecrecover(hash, v, r, s);
        digest = sha256(data);
        bytes20 rip = ripemd160(data);
        (bool ok, bytes memory copy) = address(4).staticcall(data);
        require(ok && keccak256(copy) == keccak256(data), "Prober: identity");
        lastDigest = digest;
        lastSigner = signer;
        emit Probed(digest, signer, rip);
    }

    /// Sum of balances read through STATICCALLs (a view).
    function balancesOf(address[] calldata tokens, address holder) external view returns (uint256 total) {
        for (uint256 i = 0; i < tokens.length; i++) {
            total += IBalance(tokens[i]).balanceOf(holder);
        }
    }

    /// A swap made by this contract, which holds no tokens and gave no allowance: the token's
    /// transferFrom reverts three frames down, the router bubbles its own reason up.
    function swapVia(address router, uint256 amountIn, address[] calldata path) external {
        IRouterLike(router).swapExactTokensForTokens(amountIn, 0, path, msg.sender, type(uint256).max);
    }
}

/// Created and self-destructed in one transaction (EIP-6780 deletes it).
contract Doomed {
    constructor() payable {}

    function die(address payable to) external {
        selfdestruct(to);
    }
}

/// A constructor that reverts.
contract FailingCtor {
    constructor() {
        revert("FailingCtor: no");
    }
}

/// Every way a frame can end that a call tracer reports, in frames the transaction survives.
contract Oddities {
    uint256 public counter;

    event Noted(uint256 n);

    function burn() external {
        while (true) {
            counter += 1;
        }
    }

    function bad() external pure {
        assembly {
            invalid()
        }
    }

    function write() external {
        counter += 1;
    }

    function divide(uint256 z) external pure returns (uint256) {
        return 1 / z;
    }

    function noteAndRevert() external {
        emit Noted(1);
        revert("Oddities: after the log");
    }

    /// Deploys `runtime` as a contract's code with CREATE.
    function deployRaw(bytes memory runtime) public returns (address a) {
        bytes memory init = abi.encodePacked(hex"61", uint16(runtime.length), hex"80600c6000396000f3", runtime);
        assembly {
            a := create(0, add(init, 32), mload(init))
        }
    }

    function oddities() external payable {
        (bool ok,) = address(this).call{gas: 50000}(abi.encodeCall(this.burn, ()));
        (ok,) = address(this).call{gas: 100000}(abi.encodeCall(this.bad, ()));
        (ok,) = address(this).staticcall{gas: 100000}(abi.encodeCall(this.write, ()));
        (ok,) = payable(address(0xdead)).call{value: address(this).balance + 1}("");
        (ok,) = address(this).call(abi.encodeCall(this.divide, (0)));
        (ok,) = address(this).call(abi.encodeCall(this.noteAndRevert, ()));
        emit Noted(2);
        (ok,) = address(8).staticcall{gas: 100000}(hex"01");
        (ok,) = address(0xfe).call{gas: 100000}(hex"");
        try new FailingCtor() {} catch {}
        Doomed d = new Doomed{value: msg.value}();
        d.die(payable(msg.sender));
        new Doomed{salt: bytes32(uint256(1))}();
        try new Doomed{salt: bytes32(uint256(1))}() {} catch {}
        (ok,) = payable(address(0xbeef)).call{value: 0}("");
        require(!ok || true, "unreachable");
    }

    /// Raw code that underflows the stack, jumps nowhere, copies past the return data,
    /// overflows the stack, runs an undefined opcode, runs out of gas expanding memory, makes a
    /// CALL with value from a static frame, and a creation whose code starts with 0xEF; an
    /// ecrecover without enough gas; a CALLCODE.
    function rawFailures() external {
        bytes[6] memory codes = [bytes(hex"01"), hex"600356", hex"600160006000" hex"3e", hex"5b5f600056", hex"0c",
                                 hex"630100000051"];
        for (uint256 i = 0; i < codes.length; i++) {
            (bool ok,) = deployRaw(codes[i]).call{gas: 100000}("");
            require(!ok, "raw code succeeded");
        }
        (bool okv,) = deployRaw(hex"6000600060006000600161dead5af1").staticcall{gas: 100000}("");
        require(!okv, "CALL with value in a static frame succeeded");
        (bool okp,) = address(1).staticcall{gas: 100}(new bytes(128));
        require(!okp, "ecrecover ran on 100 gas");
        address target = deployRaw(hex"00");
        assembly {
            pop(callcode(gas(), target, 0, 0, 0, 0, 0))
        }
        // last: a failed creation consumes the 63/64 of the gas left that it was given
        require(deployRaw(hex"ef") == address(0), "0xEF code deployed");
    }
}
