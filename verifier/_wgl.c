/* The WGL search loop of taala.checker.wgl, compiled (optional: it falls back to Python).
 *
 * Same algorithm, same candidate order, same step count and deadline checks as the Python
 * loop in checker/wgl.py; what changes is that model states are numbered as they are met and each
 * (state, op) step is asked of the Python model once, then read from a table (a row of n
 * int32 per state: next state, -1 when the model refuses, -2 not asked yet), so the loop
 * rarely calls Python; and Lowe's `seen` cache is an open-addressing hash set of (bitset of
 * linearized ops, state number) in one flat array. The oracle tests in tests/checker run
 * every history through both paths.
 *
 * search(call, ret, ops, step, init, inconsistent, deadline, cache_limit, want_path, verbose)
 *   call, ret: lists of n ints (history positions; ret -1 for an op with no required return)
 *   ops: the n operations; step(state, op) the model's step; `inconsistent` its refusal
 *   deadline: time.monotonic() value, or a negative number for none
 * returns (verdict, steps, path, longest): verdict 0 valid (linearizable), 1 invalid, 2 unknown, 3 the
 * table outgrew its memory bound (the caller searches in Python); path a list of (op index,
 * state after) when linearizable and want_path, else None; longest, with verbose, up to three
 * longest partial linearizations (lists like path) met at dead ends, else None. Exceptions of
 * `step` propagate.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CLOCK_EVERY 1024
#define SEEN_MAX_BYTES ((size_t)256 << 20) /* clearing the cache is sound; memory is bounded */
#define TABLE_MAX_BYTES ((size_t)256 << 20)
#define NOT_ASKED (-2)
#define TOO_BIG (-4)

typedef struct {
    PyObject *ops, *step, *inconsistent, *states, *index;
    int32_t **rows;
    size_t n, n_rows, cap_rows, bytes;
} Table;

/* The state after `code` from state number `state`: asked of the model the first time.
   -1 the model refuses, -3 a Python error is set, TOO_BIG past TABLE_MAX_BYTES. */
static int32_t table_next(Table *t, Py_ssize_t state, Py_ssize_t code) {
    int32_t *row = t->rows[state];
    if (!row) {
        if (t->bytes + t->n * 4 > TABLE_MAX_BYTES) return TOO_BIG;
        row = malloc(t->n * 4 + 4);
        if (!row) {
            PyErr_NoMemory();
            return -3;
        }
        for (size_t i = 0; i < t->n; i++) row[i] = NOT_ASKED;
        t->rows[state] = row;
        t->bytes += t->n * 4;
    }
    if (row[code] != NOT_ASKED) return row[code];
    PyObject *res = PyObject_CallFunctionObjArgs(t->step, PyList_GET_ITEM(t->states, state), PyList_GET_ITEM(t->ops, code), NULL);
    if (!res) return -3;
    int32_t v;
    if (res == t->inconsistent) {
        v = -1;
    } else {
        PyObject *found = PyDict_GetItemWithError(t->index, res);
        if (found) {
            v = (int32_t)PyLong_AsLong(found);
        } else if (PyErr_Occurred()) {
            Py_DECREF(res);
            return -3;
        } else {
            Py_ssize_t k = PyList_GET_SIZE(t->states);
            if (k >= INT32_MAX - 1) {
                Py_DECREF(res);
                return TOO_BIG;
            }
            if ((size_t)k >= t->cap_rows) {
                size_t cap = t->cap_rows * 2;
                int32_t **rows = realloc(t->rows, cap * sizeof(int32_t *));
                if (!rows) {
                    Py_DECREF(res);
                    PyErr_NoMemory();
                    return -3;
                }
                memset(rows + t->cap_rows, 0, (cap - t->cap_rows) * sizeof(int32_t *));
                t->rows = rows, t->cap_rows = cap;
            }
            PyObject *num = PyLong_FromSsize_t(k);
            if (!num || PyList_Append(t->states, res) < 0 || PyDict_SetItem(t->index, res, num) < 0) {
                Py_XDECREF(num);
                Py_DECREF(res);
                return -3;
            }
            Py_DECREF(num);
            v = (int32_t)k;
        }
    }
    Py_DECREF(res);
    row[code] = v;
    return v;
}

typedef struct {
    uint64_t *slots;   /* cap slots of stride words: W bitset words, then state + 1 (0: empty) */
    size_t cap, count, limit, stride;
} Seen;

