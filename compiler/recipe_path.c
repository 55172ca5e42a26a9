// SPDX-License-Identifier: Apache-2.0
// Recipe lookup: a path, or a name searched in OVSTRACE_PATH, then among the recipes
// bundled in the binary (so a build tree and any install work alike, and no path of the
// tree it was built from is baked in).
#include "recipe_path.h"
#include "templates_embedded.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The bundled recipe PATH names ("recipes/NAME.recipe"), or NULL. */
static const struct embedded_file *bundled(const char *path)
{
    size_t n = strlen(RECIPE_BUNDLED_DIR "/");
    if (strncmp(path, RECIPE_BUNDLED_DIR "/", n) != 0)
        return NULL;
    for (const struct embedded_file *e = bundled_recipes; e->path; e++)
        if (!strcmp(path + n, e->path))
            return e;
    return NULL;
}

/* A file's path, made different from every bundled recipe's name. */
static char *file_path(const char *p)
{
    return bundled(p) ? xasprintf("./%s", p) : xstrdup(p);
}

void recipe_path_dirs(struct vec *out)
{
    const char *env = getenv("OVSTRACE_PATH");
    if (env && *env) {
        char *copy = xstrdup(env), *save = NULL;
        for (char *tok = strtok_r(copy, ":", &save); tok; tok = strtok_r(NULL, ":", &save))
            if (*tok)
                vec_push(out, !strcmp(tok, RECIPE_BUNDLED_DIR) || !strcmp(tok, RECIPE_BUNDLED_DIR "/")
                                  ? xasprintf("./%s", tok) : xstrdup(tok));
        free(copy);
    }
}

struct source *recipe_source_load(const char *path, char *err, size_t errlen)
{
    const struct embedded_file *e = bundled(path);
    return e ? source_from_string(path, e->text, e->len) : source_load(path, err, errlen);
}

static void free_dirs(struct vec *dirs)
{
    for (int i = 0; i < dirs->n; i++)
        free(dirs->v[i]);
    vec_free(dirs);
}

char *recipe_path_resolve(const char *arg)
{
    struct stat st;
    if (is_file(arg))
        return file_path(arg);
    /* Something that looks like a path and is not a file: don't go looking elsewhere. When it
     * is there (a FIFO, a directory), loading it says what it is. */
    if (strchr(arg, '/'))
        return stat(arg, &st) == 0 ? file_path(arg) : NULL;
    size_t n = strlen(arg);
    char *name = n > 7 && strcmp(arg + n - 7, ".recipe") == 0 ? xstrdup(arg) : xasprintf("%s.recipe", arg);
    struct vec dirs = { 0 };
    recipe_path_dirs(&dirs);
    char *found = NULL;
    for (int i = 0; i < dirs.n && !found; i++) {
        char *p = xasprintf("%s/%s", (char *)dirs.v[i], name);
        if (is_file(p))
            found = p;
        else
            free(p);
    }
    free_dirs(&dirs);
    if (!found) {
        found = xasprintf(RECIPE_BUNDLED_DIR "/%s", name);
        if (!bundled(found)) {
            free(found);
            found = NULL;
        }
    }
    free(name);
    return found;
}

static int cmp_base(const void *a, const void *b)
{
    const char *x = strrchr(*(char *const *)a, '/'), *y = strrchr(*(char *const *)b, '/');
    return strcmp(x ? x : "", y ? y : "");
}

void recipe_path_list(struct vec *paths)
{
    struct vec dirs = { 0 };
    recipe_path_dirs(&dirs);
    for (int i = 0; i < dirs.n; i++) {
        if (!is_dir(dirs.v[i]))
            continue;
        DIR *d = opendir(dirs.v[i]);
        if (!d)
            continue;
        struct dirent *de;
        while ((de = readdir(d))) {
            size_t n = strlen(de->d_name);
            if (n <= 7 || strcmp(de->d_name + n - 7, ".recipe") != 0)
                continue;
            int dup = 0;
            for (int j = 0; j < paths->n && !dup; j++)
                dup = strcmp(strrchr(paths->v[j], '/') + 1, de->d_name) == 0;
            if (!dup)
                vec_push(paths, xasprintf("%s/%s", (char *)dirs.v[i], de->d_name));
        }
        closedir(d);
    }
    for (const struct embedded_file *e = bundled_recipes; e->path; e++) {
        int dup = 0;
        for (int j = 0; j < paths->n && !dup; j++)
            dup = strcmp(strrchr(paths->v[j], '/') + 1, e->path) == 0;
        if (!dup)
            vec_push(paths, xasprintf(RECIPE_BUNDLED_DIR "/%s", e->path));
    }
    free_dirs(&dirs);
    qsort(paths->v, (size_t)paths->n, sizeof *paths->v, cmp_base);
}
