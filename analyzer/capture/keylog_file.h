/* keylog_file.h - the --keylog files: read at start, and read again as they grow (live mode,
 * where the client writes its key log while tlsdiag captures). */
#ifndef TLSDIAG_KEYLOG_FILE_H
#define TLSDIAG_KEYLOG_FILE_H

#include <stdbool.h>
#include <stddef.h>

#include "dissectors/tls/keylog.h"

typedef struct td_keylog_files td_keylog_files;

/* Read every file into a new key log.  Problems (a file that cannot be read, lines that do not
 * parse, a file without one TLS secret) are printed as "tlsdiag: ..." lines naming file:line and
 * make *bad true; what could be read is kept.  NULL only when out of memory.  bad NULL: a second
 * reader of the same files (each live --workers thread has its own key log, since the dissectors
 * read theirs without locks): it never prints, the first reader has said what was wrong. */
td_keylog_files *td_keylog_files_open(const char *const *paths, size_t n, bool *bad);
td_keylog *td_keylog_files_keys(td_keylog_files *f);
/* Add key log text from elsewhere (a pcapng Decryption Secrets Block), named `origin` in the
 * warnings, which are printed as for the files.  n may be 0 in td_keylog_files_open: a key log of
 * such texts only.  Returns the number of secrets added. */
long td_keylog_files_add_text(td_keylog_files *f, const char *text, size_t len, const char *origin, bool *bad);
/* Read what was appended to the files since the last read (whole lines only); returns the
 * number of secrets added.  Cheap when nothing changed (one stat per file). */
long td_keylog_files_refresh(td_keylog_files *f, bool *bad);
void td_keylog_files_free(td_keylog_files *f);

#endif
