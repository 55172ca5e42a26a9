/*
 * workload.c - a controlled load for kernel statistics tests: threads whose system calls,
 * sleeps and CPU time are known in advance, so a tracer's counts and bounds can be checked.
 *
 *   workload [-w WAIT_MS | -g] [-n N] [-s SLEEP_US] [-p SPIN_MS]
 *
 * After WAIT_MS (time for a tracer to attach), or with -g when SIGUSR1 arrives (the test
 * sends it once its tracer says it is attached), it starts, together:
 *   sleeper   N calls of the nanosleep system call (not the libc wrapper, which may use
 *             clock_nanosleep), each asking for SLEEP_US microseconds;
 *   spinner   SPIN_MS milliseconds of busy looping on the CPU, no system calls;
 * and exits when both are done. Threads are named (comm) as above. It prints one line per
 * thread, "NAME TID", before starting them, so tests know which thread is which.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long n_sleeps = 20, sleep_us = 2000, spin_ms = 300, wait_ms = 1500;
static int wait_signal;
static pthread_barrier_t ready;

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void announce(const char *name)
{
    prctl(PR_SET_NAME, name);
    printf("%s %ld\n", name, (long)syscall(SYS_gettid));
    fflush(stdout);
    pthread_barrier_wait(&ready);
}

static void *sleeper(void *arg)
{
    (void)arg;
    announce("sleeper");
    for (long i = 0; i < n_sleeps; i++) {
        struct timespec ts = { sleep_us / 1000000, (sleep_us % 1000000) * 1000 };
        while (syscall(SYS_nanosleep, &ts, &ts) < 0 && errno == EINTR)
            continue;
    }
    return NULL;
}

static void *spinner(void *arg)
{
    (void)arg;
    announce("spinner");
    long long end = now_ns() + spin_ms * 1000000LL;
    volatile unsigned long x = 0;
    while (now_ns() < end)    /* clock_gettime is a vDSO call: no system call */
        x++;
    return NULL;
}

static long number(const char *s, const char *what)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*end || v < 0) {
        fprintf(stderr, "workload: bad %s '%s'\n", what, s);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    int c;
    while ((c = getopt(argc, argv, "w:gn:s:p:")) != -1) {
        switch (c) {
        case 'w': wait_ms = number(optarg, "-w"); break;
        case 'g': wait_signal = 1; break;
        case 'n': n_sleeps = number(optarg, "-n"); break;
        case 's': sleep_us = number(optarg, "-s"); break;
        case 'p': spin_ms = number(optarg, "-p"); break;
        default:
            fprintf(stderr, "usage: workload [-w WAIT_MS | -g] [-n N] [-s SLEEP_US] [-p SPIN_MS]\n");
            return 2;
        }
    }
    if (wait_signal) {
        sigset_t set;
        int sig;
        sigemptyset(&set);
        sigaddset(&set, SIGUSR1);
        sigprocmask(SIG_BLOCK, &set, NULL);   /* threads inherit the mask: only sigwait sees it */
        printf("ready %ld\n", (long)getpid());
        fflush(stdout);
        sigwait(&set, &sig);
    } else {
        usleep((useconds_t)wait_ms * 1000);
    }
    pthread_t t[2];
    pthread_barrier_init(&ready, NULL, 2);
    pthread_create(&t[0], NULL, sleeper, NULL);
    pthread_create(&t[1], NULL, spinner, NULL);
    pthread_join(t[0], NULL);
    pthread_join(t[1], NULL);
    return 0;
}
