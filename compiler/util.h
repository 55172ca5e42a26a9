// SPDX-License-Identifier: Apache-2.0
// Small helpers every pass uses: allocation that never returns NULL, a growable
// string buffer, and a growable pointer vector.
#ifndef OVSTRACE_UTIL_H
#define OVSTRACE_UTIL_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

struct strbuf {
    char *s;
    size_t len, cap;
};
void sb_add(struct strbuf *b, const char *s);
void sb_addn(struct strbuf *b, const char *s, size_t n);
void sb_addc(struct strbuf *b, char c);
void sb_printf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_vprintf(struct strbuf *b, const char *fmt, va_list ap);
char *sb_steal(struct strbuf *b);
void sb_free(struct strbuf *b);

/* A vector of pointers; VEC_PUSH keeps call sites short. */
struct vec {
    void **v;
    int n, cap;
};
void vec_push(struct vec *v, void *p);
void vec_free(struct vec *v);
/* Free each element (malloc'd strings), then the vector. */
void vec_free_strings(struct vec *v);
/* Whether V (of strings) holds one equal to S. */
int vec_has_string(const struct vec *v, const char *s);

/* Each name given again: FOUND(CTX, I, FIRST) for every NAMES[I] equal to an earlier NAMES[FIRST],
 * the first of them (a NULL name is none). By sorting, not by comparing each name with those
 * before it: a 4 MiB recipe holds 300000 names, and that took minutes. */
void find_duplicates(const char *const *names, int n, void (*found)(void *ctx, int i, int first), void *ctx);

/* Levenshtein distance, for "did you mean" hints. */
int edit_distance(const char *a, const char *b);
/* The candidate nearest to NAME if it is close enough to be a plausible typo, else NULL. */
const char *closest_name(const char *name, const char *const *candidates, int n);


#include <stdint.h>
/* "500ms", "1.5s", "10us", "250ns", "2m", "1h" -> nanoseconds. 0 on success, -1 if
 * malformed, -2 if longer than INT64_MAX ns (about 292 years). */
int parse_duration(const char *text, uint64_t *ns);
/* The length of the valid UTF-8 character at S (N bytes left), or 0 if it is not one. */
size_t utf8_char_len(const char *s, size_t n);
/* Can the character at S (LEN bytes of valid UTF-8) reach a terminal, or a line of the script,
 * as it is? Not a C0 or C1 control character (a tab neither: callers that keep tabs say so) nor
 * DEL; not a Unicode line or paragraph separator (a line break where none shows); not a
 * bidirectional control (U+061C, U+200E/F, U+202A-E, U+2066-9), which reorders the text
 * after it, so that what shows is not what is there. */
int utf8_char_inert(const char *s, size_t len);
/* The code point of the valid UTF-8 character at S (LEN bytes). */
unsigned utf8_code_point(const char *s, size_t len);
/* Append S (N bytes) to B as it may reach a terminal: a character that is not inert, and each
 * byte of invalid UTF-8, as \xNN. Diagnostics quote user text this way, and everything else
 * ovstrace prints from input it does not control (bpftrace's output, a recording, an ELF's
 * notes), so none of it can move the cursor, clear the screen or set a window title. */
void sb_add_escaped(struct strbuf *b, const char *s, size_t n);
/* S so escaped, malloc'd. */
char *text_escaped(const char *s);
/* NULL if S (N bytes) is printable UTF-8 text; else what is wrong ("invalid UTF-8 byte",
 * "control character": a character that is not inert, above) with its byte offset in *AT. */
const char *text_problem(const char *s, size_t n, size_t *at);
/* Is S a C identifier of at most MAX bytes? */
int is_identifier(const char *s, size_t max);

#include <stdio.h>
/* Open PATH, a file the user named for ovstrace to read (a recipe, a recording, a binary),
 * refusing anything but a regular file: opened without blocking, since opening a FIFO waits
 * for a writer (and reading one, or a device, may never end), then checked. The descriptor,
 * or -1 with "cannot open 'PATH': REASON" or "'PATH' is not a regular file" in ERR. */
int open_regular_file(const char *path, char *err, size_t errlen);
/* The same as a stdio stream to read. */
FILE *fopen_regular(const char *path, char *err, size_t errlen);

/* A task's name (its comm): /proc/PID/comm, or /proc/PID/task/TID/comm when TID > 0.
 * "" when the task is gone. */
void proc_comm(int pid, long tid, char *out, size_t n);
/* Why process PID cannot be traced: NULL when it runs; else "no process N" or "process N
 * has exited" (a zombie: /proc/PID/exe is gone while its parent has not reaped it). */
const char *proc_gone(int pid, char *buf, size_t n);
/* SCRIPT in a new $TMPDIR/ovstrace-XXXXXX.bt (the caller unlinks it), or NULL after saying why on stderr. */
char *write_temp_script(const char *script);
/* Run ARGV (looked up in PATH) with no input; what it wrote to stdout and stderr, in order,
 * and its wait status in *STATUS (exit 127: it could not be run; killed by SIGKILL: still
 * writing after TIMEOUT_S seconds, 0 for no limit). NULL if it could not start. */
char *run_capture(char *const argv[], int timeout_s, int *status);
/* The thread ids of process PID (from /proc/PID/task), sorted, in *TIDS (malloc'd);
 * returns their number, or -1 when the process is not there. */
int proc_threads(int pid, int **tids);

#endif
