/* The loops that read a history, compiled (optional: taala falls back to its Python loops).
 *
 * events(): JSONL lines into Events, for taala.formats.jsonl (below).
 * pair(): Events into Operations, for taala.history.pair (further down).
 *
 * A million-op history spends most of its checking time being read: decoding each line
 * into a dict and then checking the dict costs ~4 us a line in Python. Nearly every line
 * has one flat shape (what taala's runner writes):
 *
 *   {"index":0,"type":"invoke","process":13,"f":"acquire","value":null,"time":4212,"key":"lock-522"}
 *
 * This loop reads exactly that shape -- an object whose keys are among index, type, process,
 * f, value, time, key, error, each once, whose values are integers of at most 18 digits,
 * strings without escapes, or null -- and builds the Event the Python path would build
 * (same field values, `f` and string keys interned, equal process numbers shared). Any
 * other line (another key, a float, a list, an escape, a bad type, invalid JSON, a blank
 * line) is declined: the loop stops there and the caller reads that one line in Python,
 * which accepts it or reports it with file:line, then calls back for the rest. So the
 * compiled path only ever accepts lines the Python path accepts, the same way; the
 * property test tests/checker/test_compiled_reader.py holds it to that.
 *
 * events(buf, start, end, lineno, events, event_type, types, processes) -> (offset, lineno)
 *   buf: bytes; lines are buf[start:end] split on b"\n" (the last may lack its "\n")
 *   lineno: the 1-based number of the line at `start`
 *   events: the list to append to (its length is the default `index`)
 *   event_type: taala.history.Event; types: {type name: canonical str}; processes: {int: int}
 * returns where it stopped: (end, next line number) when every line was read, else the offset
 * and number of the first declined line.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <stdint.h>
#include <string.h>

enum { F_INDEX, F_TYPE, F_PROCESS, F_F, F_VALUE, F_TIME, F_KEY, F_ERROR, N_FIELDS };

/* Which field a key names, or -1. */
static int field_of(const char *s, Py_ssize_t n) {
    switch (n) {
    case 1: return s[0] == 'f' ? F_F : -1;
    case 3: return memcmp(s, "key", 3) == 0 ? F_KEY : -1;
    case 4:
        if (memcmp(s, "type", 4) == 0) return F_TYPE;
        if (memcmp(s, "time", 4) == 0) return F_TIME;
        return -1;
    case 5:
        if (memcmp(s, "index", 5) == 0) return F_INDEX;
        if (memcmp(s, "value", 5) == 0) return F_VALUE;
        if (memcmp(s, "error", 5) == 0) return F_ERROR;
        return -1;
    case 7: return memcmp(s, "process", 7) == 0 ? F_PROCESS : -1;
    default: return -1;
    }
}

static inline const char *skip_ws(const char *p, const char *e) {
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\r')) p++;
    return p;
}

/* Strings repeat on every line (`f`, keys, types): a direct-mapped cache from short byte
 * strings to their interned str saves decoding and interning them again. Interning a string
 * that the Python path would not intern (a `value`) changes no value: str equality holds. */
#define CACHE_SLOTS 4096
#define CACHE_MAX_LEN 32
typedef struct {
    Py_ssize_t len;
    char bytes[CACHE_MAX_LEN];
    PyObject *str;
} CacheSlot;
static CacheSlot cache[CACHE_SLOTS];

