/* pcap_map.c - classic pcap and pcapng records read in place (analyzer/capture/pcap_map.h).
 *
 * The arithmetic is libpcap's (1.10): timestamps as pcap_open_offline_with_tstamp_precision(...,
 * NANO) gives them (a classic file's microseconds times 1000 in a signed 32-bit field; pcapng
 * units split by if_tsresol, the fraction scaled to nanoseconds, if_tsoffset added), an SPB's
 * captured length min(len, snapshot), the time of an SPB 0.  What libpcap would refuse, or
 * change (the pseudo-headers it byte-swaps for some link types), is a stop. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/dlt.h>

#include "analyzer/capture/pcap_map.h"

enum {
    PCAP_HDR = 24, PCAP_REC = 16,
    BT_SHB = 0x0A0D0D0A, BT_IDB = 1, BT_PB = 2, BT_SPB = 3, BT_EPB = 6, BT_DSB = 0x0A,
    BLOCK_MIN = 12,
    MAX_SNAP = 262144,             /* libpcap's MAXIMUM_SNAPLEN: the limit for every plain link type */
    /* Blocks up to this size only (an EPB of MAX_SNAP bytes with 64 KiB of options): libpcap's
     * own limit is a little higher, and a larger block is handed to it. */
    BLOCK_MAX = 8 + 20 + MAX_SNAP + 65536 + 4,
    OPT_END = 0, OPT_TSRESOL = 9, OPT_TSOFFSET = 14,
    READ_ON = 2,                   /* a block that is not a packet was taken: the next one */
};

#define NSEC 1000000000ull

/* The window's bytes are asked for PREFETCH bytes ahead of the record being read: the window was
 * written by the reading thread (source_map.c), on another core, and each record would otherwise
 * begin with a miss or two that the hardware's own prefetcher, stopped at every 4 KiB page, does
 * not hide. */
enum { PREFETCH = 16384 };

static void prefetch_ahead(td_map_reader *r)
{
    uint64_t to = r->pos + PREFETCH < r->size ? r->pos + PREFETCH : r->size;
    if (r->ahead < r->pos)
        r->ahead = r->pos & ~(uint64_t)63;
    for (; r->ahead < to; r->ahead += 64)
        __builtin_prefetch(r->base + r->ahead);
}

static uint32_t rd32(const uint8_t *p, bool swapped)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return swapped ? __builtin_bswap32(v) : v;
}

static uint16_t rd16(const uint8_t *p, bool swapped)
{
    uint16_t v;
    memcpy(&v, p, sizeof v);
    return swapped ? __builtin_bswap16(v) : v;
}

static int stop(td_map_reader *r, const char *why)
{
    /* Only the first reason counts; later calls after a stop repeat it. */
    if (!r->why[0])
        snprintf(r->why, sizeof r->why, "%s at byte %llu", why,
                 (unsigned long long)(r->window_off + r->record));
    return TD_MAP_STOP;
}

/* The record at pos needs bytes past the window: more input, or at the end of the file, a stop. */
static int short_of(td_map_reader *r, const char *why)
{
    return r->eof ? stop(r, why) : TD_MAP_MORE;
}

/* Link types whose packets libpcap hands out as they are in the file (no pseudo-header it
 * rewrites): in a byte-swapped file the Linux cooked headers are rewritten for SocketCAN. */
static bool plain_dlt(int dlt, bool swapped)
{
    switch (dlt) {
    case DLT_NULL: case DLT_EN10MB: case DLT_PPP: case DLT_RAW: case DLT_PPP_SERIAL:
    case DLT_PPP_ETHER: case DLT_C_HDLC: case DLT_LOOP: case DLT_PPP_PPPD: case DLT_PPP_WITH_DIR:
    case DLT_IPV4: case DLT_IPV6:
#if DLT_RAW != 14
    case 14:
#endif
        return true;
    case DLT_LINUX_SLL: case DLT_LINUX_SLL2:
        return !swapped;
    default:
        return false;
    }
}

