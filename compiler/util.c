// SPDX-License-Identifier: Apache-2.0
// Small helpers every pass uses: checked allocation, string buffers, vectors,
// and the edit distance behind "did you mean" hints.
#include "util.h"

#include <stdio.h>
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

static void out_of_memory(void)
{
    fputs("ovstrace: out of memory\n", stderr);
    exit(70);
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        out_of_memory();
    return p;
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        out_of_memory();
    return p;
}

void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        out_of_memory();
    return p;
}

char *xstrdup(const char *s) { return xstrndup(s, strlen(s)); }

char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *xasprintf(const char *fmt, ...)
{
    struct strbuf b = { 0 };
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(&b, fmt, ap);
    va_end(ap);
    return sb_steal(&b);
}

static void sb_grow(struct strbuf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1)
        cap *= 2;
    b->s = xrealloc(b->s, cap);
    b->cap = cap;
}

void sb_addn(struct strbuf *b, const char *s, size_t n)
{
    sb_grow(b, n);
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void sb_add(struct strbuf *b, const char *s) { sb_addn(b, s, strlen(s)); }
void sb_addc(struct strbuf *b, char c) { sb_addn(b, &c, 1); }

void sb_vprintf(struct strbuf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return;
    sb_grow(b, (size_t)n);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void sb_printf(struct strbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(b, fmt, ap);
    va_end(ap);
}

char *sb_steal(struct strbuf *b)
{
    char *s = b->s ? b->s : xstrdup("");
    b->s = NULL;
    b->len = b->cap = 0;
    return s;
}

void sb_free(struct strbuf *b)
{
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}

void vec_push(struct vec *v, void *p)
{
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 8;
        v->v = xrealloc(v->v, (size_t)v->cap * sizeof *v->v);
    }
    v->v[v->n++] = p;
}

void vec_free(struct vec *v)
{
    free(v->v);
    v->v = NULL;
    v->n = v->cap = 0;
}

void vec_free_strings(struct vec *v)
{
    for (int i = 0; i < v->n; i++)
        free(v->v[i]);
    vec_free(v);
}

int vec_has_string(const struct vec *v, const char *s)
{
    for (int i = 0; i < v->n; i++)
        if (!strcmp(v->v[i], s))
            return 1;
    return 0;
}

struct named {
    const char *name;
    int i;
};

static int named_order(const void *pa, const void *pb)
{
    const struct named *a = pa, *b = pb;
    int c = strcmp(a->name, b->name);
    return c ? c : (a->i > b->i) - (a->i < b->i);
}

void find_duplicates(const char *const *names, int n, void (*found)(void *ctx, int i, int first), void *ctx)
{
    struct named *v = xmalloc((size_t)(n > 0 ? n : 1) * sizeof *v);
    int m = 0;
    for (int i = 0; i < n; i++)
        if (names[i])
            v[m++] = (struct named){ names[i], i };
    qsort(v, (size_t)m, sizeof *v, named_order);
    for (int k = 1, first = 0; k < m; k++) {
        if (strcmp(v[k].name, v[first].name) != 0)
            first = k;
        else
            found(ctx, v[k].i, v[first].i);
    }
    free(v);
}

int edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return 99;
    int row[65];
    for (size_t j = 0; j <= lb; j++)
        row[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int diag = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int up = row[j];
            int cost = a[i - 1] == b[j - 1] ? 0 : 1;
            int best = diag + cost;
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

const char *closest_name(const char *name, const char *const *candidates, int n)
{
    const char *best = NULL;
    int best_d = 99;
    for (int i = 0; i < n; i++) {
        int d = edit_distance(name, candidates[i]);
        if (d < best_d) {
            best_d = d;
            best = candidates[i];
        }
    }
    /* A third of the name, at least one edit: close enough to be a typo. */
    int limit = (int)strlen(name) / 3;
    if (limit < 1)
        limit = 1;
    return best_d <= limit ? best : NULL;
}

int parse_duration(const char *text, uint64_t *ns)
{
    /* Each unit is C * 10^E ns, so the fraction's share is exact in 64 bits (below). */
    static const struct { const char *unit; uint64_t c; int e; } units[] = {
        { "ns", 1, 0 }, { "us", 1, 3 }, { "ms", 1, 6 }, { "s", 1, 9 }, { "m", 6, 10 }, { "h", 36, 11 },
    };
    const char *p = text;
    uint64_t whole = 0, frac = 0;
    int digits = 0, big = 0;    /* fraction digits kept (at most 17: finer than 1 ns for every unit) */
    if (*p < '0' || *p > '9')
        return -1;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (whole > (UINT64_MAX - 9) / 10)
            big = 1;
        else
            whole = whole * 10 + (uint64_t)(*p - '0');
    }
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return -1;
        for (; *p >= '0' && *p <= '9'; p++)
            if (digits < 17) {
                frac = frac * 10 + (uint64_t)(*p - '0');
                digits++;
            }
    }
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcmp(p, units[i].unit) != 0)
            continue;
        uint64_t unit = units[i].c, part = frac * units[i].c;
        for (int k = 0; k < units[i].e; k++)
            unit *= 10;
        /* frac / 10^digits of a unit: frac * C * 10^(E - digits), or divided when digits > E. */
        for (int k = digits; k < units[i].e; k++)
            part *= 10;
        for (int k = units[i].e; k < digits; k++)
            part /= 10;
        if (big || whole > UINT64_MAX / unit || whole * unit > (uint64_t)INT64_MAX - part)
            return -2;
        *ns = whole * unit + part;
        return 0;
    }
    return -1;
}

