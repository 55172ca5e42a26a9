// SPDX-License-Identifier: Apache-2.0
// Digit grouping for run's report (see thousands.h).
#include "thousands.h"
#include "util.h"

#include <stdio.h>

void render_thousands(char *out, unsigned long outlen, long long v)
{
    char digits[32];
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    int n = snprintf(digits, sizeof digits, "%llu", u);
    struct strbuf b = { 0 };
    if (v < 0)
        sb_addc(&b, '-');
    for (int i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0)
            sb_addc(&b, ',');
        sb_addc(&b, digits[i]);
    }
    snprintf(out, outlen, "%s", b.s);
    sb_free(&b);
}