static uint32_t adjust_snapshot(uint32_t snaplen)
{
    return snaplen == 0 || snaplen > MAX_SNAP ? MAX_SNAP : snaplen;
}

static bool init_pcap(td_map_reader *r)
{
    uint32_t magic;
    memcpy(&magic, r->base, 4);
    if (magic == 0xa1b2c3d4u || magic == 0xa1b23c4du)
        r->swapped = false;
    else if (__builtin_bswap32(magic) == 0xa1b2c3d4u || __builtin_bswap32(magic) == 0xa1b23c4du)
        r->swapped = true;
    else
        return stop(r, "not a classic pcap magic"), false;
    r->nsec = (r->swapped ? __builtin_bswap32(magic) : magic) == 0xa1b23c4du;
    /* 2.4 only: older versions may have the two lengths the other way round. */
    if (rd16(r->base + 4, r->swapped) != 2 || rd16(r->base + 6, r->swapped) != 4)
        return stop(r, "pcap version other than 2.4"), false;
    r->pos = PCAP_HDR;
    return true;
}

void td_map_window(td_map_reader *r, const uint8_t *base, uint64_t size, uint64_t offset, bool eof)
{
    r->base = base;
    r->size = size;
    r->window_off = offset;
    r->eof = eof;
    r->pos = r->record = r->ahead = 0;
}

bool td_map_init(td_map_reader *r, const uint8_t *base, uint64_t size, bool eof, int dlt, uint32_t snapshot)
{
    memset(r, 0, sizeof *r);
    td_map_window(r, base, size, 0, eof);
    r->dlt = dlt;
    r->snapshot = snapshot;
    if (size < PCAP_HDR)
        return stop(r, "shorter than any capture header"), false;
    if (snapshot == 0 || snapshot > MAX_SNAP || !plain_dlt(dlt, false))
        return stop(r, "a link type or snapshot length left to libpcap"), false;
    if (rd32(base, false) != BT_SHB)
        return init_pcap(r) && plain_dlt(dlt, r->swapped) ? true : (stop(r, "link type rewritten by libpcap"), false);
    r->pcapng = true;              /* the first block is read by td_map_next like any other SHB */
    if (rd32(base + 8, false) == 0x1A2B3C4Du)
        r->swapped = false;
    else if (rd32(base + 8, true) == 0x1A2B3C4Du)
        r->swapped = true;
    else
        return stop(r, "bad pcapng byte-order magic"), false;
    if (!plain_dlt(dlt, r->swapped))
        return stop(r, "link type rewritten by libpcap"), false;
    return true;
}

void td_map_free(td_map_reader *r)
{
    free(r->ifaces);
    r->ifaces = NULL;
    r->ifcount = r->ifcap = 0;
}

/* ---- classic pcap --------------------------------------------------------------------------- */

static int next_pcap(td_map_reader *r, td_map_packet *pkt)
{
    r->record = r->pos;
    if (r->pos == r->size)
        return r->eof ? TD_MAP_END : TD_MAP_MORE;
    if (r->size - r->pos < PCAP_REC)
        return short_of(r, "truncated record header");
    const uint8_t *h = r->base + r->pos;
    uint32_t caplen = rd32(h + 8, r->swapped);
    if (caplen > r->snapshot)
        return stop(r, "captured length over the snapshot length");
    if (r->size - r->pos - PCAP_REC < caplen)
        return short_of(r, "truncated packet data");
    /* libpcap's seconds are a signed 32-bit field that widens with its sign, but its byte swap
     * gives an unsigned value: a file of the other byte order has no times before 1970. */
    uint32_t sec = rd32(h, r->swapped), frac = rd32(h + 4, r->swapped);
    pkt->ts_sec = r->swapped ? (uint64_t)sec : (uint64_t)(int64_t)(int32_t)sec;
    pkt->ts_nsec = r->nsec ? frac : frac * 1000u;  /* modulo 2^32 either way */
    pkt->caplen = caplen;
    pkt->len = rd32(h + 12, r->swapped);
    pkt->data = h + PCAP_REC;
    r->pos += PCAP_REC + (uint64_t)caplen;
    r->packets++;
    prefetch_ahead(r);
    return TD_MAP_PACKET;
}

