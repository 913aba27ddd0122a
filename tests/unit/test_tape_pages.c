/* test_tape_pages.c - the line's tape memory (analyzer/run/tape_pages.c): chunks cut from
 * 2 MiB blocks aligned to their size (so that one huge page backs each), every byte of each
 * chunk usable and no two chunks overlapping; a chunk given back is the next one taken. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "analyzer/run/tape_pages.h"
#include "dissectors/asan.h"

#define N 40                       /* five blocks' worth */

TEST(chunks_are_whole_apart_and_reused)
{
    td_tape_pool pool = { 0 };
    unsigned char *c[N];
    for (int i = 0; i < N; i++) {
        c[i] = td_tape_chunk_get(&pool);
        CHECK(c[i] != NULL);
        if (!c[i]) return;
        memset(c[i], i + 1, TD_TAPE_CHUNK);
    }
    for (int i = 0; i < N; i++) {
        /* Each chunk still holds its own bytes: none was handed out twice or overlaps another. */
        CHECK(c[i][0] == i + 1 && c[i][TD_TAPE_CHUNK - 1] == i + 1);
        for (int j = 0; j < i; j++)
            CHECK((uintptr_t)c[i] + TD_TAPE_CHUNK <= (uintptr_t)c[j] || (uintptr_t)c[j] + TD_TAPE_CHUNK <= (uintptr_t)c[i]);
    }
#if !TD_ASAN
    /* The first chunk of the pool starts a block: aligned to 2 MiB. */
    CHECK(((uintptr_t)c[0] & ((2u << 20) - 1)) == 0);
#endif
    td_tape_chunk_put(&pool, c[7]);
    td_tape_chunk_put(&pool, c[3]);
    CHECK(td_tape_chunk_get(&pool) == c[3]);
    CHECK(td_tape_chunk_get(&pool) == c[7]);
    for (int i = 0; i < N; i++) td_tape_chunk_put(&pool, c[i]);
    td_tape_pool_free(&pool);
    CHECK(pool.blocks == NULL && pool.free_list == NULL);
}

int main(void)
{
    RUN(chunks_are_whole_apart_and_reused);
    return check_done();
}
