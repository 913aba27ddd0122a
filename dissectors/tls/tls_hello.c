/* tls_hello.c - what the hellos offer beyond the basics: extension ids, groups, signature schemes, key shares.
 *
 * The lists of the first ClientHello (extension ids in order, signature_algorithms,
 * supported_groups, the key_share groups, ec_point_formats, psk_key_exchange_modes,
 * compress_certificate, encrypted_client_hello) and of the ServerHello (its extension ids, the
 * key_share group it chose), into the transcript's td_hello.  Each list is capped and counts
 * what it did not keep; GREASE values are kept as sent. */
#include <stdlib.h>

#include "dissectors/cursor.h"
#include "dissectors/tls/tls_int.h"

enum {
    EXT_SUPPORTED_GROUPS = 10, EXT_EC_POINT_FORMATS = 11, EXT_SIGNATURE_ALGORITHMS = 13,
    EXT_COMPRESS_CERTIFICATE = 27, EXT_PSK_MODES = 45, EXT_KEY_SHARE = 51, EXT_ECH = 0xfe0d,
};

td_hello *tls_hello(td_tls *tls)
{
    if (!tls->hello) tls->hello = calloc(1, sizeof *tls->hello);
    return tls->hello;
}

static void push16(uint16_t *list, uint16_t *n, uint16_t *total, size_t cap, uint16_t v)
{
    if (*n < cap) list[(*n)++] = v;
    if (total && *total < UINT16_MAX) (*total)++;
}

/* A list of 16-bit values in a block (its length prefix: 1 or 2 bytes). */
static void list16(cursor *ext, bool prefix16, uint16_t *list, uint16_t *n, uint16_t *total, size_t cap)
{
    cursor l = prefix16 ? cur_block16(ext) : cur_block8(ext);
    *n = 0;
    if (total) *total = 0;
    while (cur_left(&l) >= 2) push16(list, n, total, cap, cur_u16(&l));
}

static void list8(cursor *ext, uint8_t *list, uint16_t *n, size_t cap)
{
    cursor l = cur_block8(ext);
    *n = 0;
    while (!cur_empty(&l) && *n < cap) list[(*n)++] = cur_u8(&l);
}

void tls_hello_client_extension(td_hello *h, uint16_t type, cursor ext)
{
    push16(h->ext, &h->n_ext, &h->n_ext_total, TD_MAX_HELLO_IDS, type);
    switch (type) {
    case EXT_SUPPORTED_GROUPS:
        list16(&ext, true, h->groups, &h->n_groups, &h->n_groups_total, TD_MAX_HELLO_IDS);
        break;
    case EXT_SIGNATURE_ALGORITHMS:
        list16(&ext, true, h->sig_algs, &h->n_sig_algs, &h->n_sig_algs_total, TD_MAX_HELLO_IDS);
        break;
    case EXT_EC_POINT_FORMATS: list8(&ext, h->point_formats, &h->n_point_formats, TD_MAX_HELLO_SMALL); break;
    case EXT_PSK_MODES: list8(&ext, h->psk_modes, &h->n_psk_modes, TD_MAX_HELLO_SMALL); break;
    case EXT_COMPRESS_CERTIFICATE:
        list16(&ext, false, h->cert_compression, &h->n_cert_compression, NULL, TD_MAX_HELLO_SMALL);
        break;
    case EXT_KEY_SHARE: {                          /* KeyShareEntry client_shares<0..2^16-1> */
        cursor l = cur_block16(&ext);
        h->n_key_shares = h->n_key_shares_total = 0;
        while (!cur_empty(&l) && !l.bad) {
            uint16_t group = cur_u16(&l);
            (void)cur_block16(&l);                 /* key_exchange */
            if (l.bad) break;
            push16(h->key_shares, &h->n_key_shares, &h->n_key_shares_total, TD_MAX_HELLO_SMALL, group);
        }
        break;
    }
    case EXT_ECH:                                  /* ECHClientHelloType type; ... */
        h->ech = true;
        h->ech_type = cur_u8(&ext);
        break;
    default: break;
    }
}

void tls_hello_server_extension(td_hello *h, uint16_t type, cursor ext)
{
    push16(h->server_ext, &h->n_server_ext, &h->n_server_ext_total, TD_MAX_HELLO_IDS, type);
    if (type == EXT_KEY_SHARE) {                   /* ServerHello: KeyShareEntry; HRR: the group alone */
        uint16_t group = cur_u16(&ext);
        if (!ext.bad) h->server_key_share = group;
    }
}