/* ---- pcapng --------------------------------------------------------------------------------- */

/* An IDB's options: if_tsresol and if_tsoffset, checked as libpcap checks them. */
static bool idb_options(td_map_reader *r, const uint8_t *p, size_t n, td_map_iface *ifc)
{
    bool saw_res = false, saw_off = false;
    ifc->tsresol = 1000000;
    ifc->tsoffset = 0;
    ifc->binary = false;
    while (n != 0) {
        if (n < 4)
            return false;
        uint16_t code = rd16(p, r->swapped), len = rd16(p + 2, r->swapped);
        size_t padded = ((size_t)len + 3) / 4 * 4;
        if (n - 4 < padded)
            return false;
        const uint8_t *v = p + 4;
        p += 4 + padded;
        n -= 4 + padded;
        if (code == OPT_END)
            return len == 0;
        if (code == OPT_TSRESOL) {
            if (len != 1 || saw_res)
                return false;
            saw_res = true;
            if (v[0] & 0x80) {
                if ((v[0] & 0x7f) > 63)
                    return false;
                ifc->binary = true;
                ifc->tsresol = 1ull << (v[0] & 0x7f);
            } else {
                if (v[0] > 19)
                    return false;
                ifc->tsresol = 1;
                for (unsigned i = 0; i < v[0]; i++)
                    ifc->tsresol *= 10;
            }
        } else if (code == OPT_TSOFFSET) {
            if (len != 8 || saw_off)
                return false;
            saw_off = true;
            uint64_t off;
            memcpy(&off, v, sizeof off);
            ifc->tsoffset = (int64_t)(r->swapped ? __builtin_bswap64(off) : off);
        }
    }
    return true;
}

static int idb(td_map_reader *r, const uint8_t *body, size_t n)
{
    if (n < 8)
        return stop(r, "Interface Description Block too short");
    uint16_t linktype = rd16(body, r->swapped);
    uint32_t snaplen = rd32(body + 4, r->swapped);
    /* libpcap compares a later IDB's raw link type with the first one's DLT, and its adjusted
     * snapshot length with the file's. */
    if (r->seen_idb && ((int)linktype != r->dlt || adjust_snapshot(snaplen) != r->snapshot))
        return stop(r, "an interface unlike the first");
    td_map_iface ifc;
    if (!idb_options(r, body + 8, n - 8, &ifc))
        return stop(r, "Interface Description Block options malformed");
    if (r->ifcount == r->ifcap) {
        uint32_t cap = r->ifcap ? r->ifcap * 2 : 4;
        if (cap < r->ifcap)
            return stop(r, "too many interfaces");
        td_map_iface *p = realloc(r->ifaces, (size_t)cap * sizeof *p);
        if (!p)
            return stop(r, "out of memory for interfaces");
        r->ifaces = p;
        r->ifcap = cap;
    }
    r->ifaces[r->ifcount++] = ifc;
    r->seen_idb = true;
    return READ_ON;
}

static int shb(td_map_reader *r, const uint8_t *body, size_t n)
{
    if (n < 16 || rd32(body, r->swapped) != 0x1A2B3C4Du)
        return stop(r, "a section of another byte order, or a bad Section Header Block");
    uint16_t major = rd16(body + 4, r->swapped), minor = rd16(body + 6, r->swapped);
    if (major != 1 || (r->window_off + r->record == 0 && minor != 0 && minor != 2))
        return stop(r, "pcapng version other than 1.0 and 1.2");
    r->ifcount = 0;                /* a section describes its own interfaces */
    return READ_ON;
}

