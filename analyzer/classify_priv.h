/* classify_priv.h - between the classifier and its rule table. */
#ifndef TLSDIAG_CLASSIFY_PRIV_H
#define TLSDIAG_CLASSIFY_PRIV_H

#include "classify.h"

/* Pick the verdict (and its evidence and remedy) for t; add the certificate findings. */
void td_rules_apply(td_classifier *c, const td_transcript *t, td_result *r);

#endif