size_t utf8_char_len(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    if (n == 0)
        return 0;
    if (u[0] < 0x80)
        return 1;
    size_t len = u[0] >= 0xc2 && u[0] <= 0xdf ? 2 : u[0] >= 0xe0 && u[0] <= 0xef ? 3 : u[0] >= 0xf0 && u[0] <= 0xf4 ? 4 : 0;
    if (!len || len > n)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((u[i] & 0xc0) != 0x80)
            return 0;
    /* Overlong forms, UTF-16 surrogates and code points past U+10FFFF. */
    if ((u[0] == 0xe0 && u[1] < 0xa0) || (u[0] == 0xed && u[1] >= 0xa0) || (u[0] == 0xf0 && u[1] < 0x90) ||
        (u[0] == 0xf4 && u[1] >= 0x90))
        return 0;
    return len;
}

unsigned utf8_code_point(const char *s, size_t len)
{
    const unsigned char *c = (const unsigned char *)s;
    static const unsigned char lead_bits[] = { 0x7f, 0x1f, 0x0f, 0x07 };
    unsigned cp = c[0] & lead_bits[len > 0 && len <= 4 ? len - 1 : 0];
    for (size_t i = 1; i < len; i++)
        cp = cp << 6 | (c[i] & 0x3f);
    return cp;
}

int utf8_char_inert(const char *s, size_t len)
{
    unsigned cp = utf8_code_point(s, len);
    return !(cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || cp == 0x2028 || cp == 0x2029 || cp == 0x061c ||
             cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069));
}

void sb_add_escaped(struct strbuf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t len = utf8_char_len(s + i, n - i);
        if (len && utf8_char_inert(s + i, len)) {
            sb_addn(b, s + i, len);
            i += len;
            continue;
        }
        for (size_t k = 0; k < (len ? len : 1); k++)
            sb_printf(b, "\\x%02x", (unsigned char)s[i + k]);
        i += len ? len : 1;
    }
}

char *text_escaped(const char *s)
{
    struct strbuf b = { 0 };
    sb_add_escaped(&b, s, strlen(s));
    return sb_steal(&b);
}

const char *text_problem(const char *s, size_t n, size_t *at)
{
    for (size_t i = 0; i < n;) {
        size_t len = utf8_char_len(s + i, n - i);
        *at = i;
        if (!len)
            return "invalid UTF-8 byte";
        if (!utf8_char_inert(s + i, len))
            return "control character";
        i += len;
    }
    return NULL;
}

