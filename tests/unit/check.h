/* check.h - the unit tests' tiny harness.  Each test file is one program:
 *     TEST(name) { CHECK(x == 1); CHECK_STR(s, "a"); }
 *     int main(void) { RUN(name); return check_done(); }
 * It prints "ok NAME" or "not ok NAME" per test (tests/run.sh counts those lines) and the failed
 * assertions with their file and line. */
#ifndef TLSDIAG_CHECK_H
#define TLSDIAG_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failed_in_test;
static int check_tests_passed, check_tests_failed;

#define TEST(name) static void name(void)

#define CHECK(cond)                                                                     \
    do {                                                                                \
        if (!(cond)) {                                                                  \
            check_failed_in_test++;                                                     \
            printf("    check failed at %s:%d: %s\n", __FILE__, __LINE__, #cond);       \
        }                                                                               \
    } while (0)

#define CHECK_STR(a, b)                                                                 \
    do {                                                                                \
        const char *check_a_ = (a), *check_b_ = (b);                                    \
        if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_) != 0) {                \
            check_failed_in_test++;                                                     \
            printf("    check failed at %s:%d: %s is \"%s\", expected \"%s\"\n",       \
                   __FILE__, __LINE__, #a, check_a_ ? check_a_ : "(null)",              \
                   check_b_ ? check_b_ : "(null)");                                     \
        }                                                                               \
    } while (0)

#define RUN(name)                                                                       \
    do {                                                                                \
        check_failed_in_test = 0;                                                       \
        name();                                                                         \
        if (check_failed_in_test) { check_tests_failed++; printf("not ok %s\n", #name); } \
        else { check_tests_passed++; printf("ok %s\n", #name); }                        \
    } while (0)

static inline int check_done(void)
{
    printf("%d passed, %d failed\n", check_tests_passed, check_tests_failed);
    return check_tests_failed ? 1 : 0;
}

#endif
