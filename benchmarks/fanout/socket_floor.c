// The physical floor of fan-out on this machine: the CPU a process spends to write one small
// WebSocket-sized message to each of N loopback TCP connections, with nothing else to do (no
// parsing, no queues, no framing work beyond a memcpy the kernel does anyway). A forked reader
// drains every socket with epoll so the writer never blocks. Loopback TCP charges most of the
// receive path (softirq) to the sender, so this is the cost a broadcast server cannot go below
// with one write() per connection and message.
//
//   socket_floor CONNECTIONS MESSAGES_PER_CONNECTION [BYTES] [write|send|uring]
//
// The last argument picks the system call: write(2) (what NIO uses, the default), send(2)
// (skips the VFS layer), or io_uring (IORING_OP_SEND, one submission for a whole broadcast, so
// no system call per message at all; needs liburing, built only with -DWITH_URING -luring).
// Prints one JSON line: writer CPU (user, system) per write, and writes per second.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef WITH_URING
#include <liburing.h>
#endif

static double seconds(struct timeval t) { return t.tv_sec + t.tv_usec / 1e6; }

static double mono(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: %s CONNECTIONS MESSAGES_PER_CONNECTION [BYTES] [write|send|uring]\n", argv[0]); return 2; }
    int n = atoi(argv[1]), rounds = atoi(argv[2]);
    size_t bytes = argc > 3 ? (size_t)atoi(argv[3]) : 300;
    const char *mode = argc > 4 ? argv[4] : "write";
    if (strcmp(mode, "write") && strcmp(mode, "send") && strcmp(mode, "uring")) { fprintf(stderr, "unknown mode %s (write, send, uring)\n", mode); return 2; }
#ifndef WITH_URING
    if (!strcmp(mode, "uring")) { fprintf(stderr, "built without io_uring (cc -DWITH_URING ... -luring)\n"); return 2; }
#else
    struct io_uring ring;
    if (!strcmp(mode, "uring") && io_uring_queue_init(4096, &ring, 0) < 0) { perror("io_uring_queue_init"); return 1; }
#endif
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t length = sizeof address;
    if (bind(listener, (struct sockaddr *)&address, sizeof address) < 0 || listen(listener, 4096) < 0) { perror("listen"); return 1; }
    getsockname(listener, (struct sockaddr *)&address, &length);

    int ready[2];
    if (pipe(ready) < 0) { perror("pipe"); return 1; }
    pid_t reader = fork();
    if (reader == 0) {  // the reader: connect N sockets, then drain them until the writer closes
        close(listener);
        int ep = epoll_create1(0);
        for (int i = 0; i < n; i++) {
            int fd = socket(AF_INET, SOCK_STREAM, 0);
            if (connect(fd, (struct sockaddr *)&address, sizeof address) < 0) { perror("connect"); _exit(1); }
            struct epoll_event e = {.events = EPOLLIN, .data.fd = fd};
            epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
        }
        char done = 1;
        if (write(ready[1], &done, 1) != 1) _exit(1);
        static char sink[1 << 16];
        struct epoll_event events[1024];
        int open = n;
        while (open > 0) {
            int k = epoll_wait(ep, events, 1024, 1000);
            for (int i = 0; i < k; i++) {
                ssize_t r = read(events[i].data.fd, sink, sizeof sink);
                if (r == 0) { close(events[i].data.fd); open--; }
            }
        }
        _exit(0);
    }
    int *fds = malloc(sizeof(int) * (size_t)n);
    for (int i = 0; i < n; i++) {
        fds[i] = accept(listener, NULL, NULL);
        if (fds[i] < 0) { perror("accept"); return 1; }
        setsockopt(fds[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    char go;
    if (read(ready[0], &go, 1) != 1) return 1;
    char *message = malloc(bytes);
    memset(message, 'x', bytes);
    message[0] = (char)0x81;  // a text frame header, for the look of it
    message[1] = 126;

    struct rusage before, after;
    getrusage(RUSAGE_SELF, &before);
    double start = mono();
    unsigned long long writes = 0;
    for (int round = 0; round < rounds; round++) {
        if (!strcmp(mode, "write")) {
            for (int i = 0; i < n; i++)
                if (write(fds[i], message, bytes) == (ssize_t)bytes) writes++;
        } else if (!strcmp(mode, "send")) {
            for (int i = 0; i < n; i++)
                if (send(fds[i], message, bytes, MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)bytes) writes++;
        }
#ifdef WITH_URING
        else {
            int queued = 0;
            for (int i = 0; i < n; i++) {
                struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
                if (!sqe) {  // ring full: submit what is queued and collect it
                    io_uring_submit_and_wait(&ring, (unsigned)queued);
                    struct io_uring_cqe *cqe;
                    while (queued > 0 && io_uring_peek_cqe(&ring, &cqe) == 0) { if (cqe->res == (int)bytes) writes++; io_uring_cqe_seen(&ring, cqe); queued--; }
                    sqe = io_uring_get_sqe(&ring);
                }
                io_uring_prep_send(sqe, fds[i], message, bytes, MSG_DONTWAIT | MSG_NOSIGNAL);
                queued++;
            }
            io_uring_submit_and_wait(&ring, (unsigned)queued);
            struct io_uring_cqe *cqe;
            while (queued > 0 && io_uring_wait_cqe(&ring, &cqe) == 0) { if (cqe->res == (int)bytes) writes++; io_uring_cqe_seen(&ring, cqe); queued--; }
        }
#endif
    }
    double elapsed = mono() - start;
    getrusage(RUSAGE_SELF, &after);
    for (int i = 0; i < n; i++) close(fds[i]);
    waitpid(reader, NULL, 0);
    double user = seconds(after.ru_utime) - seconds(before.ru_utime);
    double system = seconds(after.ru_stime) - seconds(before.ru_stime);
    printf("{\"mode\":\"%s\",\"connections\":%d,\"bytes\":%zu,\"writes\":%llu,\"writes_per_second\":%.0f,"
           "\"user_us_per_write\":%.2f,\"system_us_per_write\":%.2f,\"cpu_us_per_write\":%.2f}\n",
        mode, n, bytes, writes, writes / elapsed, user * 1e6 / writes, system * 1e6 / writes, (user + system) * 1e6 / writes);
    return 0;
}
