// SPDX-License-Identifier: Apache-2.0
// Port names to datapath port numbers through ovs-vswitchd's unixctl (see ovs_ports.h).
#include "ovs_ports.h"
#include "json.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int ovs_ports_parse(const char *show, const char *name, size_t len, uint32_t *port)
{
    for (const char *line = show; line && *line;) {
        unsigned long n;
        int at = 0;
        if (sscanf(line, " port %lu: %n", &n, &at) == 1 && at > 0) {
            const char *p = line + at;
            size_t plen = strcspn(p, " \n");
            if (plen == len && memcmp(p, name, len) == 0 && n <= UINT32_MAX) {
                *port = (uint32_t)n;
                return 0;
            }
        }
        line = strchr(line, '\n');
        line = line ? line + 1 : NULL;
    }
    return -1;
}

/* The path of a unix socket PID listens on whose name ends in ".ctl", or NULL. */
static char *ctl_socket(int pid)
{
    char dir[32];
    snprintf(dir, sizeof dir, "/proc/%d/fd", pid);
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    struct vec inodes = { 0 };
    struct dirent *e;
    while ((e = readdir(d))) {
        char path[320], target[64];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        ssize_t n = readlink(path, target, sizeof target - 1);
        unsigned long ino;
        if (n > 0 && (target[n] = '\0', sscanf(target, "socket:[%lu]", &ino) == 1))
            vec_push(&inodes, xasprintf("%lu", ino));
    }
    closedir(d);
    FILE *f = fopen("/proc/net/unix", "r");
    char *found = NULL, line[512];
    while (f && !found && fgets(line, sizeof line, f)) {
        /* Num RefCount Protocol Flags Type St Inode Path */
        char inode[32], path[400];
        if (sscanf(line, "%*s %*s %*s %*s %*s %*s %31s %399s", inode, path) != 2)
            continue;
        size_t pl = strlen(path);
        if (pl < 4 || strcmp(path + pl - 4, ".ctl") != 0)
            continue;
        for (int i = 0; i < inodes.n && !found; i++)
            if (strcmp(inodes.v[i], inode) == 0)
                found = xstrdup(path);
    }
    if (f)
        fclose(f);
    vec_free_strings(&inodes);
    return found;
}

int unixctl_reply_add(struct unixctl_reply *r, const char *buf, size_t n)
{
    sb_addn(&r->bytes, buf, n);
    if (!r->json)
        r->json = json_parse(r->bytes.s, r->bytes.len);
    return r->json != NULL;
}

char *unixctl_reply_text(const struct unixctl_reply *r, const char *what, char *err, size_t errlen)
{
    const struct json *result = json_get(r->json, "result"), *error = json_get(r->json, "error");
    if (result && result->kind == JSON_STRING)
        return xstrdup(result->str);
    snprintf(err, errlen, "%s: %s", what, error && error->kind == JSON_STRING ? error->str : "no answer");
    return NULL;
}

void unixctl_reply_free(struct unixctl_reply *r)
{
    sb_free(&r->bytes);
    json_free(r->json);
    r->json = NULL;
}

/* One unixctl command's text result, or NULL with ERR set. */
static char *unixctl(const char *sock_path, const char *method, char *err, size_t errlen)
{
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (fd < 0 || strlen(sock_path) >= sizeof sa.sun_path) {
        snprintf(err, errlen, "cannot reach %s", sock_path);
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    memcpy(sa.sun_path, sock_path, strlen(sock_path) + 1);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        snprintf(err, errlen, "cannot connect to %s: %s", sock_path, strerror(errno));
        close(fd);
        return NULL;
    }
    char *req = xasprintf("{\"id\":0,\"method\":\"%s\",\"params\":[]}", method);
    ssize_t w = write(fd, req, strlen(req));
    free(req);
    struct unixctl_reply reply = { 0 };
    char buf[4096];
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    int whole = 0;
    /* Read until the reply is one whole JSON object (or 5 s pass). */
    while (w > 0 && !whole && poll(&pfd, 1, 5000) > 0) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0)
            break;
        whole = unixctl_reply_add(&reply, buf, (size_t)n);
    }
    close(fd);
    char *what = xasprintf("%s %s", sock_path, method);
    char *text = unixctl_reply_text(&reply, what, err, errlen);
    free(what);
    unixctl_reply_free(&reply);
    return text;
}

int ovs_port_number(int pid, const char *name, size_t len, uint32_t *port, char *err, size_t errlen)
{
    static int cached_pid;
    static char *cached_show;
    if (pid <= 0) {
        snprintf(err, errlen, "no ovs-vswitchd to ask (give --pid, or use ovstrace run)");
        return -1;
    }
    if (cached_pid != pid) {
        free(cached_show);
        cached_show = NULL;
        char *sock = ctl_socket(pid);
        if (!sock) {
            snprintf(err, errlen, "cannot find the control socket of process %d", pid);
            return -1;
        }
        cached_show = unixctl(sock, "dpctl/show", err, errlen);
        free(sock);
        if (!cached_show)
            return -1;
        cached_pid = pid;
    }
    if (ovs_ports_parse(cached_show, name, len, port) == 0)
        return 0;
    snprintf(err, errlen, "ovs-vswitchd %d has no datapath port '%.*s' (dpctl/show)", pid, (int)len, name);
    return -1;
}
