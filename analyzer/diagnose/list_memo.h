/* list_memo.h - remembers the last few distinct lists of 16-bit codes (offered cipher suites), so
 * that what was worked out for a list can be reused when the next ClientHello offers the same one.
 * A capture holds few distinct offers (one per client build) and thousands of connections.  The
 * caller keeps its own results in an array indexed by the slot. */
#ifndef TD_LIST_MEMO_H
#define TD_LIST_MEMO_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "include/transcript.h"

#define TD_LIST_MEMO_SLOTS 4

typedef struct td_list_memo {
    uint16_t codes[TD_LIST_MEMO_SLOTS][TD_MAX_CIPHERS];
    size_t n[TD_LIST_MEMO_SLOTS];  /* 0: slot empty */
    size_t next;                   /* the slot the next new list takes */
} td_list_memo;

/* The slot holding this list, or -1.  Empty and over-long lists are never remembered. */
static inline int td_list_memo_find(const td_list_memo *m, const uint16_t *codes, size_t n)
{
    if (!n || n > TD_MAX_CIPHERS) return -1;
    for (int i = 0; i < TD_LIST_MEMO_SLOTS; i++)
        if (m->n[i] == n && memcmp(m->codes[i], codes, n * sizeof *codes) == 0) return i;
    return -1;
}

/* Takes a slot for the list (the oldest goes) and returns it; -1 when it cannot be remembered. */
static inline int td_list_memo_put(td_list_memo *m, const uint16_t *codes, size_t n)
{
    if (!n || n > TD_MAX_CIPHERS) return -1;
    int i = (int)m->next;
    m->next = (m->next + 1) % TD_LIST_MEMO_SLOTS;
    memcpy(m->codes[i], codes, n * sizeof *codes);
    m->n[i] = n;
    return i;
}

#endif
