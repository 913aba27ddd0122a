/* pcapng_secrets.h - a streaming walker over pcapng blocks that hands out the contents of every
 * Decryption Secrets Block (block type 0x0000000A; what `editcap --inject-secrets` writes).
 *
 * libpcap skips these blocks, so the file source (analyzer/capture/source_file.c) passes the bytes it
 * reads through this walker on the way to libpcap.  The walker is a pure parser
 * (analyzer/capture/pcapng_secrets.c): no I/O, no global state.  It takes the input in pieces of any
 * size (a block may be split anywhere), follows each Section Header Block's byte order (several
 * sections, either order), skips every other block without copying it, and checks every length
 * against the block it is in.  Input that does not start with a Section Header Block is not
 * pcapng: the walker then ignores everything (TD_PCAPNG_NOT_PCAPNG) at the cost of one test per
 * feed. */
#ifndef TLSDIAG_PCAPNG_SECRETS_H
#define TLSDIAG_PCAPNG_SECRETS_H

#include <stddef.h>
#include <stdint.h>

#define TD_PCAPNG_SECRETS_TLS 0x544c534bu        /* "TLSK": an NSS key log */
#define TD_PCAPNG_SECRETS_MAX ((size_t)16 << 20)  /* largest Decryption Secrets Block read */

/* One Decryption Secrets Block: its secrets type, its secrets (data[0..len), valid only during the
 * call) and the byte offset of the block in the input. */
typedef void (*td_pcapng_secrets_fn)(void *ctx, uint32_t secrets_type, const uint8_t *data,
                                     size_t len, uint64_t offset);

typedef enum td_pcapng_status {
    TD_PCAPNG_OK = 0,              /* walking (or finished at a block boundary) */
    TD_PCAPNG_NOT_PCAPNG,          /* the input does not start with a Section Header Block */
    TD_PCAPNG_BAD_BLOCK,           /* a block's framing is broken (a length too small, not a
                                    * multiple of 4, trailer differing, bad byte-order magic,
                                    * input ending inside a block): walking stopped */
    TD_PCAPNG_BAD_SECRETS,         /* a Decryption Secrets Block is inconsistent inside (secrets
                                    * length beyond the block) or too large: walking stopped */
} td_pcapng_status;

typedef struct td_pcapng_walker {
    td_pcapng_secrets_fn fn;
    void *ctx;
    td_pcapng_status status;
    int state;                     /* where in a block the next byte goes (pcapng_secrets.c) */
    int big_endian;                /* the current section's byte order */
    uint64_t pos;                  /* bytes fed so far */
    uint64_t block_start;          /* offset of the current block */
    uint32_t block_type, block_len;
    uint8_t head[12];              /* the block's first bytes: type, length (, byte-order magic) */
    size_t head_len, head_want;
    uint64_t skip;                 /* body bytes still to skip (blocks other than secrets) */
    uint8_t *body;                 /* a secrets block's body, grown as its bytes arrive */
    size_t body_len, body_want, body_cap;
    uint8_t trail[4];              /* the block's trailing copy of its length */
    size_t trail_len;
    uint64_t blocks, secrets;      /* blocks walked, secrets blocks handed out */
    char err[160];                 /* what is wrong, when status is BAD_* */
} td_pcapng_walker;

/* Start walking: fn is called with each Decryption Secrets Block found. */
void td_pcapng_walker_init(td_pcapng_walker *w, td_pcapng_secrets_fn fn, void *ctx);
/* Walk the next len bytes of the input.  Returns the status; once it is not TD_PCAPNG_OK, later
 * feeds do nothing and return it again. */
td_pcapng_status td_pcapng_walker_feed(td_pcapng_walker *w, const uint8_t *data, size_t len);
/* The input ended: TD_PCAPNG_BAD_BLOCK (with err) if it ended inside a block. */
td_pcapng_status td_pcapng_walker_finish(td_pcapng_walker *w);
/* Release the walker's buffer (the struct is the caller's). */
void td_pcapng_walker_free(td_pcapng_walker *w);

#endif
