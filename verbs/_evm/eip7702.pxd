# EIP-7702 delegation designations: the one test of "this code delegates to an address".
#
# A designation is the 23 bytes 0xef0100 || address.  The transaction code (evm.pyx) writes and
# follows them (authorizations, EIP-3607 senders, the call target) and the interpreter follows
# them in the CALL family.

from libc.stdint cimport uint8_t

cdef enum:
    DESIGNATION_SIZE = 23       # marker (3 bytes) + address (20)
    MARKER_SIZE = 3
    MARKER_0 = 0xEF
    MARKER_1 = 0x01
    MARKER_2 = 0x00


cdef inline bint is_delegation(const uint8_t *code, size_t size) noexcept nogil:
    """Whether `code` is a delegation designation (then delegate_of(code) is the address)."""
    return (size == DESIGNATION_SIZE and code[0] == MARKER_0 and code[1] == MARKER_1
            and code[2] == MARKER_2)


cdef inline const uint8_t *delegate_of(const uint8_t *code) noexcept nogil:
    """The delegate's 20-byte address in a designation (given is_delegation)."""
    return code + MARKER_SIZE


cdef inline bytes designation(bytes address):
    """The code that delegates to `address` (20 bytes)."""
    return bytes((MARKER_0, MARKER_1, MARKER_2)) + address
