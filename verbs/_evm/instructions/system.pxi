# System (execution-specs instructions/system.py): CREATE/CREATE2, the CALL family,
# RETURN, REVERT, SELFDESTRUCT.
# Included by interpreter.pyx (one C translation unit, so handlers inline into the loop).


cdef int return_(Interpreter self, Frame *f) noexcept nogil:
    """RETURN (0xF3)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    cdef uint64_t o, n, end
    f.sp -= 2
    if region(a, a - 1, &o, &n, &end):
        return H_OUT_OF_GAS
    if mem_charge(f, end, self.sched.memory_word):
        return H_OUT_OF_GAS
    f.out_off = o
    f.out_size = n
    return H_RETURN

cdef int revert(Interpreter self, Frame *f) noexcept nogil:
    """REVERT (0xFD, EIP-140): return data, keep the gas left, undo the changes."""
    cdef u256 *a = &f.stack[f.sp - 1]
    cdef uint64_t o, n, end
    f.sp -= 2
    if region(a, a - 1, &o, &n, &end):
        return H_OUT_OF_GAS
    if mem_charge(f, end, self.sched.memory_word):
        return H_OUT_OF_GAS
    f.out_off = o
    f.out_size = n
    return H_REVERT

cdef int selfdestruct(Interpreter self, Frame *f) except -1 nogil:
    """SELFDESTRUCT (0xFF, EIP-6780 from Cancun: only deletes accounts created in the tx)."""
    cdef uint8_t beneficiary[20]
    cdef const uint8_t *me = f.msg.target
    cdef u256 bal, bal2
    cdef int64_t cost = 0
    f.sp -= 1
    word_to_addr(beneficiary, &f.stack[f.sp])
    if not self.warm_account(beneficiary):
        cost += self.sched.cold_account_access
    self.state.read_balance(me, &bal)
    if not u256_is_zero(&bal) and self.state.account_is_empty(beneficiary):
        cost += self.sched.selfdestruct_new_account
    if charge(f, cost):
        return H_OUT_OF_GAS
    if f.msg.is_static:
        return H_STATIC_VIOLATION
    if self.tracing:
        trace_selfdestruct(self, me, beneficiary, &bal)
    if self.sched.selfdestruct_eip6780:
        self.state.sub_balance(me, &bal)
        self.state.add_balance(beneficiary, &bal)
        if self.state.was_created_in_tx(me):
            u256_zero(&bal2)
            self.state.set_balance(me, &bal2)
            self.state.mark_selfdestruct(me)
    else:
        self.state.read_balance(beneficiary, &bal2)
        u256_add(&bal2, &bal2, &bal)
        self.state.set_balance(beneficiary, &bal2)
        u256_zero(&bal)
        self.state.set_balance(me, &bal)
        self.state.mark_selfdestruct(me)
    return H_SELFDESTRUCT

cdef int trace_selfdestruct(Interpreter self, const uint8_t *me, const uint8_t *beneficiary,
                            const u256 *value) except -1 with gil:
    cdef uint8_t buf[32]
    u256_to_be(buf, value)
    self.tracer.selfdestruct(PyBytes_FromStringAndSize(<const char *>me, 20),
                             PyBytes_FromStringAndSize(<const char *>beneficiary, 20),
                             int.from_bytes(PyBytes_FromStringAndSize(<char *>buf, 32), "big"))
    return 0

cdef int create(Interpreter self, Frame *f, int is_create2) except -1 nogil:
    """CREATE (0xF0) and CREATE2 (0xF5, EIP-1014); EIP-3860 initcode limit and cost,
    EIP-7610 collisions, the 63/64 rule (EIP-150)."""
    cdef u256 *a = &f.stack[f.sp - 1]
    cdef u256 value = a[0]
    cdef u256 salt
    cdef uint64_t o, n, end, nonce
    cdef int64_t child_gas, cost
    cdef Message child
    cdef Outcome out
    cdef u256 bal
    cdef uint8_t new_addr[20]
    cdef Message *m = f.msg
    cdef Code *code
    if is_create2:
        salt = (a - 3)[0]
    f.sp -= 3 + is_create2
    cdef u256 *result = &f.stack[f.sp]
    f.sp += 1
    if region(a - 1, a - 2, &o, &n, &end):
        return H_OUT_OF_GAS
    cost = self.sched.initcode_word * <int64_t>words(n)
    if is_create2:
        cost += self.sched.keccak_word * <int64_t>words(n)
    if charge(f, cost):
        return H_OUT_OF_GAS
    if mem_charge(f, end, self.sched.memory_word):
        return H_OUT_OF_GAS
    # generic_create
    if <int64_t>n > self.sched.max_initcode_size:
        return H_OUT_OF_GAS
    child_gas = f.gas - f.gas // 64
    f.gas -= child_gas
    if m.is_static:
        return H_STATIC_VIOLATION
    f.ret_size = 0
    u256_zero(result)
    self.state.read_balance(m.target, &bal)
    self.state.read_nonce(m.target, &nonce)
    if is_create2:
        create2_address(new_addr, m.target, &salt, f.mem + o, n)
    else:
        create_address(new_addr, m.target, nonce)
    memcpy(child.caller, m.target, 20)
    memcpy(child.target, new_addr, 20)
    memcpy(child.code_address, new_addr, 20)
    child.value = value
    child.data = NULL
    child.data_size = 0
    child.code = f.mem + o
    child.code_size = n
    child.jumpdests = NULL
    child.analysis = NULL
    child.gas = child_gas
    child.depth = m.depth + 1
    child.is_static = 0
    child.is_create = 1
    child.should_transfer_value = 1
    child.disable_precompiles = 0
    child.kind = OP_CREATE2 if is_create2 else OP_CREATE
    if u256_lt(&bal, &value) or nonce == UINT64_MAX or m.depth + 1 > DEPTH_LIMIT:
        f.gas += child_gas
        if self.tracing:
            self.trace_failed(&child, T_INSUFFICIENT_BALANCE if u256_lt(&bal, &value)
                              else T_NONCE_OVERFLOW if nonce == UINT64_MAX else T_CALL_DEPTH)
        return 0
    self.warm_account(new_addr)
    self.state.set_nonce(m.target, nonce + 1)
    if self.state.create_collision(new_addr):
        if self.tracing:
            self.trace_failed(&child, H_CREATE_COLLISION)
        return 0
    self.execute(&child, &out)
    f.gas += out.gas_left
    if out.halt < H_REVERT:
        addr_to_word(result, new_addr)
    elif set_returndata(f, out.output, out.output_size):
        return H_OUT_OF_GAS
    return 0

cdef int call(Interpreter self, Frame *f, int kind) except -1 nogil:
    """CALL (0xF1), CALLCODE (0xF2), DELEGATECALL (0xF4, EIP-7), STATICCALL (0xFA,
    EIP-214): EIP-150 63/64 rule, 2300 stipend, EIP-2929 access, EIP-7702 delegation."""
    cdef u256 *a = &f.stack[f.sp - 1]
    cdef Message *m = f.msg
    cdef u256 *gas_w = a
    cdef uint8_t to[20]
    cdef uint8_t deleg[20]
    cdef u256 value
    cdef u256 *args = a - 2
    cdef uint64_t in_o, in_n, in_end, out_o, out_n, out_end, end
    cdef int64_t extra, memc, child_gas, avail, stipend
    cdef Code *code
    cdef Code *dcode
    cdef int disable = 0
    cdef Message child
    cdef Outcome out
    cdef u256 bal
    word_to_addr(to, a - 1)
    if kind == OP_CALL or kind == OP_CALLCODE:
        value = (a - 2)[0]
        args = a - 3
        f.sp -= 7
    else:
        u256_zero(&value)
        f.sp -= 6
    cdef u256 *result = &f.stack[f.sp]
    f.sp += 1
    if region(args, args - 1, &in_o, &in_n, &in_end):
        return H_OUT_OF_GAS
    if region(args - 2, args - 3, &out_o, &out_n, &out_end):
        return H_OUT_OF_GAS
    end = in_end if in_end > out_end else out_end
    memc = mem_cost(f, end, self.sched.memory_word)
    extra = self.sched.warm_access if self.warm_account(to) \
        else self.sched.cold_account_access
    self.state.read_code(to, &code)
    if self.sched.delegation_eip7702 and is_delegation(code.data, code.size):
        memcpy(deleg, delegate_of(code.data), 20)
        disable = 1
        extra += self.sched.warm_access if self.warm_account(deleg) \
            else self.sched.cold_account_access
        self.state.read_code(deleg, &code)
    else:
        memcpy(deleg, to, 20)
    if not u256_is_zero(&value):
        extra += self.sched.call_value
        if kind == OP_CALL and self.state.account_is_empty(to):
            extra += self.sched.new_account
    stipend = self.sched.call_stipend if not u256_is_zero(&value) else 0
    # calculate_message_call_gas
    if f.gas < extra + memc:
        if f.gas < memc:
            f.oog_cause = T_OUT_OF_GAS_MEMORY
        return H_OUT_OF_GAS
    avail = f.gas - memc - extra
    avail -= avail // 64
    if u256_fits_u64(gas_w) and gas_w.w[0] < <uint64_t>avail:
        child_gas = <int64_t>gas_w.w[0]
    else:
        child_gas = avail
    f.gas -= child_gas + extra + memc
    if m.is_static and kind == OP_CALL and not u256_is_zero(&value):
        return H_STATIC_VIOLATION
    if mem_grow(f, end):
        return H_OUT_OF_GAS
    child_gas += stipend
    u256_zero(result)
    f.ret_size = 0
    if kind == OP_CALL or kind == OP_STATICCALL:
        memcpy(child.caller, m.target, 20)
        memcpy(child.target, to, 20)
    elif kind == OP_CALLCODE:
        memcpy(child.caller, m.target, 20)
        memcpy(child.target, m.target, 20)
    else:
        memcpy(child.caller, m.caller, 20)
        memcpy(child.target, m.target, 20)
    memcpy(child.code_address, deleg, 20)
    child.value = m.value if kind == OP_DELEGATECALL else value
    child.should_transfer_value = kind != OP_DELEGATECALL
    child.data = f.mem + in_o if in_n else NULL
    child.data_size = in_n
    child.code = code.data
    child.code_size = code.size
    child.jumpdests = self.state.code_jumpdests(code) if code.size else NULL
    child.analysis = self.state.code_analysis(code, &self.sched) if code.size else NULL
    child.gas = child_gas
    child.depth = m.depth + 1
    child.is_static = 1 if kind == OP_STATICCALL else m.is_static
    child.is_create = 0
    child.disable_precompiles = disable
    child.kind = kind
    if kind == OP_CALL or kind == OP_CALLCODE:
        self.state.read_balance(m.target, &bal)
        if u256_lt(&bal, &value):
            f.gas += child_gas
            if self.tracing:
                self.trace_failed(&child, T_INSUFFICIENT_BALANCE)
            return 0
    # generic_call
    if m.depth + 1 > DEPTH_LIMIT:
        f.gas += child_gas
        if self.tracing:
            self.trace_failed(&child, T_CALL_DEPTH)
        return 0
    self.execute(&child, &out)
    f.gas += out.gas_left
    if set_returndata(f, out.output, out.output_size):
        return H_OUT_OF_GAS
    if out.halt < H_REVERT:
        u256_set_u64(result, 1)
    # f.ret is NULL when the callee returned nothing: memcpy's pointers must be valid even
    # for a zero length.
    if out_n and f.ret_size:
        memcpy(f.mem + out_o, f.ret, out_n if out_n < f.ret_size else f.ret_size)
    return 0
