"""A seeded differential fuzzer for verbs' EVM.

Programs (``gen.program(seed, index, fork, size)``, a pure function of its arguments) are
small worlds of contracts whose code is built from meaningful snippets: calls of every kind
between the contracts, value transfers, CREATE/CREATE2, SELFDESTRUCT, logs, REVERT with data,
RETURNDATACOPY, EXTCODE*, precompiles with valid and mutated inputs, storage and transient
storage, memory expansion, loops, deep recursion, random gas limits and deliberate stack,
jump and memory faults.  Each program runs on verbs (``ours``, the one adapter to verbs'
internals) and on an oracle: revm (``revm``, pyrevm, Cancun) or the execution specs (``spec``,
Prague and Osaka).  Status, output, gas used, logs and the post-state of every account
(nonce, balance, code, storage) are compared (``outcome.diff``); a mismatch is minimised
(``minimise``).  Command line: ``python -m tests.fuzz run|show`` (see README.md).
"""