static uint64_t hash_words(const uint64_t *w, size_t n) {
    uint64_t h = 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i < n; i++) {
        h ^= w[i];
        h *= 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    }
    return h;
}

static int seen_init(Seen *s, size_t stride, size_t limit) {
    s->stride = stride;
    size_t max_slots = SEEN_MAX_BYTES / (stride * 8);
    if (limit * 2 > max_slots) limit = max_slots / 2;
    if (limit < 16) limit = 16;
    s->limit = limit;
    s->cap = 1024;
    s->count = 0;
    s->slots = calloc(s->cap * stride, 8);
    return s->slots ? 0 : -1;
}

static int seen_grow(Seen *s) {
    size_t cap = s->cap * 2, stride = s->stride;
    uint64_t *slots = calloc(cap * stride, 8);
    if (!slots) return -1;
    for (size_t i = 0; i < s->cap; i++) {
        uint64_t *e = s->slots + i * stride;
        if (!e[stride - 1]) continue;
        size_t j = hash_words(e, stride) & (cap - 1);
        while (slots[j * stride + stride - 1]) j = (j + 1) & (cap - 1);
        memcpy(slots + j * stride, e, stride * 8);
    }
    free(s->slots);
    s->slots = slots;
    s->cap = cap;
    return 0;
}

/* Adds the configuration in `key` (stride words); 1 if it was new, 0 if seen, -1 no memory. */
static int seen_add(Seen *s, const uint64_t *key) {
    size_t stride = s->stride;
    if (s->count >= s->limit) {
        memset(s->slots, 0, s->cap * stride * 8);
        s->count = 0;
    } else if ((s->count + 1) * 2 > s->cap) {
        if (seen_grow(s) < 0) return -1;
    }
    size_t mask = s->cap - 1, j = hash_words(key, stride) & mask;
    for (;;) {
        uint64_t *e = s->slots + j * stride;
        if (!e[stride - 1]) {
            memcpy(e, key, stride * 8);
            s->count++;
            return 1;
        }
        if (memcmp(e, key, stride * 8) == 0) return 0;
        j = (j + 1) & mask;
    }
}