int is_identifier(const char *s, size_t max)
{
    size_t n = 0;
    if (!s || !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
        return 0;
    for (; *s; s++, n++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return 0;
    return n <= max;
}

int open_regular_file(const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        if (S_ISREG(st.st_mode))
            snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
        else
            snprintf(err, errlen, "'%s' is not a regular file", path);
        close(fd);
        return -1;
    }
    /* Reads of a regular file do not block anyway; the flag goes, so nothing depends on it. */
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    return fd;
}

FILE *fopen_regular(const char *path, char *err, size_t errlen)
{
    int fd = open_regular_file(path, err, errlen);
    FILE *f = fd < 0 ? NULL : fdopen(fd, "r");
    if (fd >= 0 && !f) {
        snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
        close(fd);
    }
    return f;
}

void proc_comm(int pid, long tid, char *out, size_t n)
{
    char path[96];
    if (tid > 0)
        snprintf(path, sizeof path, "/proc/%d/task/%ld/comm", pid, tid);
    else
        snprintf(path, sizeof path, "/proc/%d/comm", pid);
    out[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    if (fgets(out, (int)n, f))
        out[strcspn(out, "\n")] = '\0';
    fclose(f);
}

const char *proc_gone(int pid, char *buf, size_t n)
{
    char path[64], stat[512];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(buf, n, "no process %d", pid);
        return buf;
    }
    size_t len = fread(stat, 1, sizeof stat - 1, f);
    fclose(f);
    stat[len] = '\0';
    /* "PID (COMM) STATE ...": COMM may hold spaces and parentheses, so read after the last ')'. */
    char *close = strrchr(stat, ')');
    char state = close && close[1] == ' ' ? close[2] : '?';
    if (state == 'Z' || state == 'X') {
        snprintf(buf, n, "process %d has exited", pid);
        return buf;
    }
    return NULL;
}

static int int_order(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

int proc_threads(int pid, int **tids)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", pid);
    DIR *dir = opendir(path);
    *tids = NULL;
    if (!dir)
        return -1;
    int n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(dir))) {
        if (de->d_name[0] < '1' || de->d_name[0] > '9')
            continue;
        if (n == cap)
            *tids = xrealloc(*tids, (size_t)(cap = cap ? cap * 2 : 64) * sizeof **tids);
        (*tids)[n++] = atoi(de->d_name);
    }
    closedir(dir);
    qsort(*tids, (size_t)n, sizeof **tids, int_order);
    return n;
}

/* run and the codegen check hand bpftrace a script by path; the caller unlinks it. */
char *write_temp_script(const char *script)
{
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char *path = xasprintf("%s/ovstrace-XXXXXX.bt", dir);
    int fd = mkstemps(path, 3);
    if (fd < 0) {
        fprintf(stderr, "ovstrace: cannot create a temporary file in %s: %s\n", dir, strerror(errno));
        free(path);
        return NULL;
    }
    size_t len = strlen(script), off = 0;
    while (off < len) {
        ssize_t w = write(fd, script + off, len - off);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    close(fd);
    if (off < len) {
        unlink(path);
        free(path);
        return NULL;
    }
    return path;
}

char *run_capture(char *const argv[], int timeout_s, int *status)
{
    int fds[2];
    if (pipe(fds) < 0)
        return NULL;
    pid_t child = fork();
    if (child == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, STDIN_FILENO);
        dup2(fds[1], STDOUT_FILENO);
        dup2(fds[1], STDERR_FILENO);
        close(fds[0]);
        close(fds[1]);
        execvp(argv[0], argv);
        fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(fds[1]);
    if (child < 0) {
        close(fds[0]);
        return NULL;
    }
    struct strbuf out = { 0 };
    char buf[4096];
    ssize_t n;
    struct timespec now, end;
    clock_gettime(CLOCK_MONOTONIC, &end);
    end.tv_sec += timeout_s;
    for (;;) {
        if (timeout_s) {
            clock_gettime(CLOCK_MONOTONIC, &now);
            long left = (end.tv_sec - now.tv_sec) * 1000 + (end.tv_nsec - now.tv_nsec) / 1000000;
            struct pollfd p = { .fd = fds[0], .events = POLLIN };
            if (left <= 0 || (poll(&p, 1, (int)left) == 0)) {
                kill(child, SIGKILL);    /* it will not answer: its status says killed */
                break;
            }
        }
        n = read(fds[0], buf, sizeof buf);
        if (n == 0 || (n < 0 && errno != EINTR))
            break;
        if (n > 0)
            sb_addn(&out, buf, (size_t)n);
    }
    close(fds[0]);
    while (waitpid(child, status, 0) < 0 && errno == EINTR)
        ;
    return out.s ? sb_steal(&out) : xstrdup("");
}
