# Keccak-256 in C (keccak.h). Other modules: `from verbs._evm.keccak cimport c_keccak256`.
# (The C function is `keccak256`; it is named c_keccak256 here because keccak.pyx defines the
# Python-level `keccak256`.)

from libc.stdint cimport uint8_t

cdef extern from "keccak.h" nogil:
    const size_t KECCAK256_RATE
    void c_keccak256 "keccak256"(const uint8_t *data, size_t len, uint8_t *out)
