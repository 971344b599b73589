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
