# Tx and Result as C classes: evm.pyx reads a Tx's fields and fills a Result's directly.

cdef class Tx:
    cdef public bytes sender
    cdef public object to
    cdef public bytes data
    cdef public object value, gas_limit, nonce, gas_price, max_fee_per_gas
    cdef public object max_priority_fee_per_gas, access_list, max_fee_per_blob_gas
    cdef public object blob_hashes, authorization_list
    cdef public int tx_type


cdef class Result:
    cdef public object success, halt, output, gas_used, gas_refund, logs
    cdef public object created_address
    cdef public object trace


cdef int _check_tx_fields(Tx tx) except -1