static double monotonic(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int read_positions(PyObject *list, Py_ssize_t n, int64_t *out) {
    if (!PyList_Check(list) || PyList_GET_SIZE(list) != n) {
        PyErr_SetString(PyExc_TypeError, "call and ret must be lists of n ints");
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        out[i] = PyLong_AsLongLong(PyList_GET_ITEM(list, i));
        if (out[i] == -1 && PyErr_Occurred()) return -1;
    }
    return 0;
}

static PyObject *search(PyObject *Py_UNUSED(self), PyObject *args) {
    PyObject *call_list, *ret_list, *ops, *step, *init, *inconsistent, *result = NULL;
    Py_ssize_t cache_limit;
    double deadline;
    int want_path, verbose;
    if (!PyArg_ParseTuple(args, "O!O!O!OOOdnpp", &PyList_Type, &call_list, &PyList_Type, &ret_list, &PyList_Type, &ops,
                          &step, &init, &inconsistent, &deadline, &cache_limit, &want_path, &verbose))
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(call_list);
    if (PyList_GET_SIZE(ops) != n) {
        PyErr_SetString(PyExc_ValueError, "ops, call and ret must have the same length");
        return NULL;
    }
    size_t W = (size_t)(n + 63) / 64, stride = W + 1;
    int64_t *call = malloc(sizeof(int64_t) * (n + 1)), *ret = malloc(sizeof(int64_t) * (n + 1));
    int64_t *order = malloc(sizeof(int64_t) * (2 * n + 1));
    Py_ssize_t *entry = NULL, *pos = NULL, *nxt = NULL, *prv = NULL, *node_of_ret = NULL;
    Py_ssize_t *st_node = NULL, *st_state = NULL, *st_limit = NULL;
    uint64_t *lin = calloc(stride, 8), *key = calloc(stride, 8);
    Seen seen = {0};
    Py_ssize_t *lp_code[3] = {NULL, NULL, NULL}, *lp_state[3] = {NULL, NULL, NULL}, best = -1, n_longest = 0;
    PyObject *longest = NULL;
    Table tab = {ops, step, inconsistent, PyList_New(0), PyDict_New(), calloc(64, sizeof(int32_t *)), (size_t)n, 0, 64, 0};
    if (!call || !ret || !order || !lin || !key) goto nomem_or_error;
    if (!tab.states || !tab.index || !tab.rows || PyList_Append(tab.states, init) < 0) goto nomem_or_error;
    {
        PyObject *zero = PyLong_FromLong(0);
        if (!zero || PyDict_SetItem(tab.index, init, zero) < 0) {
            Py_XDECREF(zero);
            goto done;
        }
        Py_DECREF(zero);
    }
    if (read_positions(call_list, n, call) < 0 || read_positions(ret_list, n, ret) < 0) goto done;

    int64_t width = n ? 2 * n : 1;
    Py_ssize_t m = 0, remaining = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        order[m++] = call[i] * width + i;
        if (ret[i] >= 0) {
            order[m++] = ret[i] * width + n + i;
            remaining++;
        }
    }
    qsort(order, m, sizeof(int64_t), cmp_i64);
    entry = malloc(sizeof(Py_ssize_t) * (m + 2));
    pos = malloc(sizeof(Py_ssize_t) * (m + 2));
    nxt = malloc(sizeof(Py_ssize_t) * (m + 2));
    prv = malloc(sizeof(Py_ssize_t) * (m + 2));
    node_of_ret = malloc(sizeof(Py_ssize_t) * (n + 1));
    st_node = malloc(sizeof(Py_ssize_t) * (n + 1));
    st_state = malloc(sizeof(Py_ssize_t) * (n + 1));
    st_limit = malloc(sizeof(Py_ssize_t) * (n + 1));
    if (!entry || !pos || !nxt || !prv || !node_of_ret || !st_node || !st_state || !st_limit) goto nomem;
    for (int k = 0; verbose && k < 3; k++) {
        lp_code[k] = malloc(sizeof(Py_ssize_t) * (n + 1));
        lp_state[k] = malloc(sizeof(Py_ssize_t) * (n + 1));
        if (!lp_code[k] || !lp_state[k]) goto nomem;
    }
    for (Py_ssize_t k = 0; k < m + 2; k++) nxt[k] = prv[k] = -1, entry[k] = pos[k] = 0;
    Py_ssize_t ohead = m + 1, last_req = 0, last_opt = ohead;
    for (Py_ssize_t k = 0; k < m; k++) {
        Py_ssize_t node = k + 1;
        int64_t position = order[k] / width, code = order[k] % width;
        entry[node] = (Py_ssize_t)code;
        pos[node] = (Py_ssize_t)position;
        if (code >= n) node_of_ret[code - n] = node;
        if (code >= n || ret[code] >= 0) {
            nxt[last_req] = node, prv[node] = last_req, last_req = node;
        } else {
            nxt[last_opt] = node, prv[node] = last_opt, last_opt = node;
        }
    }
    if (seen_init(&seen, stride, (size_t)(cache_limit > 0 ? cache_limit : 1)) < 0) goto nomem;

    Py_ssize_t state = 0, depth = 0, node = nxt[0], onode = -1, limit = -1, candidate, code;
    long long steps = 0;
    int phase2 = 0, verdict = -1;
    for (;;) {
        if (!remaining) {
            verdict = 0;
            break;
        }
        if (!phase2) {
            if (node < 0) {
                PyErr_SetString(PyExc_AssertionError, "WGL walked off the end of the history");
                goto done;
            }
            code = entry[node];
            if (code >= n) {
                phase2 = 1, limit = pos[node], onode = nxt[ohead];
                continue;
            }
            candidate = node;
        } else {
            if (onode < 0 || pos[onode] > limit) {
                if (verbose && depth >= best) { /* a dead end: keep up to three of the longest */
                    if (depth > best) best = depth, n_longest = 0;
                    if (n_longest < 3) {
                        Py_ssize_t *c = lp_code[n_longest], *a = lp_state[n_longest];
                        for (Py_ssize_t i = 0; i < depth; i++)
                            c[i] = entry[st_node[i]], a[i] = i + 1 < depth ? st_state[i + 1] : state;
                        n_longest++;
                    }
                }
                if (!depth) {
                    verdict = 1;
                    break;
                }
                depth--;
                Py_ssize_t back = st_node[depth];
                state = st_state[depth], limit = st_limit[depth];
                code = entry[back];
                lin[code >> 6] ^= (uint64_t)1 << (code & 63);
                Py_ssize_t p = prv[back], q = nxt[back];
                nxt[p] = back;
                if (q != -1) prv[q] = back;
                if (ret[code] >= 0) {
                    remaining++;
                    Py_ssize_t r = node_of_ret[code];
                    p = prv[r], q = nxt[r];
                    nxt[p] = r;
                    if (q != -1) prv[q] = r;
                    phase2 = 0, node = nxt[back];
                } else {
                    onode = nxt[back];
                }
                continue;
            }
            candidate = onode;
            code = entry[onode];
        }
        steps++;
        if (steps % CLOCK_EVERY == 0) {
            if (PyErr_CheckSignals() < 0) goto done;
            if (deadline >= 0 && monotonic() > deadline) {
                verdict = 2;
                break;
            }
        }
        int32_t new_state = table_next(&tab, state, code);
        if (new_state == -3) goto done;
        if (new_state == TOO_BIG) {
            verdict = 3;
            break;
        }
        if (new_state >= 0) {
            memcpy(key, lin, W * 8);
            key[code >> 6] |= (uint64_t)1 << (code & 63);
            key[W] = (uint64_t)new_state + 1;
            int added = seen_add(&seen, key);
            if (added < 0) goto nomem;
            if (added) {
                st_node[depth] = candidate, st_state[depth] = state, st_limit[depth] = limit;
                depth++;
                state = new_state;
                memcpy(lin, key, W * 8);
                Py_ssize_t p = prv[candidate], q = nxt[candidate];
                nxt[p] = q;
                if (q != -1) prv[q] = p;
                if (ret[code] >= 0) {
                    remaining--;
                    Py_ssize_t r = node_of_ret[code];
                    p = prv[r], q = nxt[r];
                    nxt[p] = q;
                    if (q != -1) prv[q] = p;
                }
                phase2 = 0, node = nxt[0];
                continue;
            }
        }
        if (phase2) onode = nxt[onode];
        else node = nxt[node];
    }
    PyObject *path = Py_None;
    Py_INCREF(Py_None);
    if (verdict == 0 && want_path) {
        Py_DECREF(Py_None);
        path = PyList_New(depth);
        if (!path) goto done;
        for (Py_ssize_t i = 0; i < depth; i++) {
            Py_ssize_t after = i + 1 < depth ? st_state[i + 1] : state;
            PyObject *item = Py_BuildValue("(nO)", entry[st_node[i]], PyList_GET_ITEM(tab.states, after));
            if (!item) {
                Py_DECREF(path);
                goto done;
            }
            PyList_SET_ITEM(path, i, item);
        }
    }
    if (verdict == 1 && verbose) {
        longest = PyList_New(n_longest);
        if (!longest) {
            Py_DECREF(path);
            goto done;
        }
        for (Py_ssize_t k = 0; k < n_longest; k++) {
            PyObject *one = PyList_New(best);
            if (!one) {
                Py_DECREF(path);
                goto done;
            }
            PyList_SET_ITEM(longest, k, one);
            for (Py_ssize_t i = 0; i < best; i++) {
                PyObject *item = Py_BuildValue("(nO)", lp_code[k][i], PyList_GET_ITEM(tab.states, lp_state[k][i]));
                if (!item) {
                    Py_DECREF(path);
                    goto done;
                }
                PyList_SET_ITEM(one, i, item);
            }
        }
    } else {
        longest = Py_None;
        Py_INCREF(Py_None);
    }
    result = Py_BuildValue("(iLNO)", verdict, steps, path, longest);
    goto done;
nomem_or_error:
    if (PyErr_Occurred()) goto done;
nomem:
    PyErr_NoMemory();
done:
    Py_XDECREF(tab.states);
    Py_XDECREF(tab.index);
    if (tab.rows) {
        for (size_t i = 0; i < tab.cap_rows; i++) free(tab.rows[i]);
        free(tab.rows);
    }
    free(call), free(ret), free(order), free(lin), free(key), free(seen.slots);
    Py_XDECREF(longest);
    for (int k = 0; k < 3; k++) free(lp_code[k]), free(lp_state[k]);
    free(entry), free(pos), free(nxt), free(prv), free(node_of_ret), free(st_node), free(st_state), free(st_limit);
    return result;
}

static PyMethodDef methods[] = {
    {"search", search, METH_VARARGS, "The WGL loop over a transition table (see taala.checker.wgl)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_wgl", "Compiled WGL search loop for taala.checker.wgl.", -1, methods};

PyMODINIT_FUNC PyInit__wgl(void) { return PyModule_Create(&module); }
