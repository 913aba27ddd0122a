/* report_path.c - the JSON "path" object of a TCP connection: what the network did to its segments (sizes, retransmissions, the ClientHello's segments, the first reset's TTL and timing). */
#include "analyzer/report/json_writer.h"

/* ,"k":[a,b]; the key a literal, written as it is. */
#define pair(w, k, a, b) pair_lit((w), ",\"" k "\":[", sizeof(",\"" k "\":[") - 1, (a), (b))

static void pair_lit(td_jw *w, const char *key, size_t key_len, uint64_t a, uint64_t b)
{
    td_jw_bytes(w, key, key_len);
    td_jw_u64(w, a);
    td_jw_char(w, ',');
    td_jw_u64(w, b);
    td_jw_char(w, ']');
}

void td_json_path(td_jw *w, const td_path *x)
{
    TD_JW_LIT(w, ",\"path\":{\"ttl_min\":["); td_jw_u64(w, x->ttl_min[0]);
    td_jw_char(w, ','); td_jw_u64(w, x->ttl_min[1]);
    td_jw_char(w, ']');
    pair(w, "ttl_max", x->ttl_max[0], x->ttl_max[1]);
    pair(w, "segments", x->segs[0], x->segs[1]);
    pair(w, "largest_segment", x->max_seg[0], x->max_seg[1]);
    pair(w, "full_size_segments", x->big_segs[0], x->big_segs[1]);
    pair(w, "full_size_retransmits_unacked", x->big_retx[0], x->big_retx[1]);
    pair(w, "out_of_order", x->ooo_segs[0], x->ooo_segs[1]);
    pair(w, "duplicate_acks", x->dup_acks[0], x->dup_acks[1]);
    pair(w, "zero_windows", x->zero_windows[0], x->zero_windows[1]);
    TD_JW_LIT(w, ",\"client_hello\":");
    if (x->ch_len) {
        TD_JW_LIT(w, "{\"bytes\":"); td_jw_u64(w, x->ch_len);
        TD_JW_LIT(w, ",\"segments\":"); td_jw_u64(w, x->ch_segs);
        TD_JW_LIT(w, ",\"retransmits\":"); td_jw_u64(w, x->ch_retx);
        TD_JW_LIT(w, ",\"seen\":"); td_jw_u64(w, x->ch_got);
        uint32_t acked = 0;
        if (x->ack_seen[0]) {
            int32_t d = (int32_t)(x->high_ack[0] - x->ch_start);
            acked = d <= 0 ? 0 : (uint32_t)d > x->ch_len ? x->ch_len : (uint32_t)d;
        }
        TD_JW_LIT(w, ",\"acked\":"); td_jw_u64(w, acked);
        td_jw_char(w, '}');
    } else {
        TD_JW_LIT(w, "null");
    }
    TD_JW_LIT(w, ",\"reset\":");
    if (x->rst_seen) {
        TD_JW_LIT(w, "{\"ttl\":"); td_jw_u64(w, x->rst_ttl);
        TD_JW_LIT(w, ",\"ip_id\":"); td_jw_u64(w, x->rst_ip_id);
        TD_JW_LIT(w, ",\"after_ms\":");
        td_jw_fixed3(w, x->ch_ts ? (x->rst_ts - x->ch_ts) * 1000.0 : 0.0);
        pair(w, "packets_after", x->after_rst[0], x->after_rst[1]);
        td_jw_char(w, '}');
    } else {
        TD_JW_LIT(w, "null");
    }
    td_jw_char(w, '}');
}