/* A packet block's time in nanoseconds, as libpcap converts it. */
static void pcapng_time(const td_map_iface *ifc, uint64_t t, td_map_packet *pkt)
{
    uint64_t sec = t / ifc->tsresol + (uint64_t)ifc->tsoffset, frac = t % ifc->tsresol;
    if (ifc->tsresol == NSEC)
        ;
    else if (ifc->binary)
        frac = frac * NSEC / ifc->tsresol;
    else if (ifc->tsresol > NSEC)
        frac /= ifc->tsresol / NSEC;
    else
        frac *= NSEC / ifc->tsresol;
    pkt->ts_sec = sec;
    pkt->ts_nsec = (uint32_t)frac;
}

/* EPB, SPB or PB: body[0..n).  Returns TD_MAP_PACKET or a stop. */
static int packet_block(td_map_reader *r, uint32_t type, const uint8_t *body, size_t n, td_map_packet *pkt)
{
    uint32_t iface, caplen, len;
    uint64_t t = 0;
    size_t fixed = type == BT_SPB ? 4 : 20;
    if (n < fixed)
        return stop(r, "packet block too short");
    if (type == BT_SPB) {
        iface = 0;
        len = rd32(body, r->swapped);
        caplen = len > r->snapshot ? r->snapshot : len;
    } else {
        iface = type == BT_EPB ? rd32(body, r->swapped) : rd16(body, r->swapped);
        t = (uint64_t)rd32(body + 4, r->swapped) << 32 | rd32(body + 8, r->swapped);
        caplen = rd32(body + 12, r->swapped);
        len = rd32(body + 16, r->swapped);
    }
    if (iface >= r->ifcount)
        return stop(r, "a packet on an interface with no Interface Description Block");
    if (caplen > r->snapshot)
        return stop(r, "captured length over the snapshot length");
    if (caplen > n - fixed)
        return stop(r, "captured length beyond its block");
    pcapng_time(&r->ifaces[iface], t, pkt);
    pkt->caplen = caplen;
    pkt->len = len;
    pkt->data = body + fixed;
    r->packets++;
    return TD_MAP_PACKET;
}

static int next_pcapng(td_map_reader *r, td_map_packet *pkt)
{
    for (;;) {
        r->record = r->pos;
        if (r->pos == r->size)
            return r->eof ? TD_MAP_END : TD_MAP_MORE;
        if (r->size - r->pos < 8)
            return short_of(r, "truncated block header");
        const uint8_t *b = r->base + r->pos;
        uint32_t type = rd32(b, r->swapped), total = rd32(b + 4, r->swapped);
        if (total < BLOCK_MIN || total % 4 != 0 || total > BLOCK_MAX)
            return stop(r, "block total length impossible or over the limit");
        if (total > r->size - r->pos)
            return short_of(r, "block cut short by the end of the file");
        if (rd32(b + total - 4, r->swapped) != total)
            return stop(r, "block total lengths in header and trailer differ");
        const uint8_t *body = b + 8;
        size_t n = total - BLOCK_MIN;
        int rc = READ_ON;
        switch (type) {
        case BT_EPB: case BT_SPB: case BT_PB:
            rc = packet_block(r, type, body, n, pkt);
            break;
        case BT_IDB:
            rc = idb(r, body, n);
            break;
        case BT_SHB:
            rc = shb(r, body, n);
            break;
        case BT_DSB:
            if (r->on_dsb && !r->on_dsb(r->ctx, r->window_off + r->pos, r->window_off + r->pos + total))
                return TD_MAP_ERROR;
            break;
        default:
            break;                 /* name resolution, statistics, custom blocks... */
        }
        if (rc == TD_MAP_STOP)
            return rc;
        r->pos += total;
        if (rc == TD_MAP_PACKET) {
            prefetch_ahead(r);
            return rc;
        }
    }
}

int td_map_next(td_map_reader *r, td_map_packet *pkt)
{
    if (r->why[0])
        return TD_MAP_STOP;
    return r->pcapng ? next_pcapng(r, pkt) : next_pcap(r, pkt);
}
