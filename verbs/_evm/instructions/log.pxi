# LOG0..LOG4 (execution-specs instructions/log.py).
# Included by interpreter.pyx (one C translation unit, so handlers inline into the loop).


cdef int log_n(Interpreter self, Frame *f, int n_topics) except -1 nogil:
    """LOG0..LOG4 (0xA0..0xA4): 8 gas per data byte; forbidden in static context."""
    cdef u256 *a = &f.stack[f.sp - 1]
    cdef uint64_t o, n, end
    cdef LogRec *rec
    cdef size_t ncap
    cdef int i
    f.sp -= 2 + n_topics
    if region(a, a - 1, &o, &n, &end):
        return H_OUT_OF_GAS
    if charge(f, self.sched.log_data * <int64_t>n):
        return H_OUT_OF_GAS
    if mem_charge(f, end, self.sched.memory_word):
        return H_OUT_OF_GAS
    if f.msg.is_static:
        return H_STATIC_VIOLATION
    if self.n_logs == self.logs_cap:
        ncap = self.logs_cap * 2 if self.logs_cap else 16
        rec = <LogRec *>realloc(self.logs, ncap * sizeof(LogRec))
        if rec == NULL:
            with gil:
                raise MemoryError("logs")
        self.logs = rec
        self.logs_cap = ncap       # only once the buffer has that size
    if buf_reserve(&self.log_data, &self.log_data_cap, self.log_data_size + n) != 0:
        with gil:
            raise MemoryError("log data")
    rec = &self.logs[self.n_logs]
    self.n_logs += 1
    memcpy(rec.address, f.msg.target, 20)
    rec.n_topics = n_topics
    for i in range(n_topics):
        u256_to_be(rec.topics[i], a - 2 - i)
    rec.data_off = self.log_data_size
    rec.data_size = n
    if n:
        memcpy(self.log_data + self.log_data_size, f.mem + o, n)
    self.log_data_size += n
    if self.tracing:
        trace_log(self, rec, self.log_data + rec.data_off)
    return 0


cdef int trace_log(Interpreter self, const LogRec *rec, const uint8_t *data) except -1 with gil:
    cdef int i
    topics = tuple([PyBytes_FromStringAndSize(<const char *>rec.topics[i], 32)
                    for i in range(rec.n_topics)])
    self.tracer.log(PyBytes_FromStringAndSize(<const char *>rec.address, 20), topics,
                    PyBytes_FromStringAndSize(<const char *>data, rec.data_size)
                    if rec.data_size else b"")
    return 0
