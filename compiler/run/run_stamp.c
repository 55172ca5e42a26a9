// SPDX-License-Identifier: Apache-2.0
// Window lines under `ovstrace run` (see run_stamp.h).
#include "run_stamp.h"
#include "thousands.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The local time the script printed (strftime "%Y-%m-%dT%H:%M:%S.%f") at the end of LINE,
 * after " @": its UTC time of day, "HH:MM:SS". bpftrace formats in its local time zone,
 * which is ours (run starts it with our environment). */
static int utc_of_stamp(const char *at, char *out, size_t outlen)
{
    struct tm tm = { 0 };
    int n = 0;
    if (sscanf(at, "%4d-%2d-%2dT%2d:%2d:%2d.%*6d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
               &tm.tm_sec, &n) != 6 || !n || at[n])
        return 0;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    tm.tm_isdst = -1;
    time_t t = mktime(&tm);
    struct tm utc;
    if (t == (time_t)-1 || !gmtime_r(&t, &utc))
        return 0;
    strftime(out, outlen, "%H:%M:%S", &utc);
    return 1;
}

char *run_stamp_line(const char *line)
{
    if (strncmp(line, "# ", 2) != 0)
        return NULL;
    const char *at = strrchr(line, '@');
    char utc[16];
    if (!at || at == line || at[-1] != ' ' || !utc_of_stamp(at + 1, utc, sizeof utc))
        return NULL;
    struct strbuf out = { 0 };
    /* "delta N ns": N with thousands separators. */
    const char *delta = strstr(line, "delta ");
    char *end = NULL;
    long long n = delta && delta < at ? strtoll(delta + 6, &end, 10) : 0;
    if (end && end > delta + 6 && !strncmp(end, " ns", 3)) {
        char grouped[40];
        render_thousands(grouped, sizeof grouped, n);
        sb_printf(&out, "%.*s%s%.*s", (int)(delta + 6 - line), line, grouped, (int)(at - end), end);
    } else {
        sb_printf(&out, "%.*s", (int)(at - line), line);
    }
    sb_printf(&out, "%s (%s UTC)", at, utc);
    return sb_steal(&out);
}