static PyObject *decode(const char *s, Py_ssize_t n) {
    CacheSlot *slot = NULL;
    if (n <= CACHE_MAX_LEN) {
        uint32_t h = 2166136261u; /* FNV-1a */
        for (Py_ssize_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
        slot = &cache[h & (CACHE_SLOTS - 1)];
        if (slot->str != NULL && slot->len == n && memcmp(slot->bytes, s, n) == 0) return Py_NewRef(slot->str);
    }
    PyObject *str = PyUnicode_DecodeUTF8(s, n, NULL);
    if (str == NULL) {
        PyErr_Clear(); /* not UTF-8: the Python path says so, with the line */
        return NULL;
    }
    PyUnicode_InternInPlace(&str);
    if (slot != NULL) {
        Py_XSETREF(slot->str, Py_NewRef(str));
        slot->len = n;
        memcpy(slot->bytes, s, n);
    }
    return str;
}

/* A string's body from p (just past the opening quote); NULL to decline. *out is a new str. */
static const char *read_string(const char *p, const char *e, PyObject **out) {
    const char *s = p;
    while (p < e && *p != '"') {
        unsigned char c = (unsigned char)*p;
        if (c == '\\' || c < 0x20) return NULL;
        p++;
    }
    if (p >= e) return NULL;
    *out = decode(s, p - s);
    return *out == NULL ? NULL : p + 1;
}

/* A JSON integer of at most 18 digits from p; NULL to decline (floats, big or bad numbers). */
static const char *read_int(const char *p, const char *e, PyObject **out) {
    int negative = 0;
    if (*p == '-') {
        negative = 1;
        p++;
    }
    const char *digits = p;
    long long v = 0;
    while (p < e && *p >= '0' && *p <= '9') v = v * 10 + (*p++ - '0');
    Py_ssize_t n = p - digits;
    if (n == 0 || n > 18 || (n > 1 && *digits == '0')) return NULL;
    if (p < e && (*p == '.' || *p == 'e' || *p == 'E')) return NULL;
    *out = PyLong_FromLongLong(negative ? -v : v);
    return *out == NULL ? NULL : p;
}

/* One value: a new reference in *out (Py_None for null); NULL to decline. */
static const char *read_value(const char *p, const char *e, PyObject **out) {
    if (p >= e) return NULL;
    if (*p == '"') return read_string(p + 1, e, out);
    if (*p == '-' || (*p >= '0' && *p <= '9')) return read_int(p, e, out);
    if (e - p >= 4 && memcmp(p, "null", 4) == 0) {
        *out = Py_NewRef(Py_None);
        return p + 4;
    }
    return NULL;
}

/* Parse the object in [p, e) into fields[]; 0 on success, -1 to decline. */
static int read_object(const char *p, const char *e, PyObject **fields) {
    p = skip_ws(p, e);
    if (p >= e || *p != '{') return -1;
    p = skip_ws(p + 1, e);
    for (;;) {
        if (p >= e || *p != '"') return -1;
        const char *k = ++p;
        while (p < e && *p != '"' && *p != '\\') p++;
        if (p >= e || *p != '"') return -1;
        int field = field_of(k, p - k);
        if (field < 0 || fields[field] != NULL) return -1;
        p = skip_ws(p + 1, e);
        if (p >= e || *p != ':') return -1;
        p = read_value(skip_ws(p + 1, e), e, &fields[field]);
        if (p == NULL) return -1;
        p = skip_ws(p, e);
        if (p < e && *p == ',') {
            p = skip_ws(p + 1, e);
            continue;
        }
        if (p < e && *p == '}') break;
        return -1;
    }
    return skip_ws(p + 1, e) == e ? 0 : -1;
}

/* Objects are built the way their dataclass __init__ would (it only assigns the slots;
 * taala.history's Event and Operation have no __post_init__), but by writing the slots
 * directly: calling the class runs a Python __init__ per object, a third of this loop's
 * time. The slot offsets are read from the class's member descriptors; if they are not
 * plain object slots, events fall back to calling the class and pairing to Python. */
#define MAX_SLOTS 10
typedef struct {
    PyTypeObject *type;
    int n;
    Py_ssize_t offset[MAX_SLOTS];
} Slots;
#define SLOT(obj, slots, i) (*(PyObject **)((char *)(obj) + (slots)->offset[i]))

static int find_slots(PyTypeObject *type, const char **names, int n, Slots *out) {
    if (out->type == type) return 0;
    out->type = NULL;
    for (int i = 0; i < n; i++) {
        PyObject *d = PyObject_GetAttrString((PyObject *)type, names[i]);
        if (d == NULL) return -1;
        int ok = Py_IS_TYPE(d, &PyMemberDescr_Type) && ((PyMemberDescrObject *)d)->d_member->type == T_OBJECT_EX;
        if (ok) out->offset[i] = ((PyMemberDescrObject *)d)->d_member->offset;
        Py_DECREF(d);
        if (!ok) {
            PyErr_SetString(PyExc_TypeError, "not a dataclass with object slots");
            return -1;
        }
    }
    out->type = type;
    out->n = n;
    return 0;
}

/* A new object of slots->type with its slots set to (new references to) values. */
static PyObject *new_object(Slots *slots, PyObject **values) {
    PyObject *obj = slots->type->tp_alloc(slots->type, 0);
    if (obj == NULL) return NULL;
    for (int i = 0; i < slots->n; i++) SLOT(obj, slots, i) = Py_NewRef(values[i]);
    return obj;
}

enum { E_INDEX, E_TYPE, E_PROCESS, E_F, E_VALUE, E_TIME, E_KEY, E_ERROR, E_LINE, N_EVENT };
static const char *event_names[N_EVENT] = {"index", "type", "process", "f", "value", "time", "key", "error", "line"};
static Slots event_slots;

static PyObject *new_event(PyTypeObject *type, PyObject **values) {
    if (find_slots(type, event_names, N_EVENT, &event_slots) < 0) {
        PyErr_Clear();
        return PyObject_Vectorcall((PyObject *)type, values, N_EVENT, NULL);
    }
    return new_object(&event_slots, values);
}

#define IS_INT(o) (PyLong_CheckExact(o))
#define IS_STR(o) (PyUnicode_CheckExact(o))
#define ABSENT_OR_NONE(o) ((o) == NULL || (o) == Py_None)

/* The Event for one line, or NULL to decline (with no Python error set) or on error (set). */
static PyObject *line_event(const char *p, const char *e, Py_ssize_t position, long lineno,
                            PyObject *event_type, PyObject *types, PyObject *processes) {
    PyObject *fields[N_FIELDS] = {NULL};
    PyObject *event = NULL;
    if (read_object(p, e, fields) < 0) goto done;
    PyObject *type = fields[F_TYPE], *process = fields[F_PROCESS], *f = fields[F_F];
    PyObject *index = fields[F_INDEX], *value = fields[F_VALUE], *time = fields[F_TIME], *key = fields[F_KEY];
    if (type == NULL || !IS_STR(type) || process == NULL || !IS_INT(process) || f == NULL || !IS_STR(f) ||
        PyUnicode_GET_LENGTH(f) == 0 || (index != NULL && !IS_INT(index)) || (!ABSENT_OR_NONE(time) && !IS_INT(time)) ||
        !ABSENT_OR_NONE(fields[F_ERROR]) || (!ABSENT_OR_NONE(key) && !IS_INT(key) && !IS_STR(key)))
        goto done; /* value is an int, a str or None by construction */
    PyObject *canonical = PyDict_GetItemWithError(types, type);
    if (canonical == NULL) goto done;
    PyObject *shared = PyDict_SetDefault(processes, process, process);
    if (shared == NULL) goto done;
    PyObject *index_obj = index != NULL ? Py_NewRef(index) : PyLong_FromSsize_t(position);
    PyObject *line = PyLong_FromLong(lineno);
    if (index_obj == NULL || line == NULL) {
        Py_XDECREF(index_obj);
        Py_XDECREF(line);
        goto done;
    }
    PyObject *values[N_EVENT] = {index_obj, canonical, shared, fields[F_F], value ? value : Py_None,
                                  time ? time : Py_None, key ? key : Py_None, Py_None, line};
    event = new_event((PyTypeObject *)event_type, values);
    Py_DECREF(index_obj);
    Py_DECREF(line);
done:
    for (int i = 0; i < N_FIELDS; i++) Py_XDECREF(fields[i]);
    return event;
}

static PyObject *events(PyObject *self, PyObject *args) {
    Py_buffer buf;
    Py_ssize_t start, end;
    long lineno;
    PyObject *out, *event_type, *types, *processes;
    if (!PyArg_ParseTuple(args, "y*nnlO!OO!O!", &buf, &start, &end, &lineno, &PyList_Type, &out, &event_type,
                          &PyDict_Type, &types, &PyDict_Type, &processes))
        return NULL;
    if (start < 0 || end > buf.len || start > end) {
        PyBuffer_Release(&buf);
        PyErr_SetString(PyExc_ValueError, "start and end must lie within the buffer");
        return NULL;
    }
    const char *base = buf.buf, *p = base + start, *stop = base + end;
    while (p < stop) {
        const char *eol = memchr(p, '\n', stop - p);
        if (eol == NULL) eol = stop;
        PyObject *event = line_event(p, eol, PyList_GET_SIZE(out), lineno, event_type, types, processes);
        if (event == NULL) {
            if (PyErr_Occurred()) {
                PyBuffer_Release(&buf);
                return NULL;
            }
            break;
        }
        int failed = PyList_Append(out, event);
        Py_DECREF(event);
        if (failed) {
            PyBuffer_Release(&buf);
            return NULL;
        }
        lineno++;
        p = eol < stop ? eol + 1 : stop;
    }
    PyBuffer_Release(&buf);
    return Py_BuildValue("nl", (Py_ssize_t)(p - base), lineno);
}

/* pair(events, event_type, operation_type, nemesis, invoke, ok, pending) -> list or None
 *
 * taala.history.pair's loop for a history with nothing to report: the same Operations in
 * the same order with the same fields. It returns None at the first thing the Python loop
 * would raise or warn about (an invocation while the process's op is open, a completion
 * with no invocation or of another f, a completion timed before its invocation), and for
 * any event that is not exactly an Event: the caller then pairs in Python, which says it. */
enum { O_ID, O_PROCESS, O_F, O_VALUE, O_KEY, O_STATUS, O_CALL, O_RET, O_INVOKE, O_COMPLETION, N_OPERATION };
static const char *operation_names[N_OPERATION] = {"id", "process", "f", "value", "key", "status", "call", "ret", "invoke", "completion"};
static Slots operation_slots;

static inline int same_str(PyObject *a, PyObject *b) {
    return a == b || (PyUnicode_CheckExact(a) && PyUnicode_Compare(a, b) == 0);
}

/* 1 if the completion is timed before its invocation, 0 if not, -1 on error. */
static int timed_backwards(PyObject *completion, PyObject *invocation) {
    PyObject *t = SLOT(completion, &event_slots, E_TIME), *t0 = SLOT(invocation, &event_slots, E_TIME);
    if (t == Py_None || t0 == Py_None) return 0;
    return PyObject_RichCompareBool(t, t0, Py_LT);
}

/* Fills ops; 1 when paired, 0 to leave it to Python, -1 on error. */
static int pair_into(PyObject *events, PyObject *open, PyObject *ops, PyObject *nemesis, PyObject *invoke, PyObject *ok,
                     PyObject *pending) {
    Py_ssize_t n = PyList_GET_SIZE(events);
    for (Py_ssize_t pos = 0; pos < n; pos++) {
        PyObject *e = PyList_GET_ITEM(events, pos);
        if (!Py_IS_TYPE(e, event_slots.type)) return 0;
        PyObject *process = SLOT(e, &event_slots, E_PROCESS), *type = SLOT(e, &event_slots, E_TYPE);
        if (!PyLong_CheckExact(process) && !PyUnicode_CheckExact(process)) return 0;
        if (PyUnicode_CheckExact(process) && PyUnicode_Compare(process, nemesis) == 0) continue;
        PyObject *op = PyDict_GetItemWithError(open, process);
        if (op == NULL && PyErr_Occurred()) return -1;
        if (same_str(type, invoke)) {
            if (op != NULL) return 0;
            PyObject *id = PyLong_FromSsize_t(PyList_GET_SIZE(ops)), *call = PyLong_FromSsize_t(pos);
            PyObject *values[N_OPERATION] = {id, process, SLOT(e, &event_slots, E_F), SLOT(e, &event_slots, E_VALUE),
                                             SLOT(e, &event_slots, E_KEY), pending, call, Py_None, e, Py_None};
            PyObject *made = id && call ? new_object(&operation_slots, values) : NULL;
            Py_XDECREF(id);
            Py_XDECREF(call);
            if (made == NULL) return -1;
            int failed = PyDict_SetItem(open, process, made) < 0 || PyList_Append(ops, made) < 0;
            Py_DECREF(made);
            if (failed) return -1;
            continue;
        }
        if (op == NULL || !same_str(SLOT(e, &event_slots, E_F), SLOT(op, &operation_slots, O_F))) return 0;
        int backwards = timed_backwards(e, SLOT(op, &operation_slots, O_INVOKE));
        if (backwards != 0) return backwards < 0 ? -1 : 0;
        PyObject *ret = PyLong_FromSsize_t(pos);
        if (ret == NULL) return -1;
        Py_SETREF(SLOT(op, &operation_slots, O_STATUS), Py_NewRef(type));
        Py_SETREF(SLOT(op, &operation_slots, O_RET), ret);
        Py_SETREF(SLOT(op, &operation_slots, O_COMPLETION), Py_NewRef(e));
        PyObject *value = SLOT(e, &event_slots, E_VALUE);
        if (value != Py_None && same_str(type, ok)) Py_SETREF(SLOT(op, &operation_slots, O_VALUE), Py_NewRef(value));
        if (SLOT(op, &operation_slots, O_KEY) == Py_None)
            Py_SETREF(SLOT(op, &operation_slots, O_KEY), Py_NewRef(SLOT(e, &event_slots, E_KEY)));
        if (PyDict_DelItem(open, process) < 0) return -1; /* last: `op` was borrowed from `open` */
    }
    return 1;
}

static PyObject *pair(PyObject *self, PyObject *args) {
    PyObject *events, *event_type, *operation_type, *nemesis, *invoke, *ok, *pending;
    if (!PyArg_ParseTuple(args, "O!O!O!UUUU", &PyList_Type, &events, &PyType_Type, &event_type, &PyType_Type,
                          &operation_type, &nemesis, &invoke, &ok, &pending))
        return NULL;
    if (find_slots((PyTypeObject *)event_type, event_names, N_EVENT, &event_slots) < 0 ||
        find_slots((PyTypeObject *)operation_type, operation_names, N_OPERATION, &operation_slots) < 0) {
        PyErr_Clear();
        Py_RETURN_NONE;
    }
    PyObject *open = PyDict_New(), *ops = PyList_New(0);
    int done = open && ops ? pair_into(events, open, ops, nemesis, invoke, ok, pending) : -1;
    Py_XDECREF(open);
    if (done != 1) {
        Py_XDECREF(ops);
        if (done < 0) return NULL;
        Py_RETURN_NONE;
    }
    return ops;
}

static PyMethodDef methods[] = {
    {"events", events, METH_VARARGS, "Read the common JSONL line shape into Events (see taala.formats.jsonl)."},
    {"pair", pair, METH_VARARGS, "Pair Events into Operations when nothing needs reporting (see taala.history.pair)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_read", "Compiled loops for reading a history: JSONL lines into events, events into operations.", -1, methods};

PyMODINIT_FUNC PyInit__read(void) { return PyModule_Create(&module); }
