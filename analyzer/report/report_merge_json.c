/* report_merge_json.c - parsed JSON written back: any value as it was read, and a connection
 * record renumbered for the merged report, naming its sensor. */
#include <string.h>

#include "analyzer/report/json_writer.h"
#include "analyzer/report/report_merge.h"

void td_jw_value(td_jw *w, const td_jv *v)
{
    switch (v->type) {
    case TD_JV_NULL: TD_JW_LIT(w, "null"); return;
    case TD_JV_FALSE: TD_JW_LIT(w, "false"); return;
    case TD_JV_TRUE: TD_JW_LIT(w, "true"); return;
    case TD_JV_NUMBER: td_jw_bytes(w, v->str, v->len); return;
    case TD_JV_STRING: td_jw_str(w, v->str); return;
    case TD_JV_ARRAY:
    case TD_JV_OBJECT: {
        bool object = v->type == TD_JV_OBJECT;
        td_jw_char(w, object ? '{' : '[');
        for (const td_jv *m = v->child; m; m = m->next) {
            if (m != v->child) td_jw_char(w, ',');
            if (object) {
                td_jw_str(w, m->key);
                td_jw_char(w, ':');
            }
            td_jw_value(w, m);
        }
        td_jw_char(w, object ? '}' : ']');
        return;
    }
    }
}

void td_merge_json_connection(FILE *out, const td_jv *c, const td_merge_ident *id)
{
    td_jw w;
    td_jw_init(&w, out);
    td_jw_char(&w, '{');
    bool first = true, has_sensor = td_jv_get(c, "sensor") != NULL, has_sensor_id = td_jv_get(c, "sensor_id") != NULL;
    for (const td_jv *m = c->child; m; m = m->next) {
        if (!first) td_jw_char(&w, ',');
        first = false;
        td_jw_str(&w, m->key);
        td_jw_char(&w, ':');
        if (strcmp(m->key, "id") != 0) {
            td_jw_value(&w, m);
            continue;
        }
        td_jw_u64(&w, id->id);
        if (!has_sensor) {
            TD_JW_LIT(&w, ",\"sensor\":");
            td_jw_str(&w, id->sensor);
        }
        if (!has_sensor_id) {
            TD_JW_LIT(&w, ",\"sensor_id\":");
            td_jw_u64(&w, id->sensor_id);
        }
    }
    TD_JW_LIT(&w, "}\n");
    td_jw_flush(&w);
}
