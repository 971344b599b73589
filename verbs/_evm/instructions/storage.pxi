# Storage and transient storage (execution-specs instructions/storage.py).
# Included by interpreter.pyx (one C translation unit, so handlers inline into the loop).


cdef int sload(Interpreter self, Frame *f) except -1 nogil:
    """SLOAD (0x54, EIP-2929 warm/cold slot)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    cdef int64_t cost
    if self.state.sload_warm(f.msg.target, a, a):     # the value replaces the key
        cost = self.sched.warm_access
    else:
        cost = self.sched.cold_sload
    if charge(f, cost):
        return H_OUT_OF_GAS
    return 0

cdef int sstore(Interpreter self, Frame *f) except -1 nogil:
    """SSTORE (0x55, EIP-2200/2929/3529 gas and refunds)."""
    cdef u256 *key = &f.stack[f.sp - 1]
    cdef u256 *new = key - 1
    cdef u256 original, current
    cdef int64_t cost = 0
    cdef const Schedule *s = &self.sched
    f.sp -= 2
    if f.gas <= s.sstore_sentry:
        f.oog_cause = T_OUT_OF_GAS_SENTRY
        return H_OUT_OF_GAS
    if not self.state.sstore_prepare(f.msg.target, key, &original, &current):
        cost += s.cold_sload
    if u256_eq(&original, &current) and not u256_eq(&current, new):
        cost += s.sstore_set if u256_is_zero(&original) else s.sstore_reset
    else:
        cost += s.warm_access
    if not u256_eq(&current, new):
        if not u256_is_zero(&original) and not u256_is_zero(&current) and u256_is_zero(new):
            self.refund += s.sstore_clears_refund
        if not u256_is_zero(&original) and u256_is_zero(&current):
            self.refund -= s.sstore_clears_refund
        if u256_eq(&original, new):
            if u256_is_zero(&original):
                self.refund += s.sstore_set - s.warm_access
            else:
                self.refund += s.sstore_reset - s.warm_access
    if charge(f, cost):
        return H_OUT_OF_GAS
    if f.msg.is_static:
        return H_STATIC_VIOLATION
    self.state.sstore_known(f.msg.target, key, &current, new)
    return 0

cdef int tload(Interpreter self, Frame *f) except -1 nogil:
    """TLOAD (0x5C, EIP-1153)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    self.state.tload(f.msg.target, a, a)
    return 0

cdef int tstore(Interpreter self, Frame *f) except -1 nogil:
    """TSTORE (0x5D, EIP-1153)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    f.sp -= 2
    if f.msg.is_static:
        return H_STATIC_VIOLATION
    self.state.tstore(f.msg.target, a, a - 1)
    return 0
