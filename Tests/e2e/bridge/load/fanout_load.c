// A cheap WebSocket fan-out load client for courtside-bridge: opens N connections to /ws,
// subscribes each one (default: all live games), then reads every frame with epoll and
// measures, for each delivered event: publish->receive latency (from the event's `at`, the
// publisher's stamp, else its recordedAt; 0.1 ms buckets), gaps and duplicates per connection
// and game (snapshots reset the position), and deliveries per second. Answers pings. Prints one
// JSON line of results at the end.
//
//   fanout_load HOST PORT CONNECTIONS SECONDS [SUBSCRIBE_JSON]
//
// FANOUT_MODE=peer measures the reference broadcast servers that benchmarks/fanout/run compares
// against (Node `ws`, Python `websockets`; see BENCHMARKS.md) with the same client instead: connects to FANOUT_PATH (default "/"), subscribes with
// {"type":"subscribe","games":"*"}, takes latency from the message's `ts_us` (CLOCK_REALTIME µs)
// and gaps from its global `seq`.
//
// Build: cc -O2 -o fanout_load fanout_load.c
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_GAMES 64
#define BUF 65536
#define HIST 600001  // 0.1 ms buckets up to 60 s

typedef struct {
    int fd;
    unsigned char *buf;
    size_t len;
    uint64_t epoch[MAX_GAMES];
    uint64_t seq[MAX_GAMES];
    unsigned char known[MAX_GAMES];
    uint64_t peer_seq;
} conn_t;

static int peer_mode = 0;

static char games[MAX_GAMES][72];
static int game_count = 0;
static uint64_t hist[HIST];
static double first_delivery = 0, last_delivery = 0;
static uint64_t deliveries = 0, gaps = 0, dups = 0, snapshots = 0, closes = 0, other = 0;

static int64_t now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static double mono(void);

static void record_latency_us(int64_t us) {
    double t = mono();
    if (first_delivery == 0) first_delivery = t;
    last_delivery = t;
    int64_t bucket = us / 100;
    if (bucket < 0) bucket = 0;
    if (bucket >= HIST) bucket = HIST - 1;
    hist[bucket]++;
}

static double mono(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int game_index(const char *p, size_t n) {
    for (int i = 0; i < game_count; i++)
        if (strlen(games[i]) == n && memcmp(games[i], p, n) == 0) return i;
    if (game_count == MAX_GAMES || n >= 72) return -1;
    memcpy(games[game_count], p, n);
    games[game_count][n] = 0;
    return game_count++;
}

static const char *find(const char *hay, size_t n, const char *needle) {
    return memmem(hay, n, needle, strlen(needle));
}

static uint64_t number_after(const char *p, size_t n, const char *key, int *ok) {
    const char *k = find(p, n, key);
    *ok = 0;
    if (!k) return 0;
    k += strlen(key);
    uint64_t v = 0;
    while (k < p + n && *k >= '0' && *k <= '9') { v = v * 10 + (*k - '0'); k++; *ok = 1; }
    return v;
}

static void send_all(int fd, const void *data, size_t n) {
    const char *p = data;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) { if (errno == EAGAIN || errno == EINTR) continue; return; }
        p += w; n -= (size_t)w;
    }
}

static void send_frame(int fd, int opcode, const char *payload, size_t n) {
    unsigned char header[14];
    size_t h = 0;
    header[h++] = 0x80 | opcode;
    if (n < 126) header[h++] = 0x80 | (unsigned char)n;
    else { header[h++] = 0x80 | 126; header[h++] = n >> 8; header[h++] = n & 0xff; }
    unsigned char mask[4] = {1, 2, 3, 4};
    memcpy(header + h, mask, 4); h += 4;
    char *masked = malloc(n + 1);
    for (size_t i = 0; i < n; i++) masked[i] = payload[i] ^ mask[i % 4];
    send_all(fd, header, h);
    send_all(fd, masked, n);
    free(masked);
}

static void on_peer_text(conn_t *c, const char *p, size_t n) {
    int ok_ts, ok_seq;
    uint64_t ts = number_after(p, n, "\"ts_us\":", &ok_ts);
    uint64_t seq = number_after(p, n, "\"seq\":", &ok_seq);
    if (!ok_ts || !ok_seq) { other++; return; }
    deliveries++;
    record_latency_us(now_us() - (int64_t)ts);
    if (c->peer_seq) {
        if (seq <= c->peer_seq) { dups++; return; }
        if (seq != c->peer_seq + 1) gaps++;
    }
    c->peer_seq = seq;
}

static void on_text(conn_t *c, const char *p, size_t n) {
    int ok;
    if (peer_mode) { on_peer_text(c, p, n); return; }
    int is_event = find(p, n, "\"type\":\"event\"") != NULL;
    int is_snapshot = !is_event && find(p, n, "\"type\":\"snapshot\"") != NULL;
    if (!is_event && !is_snapshot) { other++; return; }
    const char *g = find(p, n, "\"game\":\"");
    if (!g) return;
    g += 8;
    const char *end = memchr(g, '"', (size_t)(p + n - g));
    if (!end) return;
    int gi = game_index(g, (size_t)(end - g));
    if (gi < 0) return;
    uint64_t epoch = number_after(p, n, "\"epoch\":", &ok);
    uint64_t seq = number_after(p, n, "\"seq\":", &ok);
    if (is_snapshot) {
        snapshots++;
        c->epoch[gi] = epoch; c->seq[gi] = seq; c->known[gi] = 1;
        return;
    }
    deliveries++;
    uint64_t stamped = number_after(p, n, "\"at\":", &ok);
    if (!ok) stamped = number_after(p, n, "\"recordedAt\":", &ok);
    if (ok) record_latency_us(now_us() - (int64_t)stamped * 1000);
    if (c->known[gi] && c->epoch[gi] == epoch) {
        if (seq <= c->seq[gi]) { dups++; return; }
        if (seq != c->seq[gi] + 1) gaps++;
    } else if (c->known[gi]) {
        gaps++;
    }
    c->epoch[gi] = epoch; c->seq[gi] = seq; c->known[gi] = 1;
}

static void drain(conn_t *c) {
    size_t at = 0;
    while (c->len - at >= 2) {
        unsigned char *b = c->buf + at;
        size_t n = b[1] & 0x7f, h = 2;
        if (n == 126) { if (c->len - at < 4) break; n = (size_t)b[2] << 8 | b[3]; h = 4; }
        else if (n == 127) { if (c->len - at < 10) break; n = 0; for (int i = 0; i < 8; i++) n = n << 8 | b[2 + i]; h = 10; }
        if (c->len - at < h + n) break;
        int opcode = b[0] & 0x0f;
        if (opcode == 1) on_text(c, (const char *)b + h, n);
        else if (opcode == 9) send_frame(c->fd, 10, (const char *)b + h, n);
        else if (opcode == 8) closes++;
        at += h + n;
    }
    memmove(c->buf, c->buf + at, c->len - at);
    c->len -= at;
}

static int open_ws(const char *host, int port, const char *path, const char *subscribe) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, host, &a.sin_addr);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) { close(fd); return -1; }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    char req[512];
    int n = snprintf(req, sizeof req,
        "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", path, host, port);
    send_all(fd, req, (size_t)n);
    char resp[1024];
    size_t got = 0;
    while (got < sizeof resp - 1) {
        ssize_t r = read(fd, resp + got, 1);  // byte by byte: stop exactly at the end of the head
        if (r <= 0) { close(fd); return -1; }
        got += (size_t)r;
        resp[got] = 0;
        if (got >= 4 && memcmp(resp + got - 4, "\r\n\r\n", 4) == 0) break;
    }
    if (strncmp(resp, "HTTP/1.1 101", 12) != 0) { close(fd); return -1; }
    send_frame(fd, 1, subscribe, strlen(subscribe));
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
}

static double percentile_ms(uint64_t total, double p) {
    uint64_t want = (uint64_t)(total * p), seen = 0;
    for (int i = 0; i < HIST; i++) { seen += hist[i]; if (seen > want) return i / 10.0; }
    return (HIST - 1) / 10.0;
}

int main(int argc, char **argv) {
    if (argc < 5) { fprintf(stderr, "usage: %s HOST PORT CONNECTIONS SECONDS [SUBSCRIBE_JSON]\n", argv[0]); return 2; }
    const char *host = argv[1];
    int port = atoi(argv[2]), count = atoi(argv[3]);
    double seconds = atof(argv[4]);
    const char *mode = getenv("FANOUT_MODE");
    peer_mode = mode && strcmp(mode, "peer") == 0;
    const char *path = getenv("FANOUT_PATH") ? getenv("FANOUT_PATH") : (peer_mode ? "/" : "/ws");
    const char *subscribe = argc > 5 ? argv[5]
        : peer_mode ? "{\"type\":\"subscribe\",\"games\":\"*\"}" : "{\"type\":\"subscribe\",\"allLive\":true}";
    conn_t *conns = calloc((size_t)count, sizeof(conn_t));
    int ep = epoll_create1(0);
    double t0 = mono();
    for (int i = 0; i < count; i++) {
        int fd = open_ws(host, port, path, subscribe);
        if (fd < 0) { fprintf(stderr, "connection %d failed\n", i); return 1; }
        conns[i].fd = fd;
        conns[i].buf = malloc(BUF);
        struct epoll_event e = {.events = EPOLLIN, .data.ptr = &conns[i]};
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
    }
    fprintf(stderr, "fanout_load: %d connections open in %.1f s\n", count, mono() - t0);
    printf("{\"event\":\"connected\",\"connections\":%d}\n", count);
    fflush(stdout);
    struct epoll_event events[1024];
    double start = mono(), last = start;
    uint64_t last_deliveries = 0;
    while (mono() - start < seconds) {
        int n = epoll_wait(ep, events, 1024, 100);
        for (int i = 0; i < n; i++) {
            conn_t *c = events[i].data.ptr;
            for (;;) {
                ssize_t r = read(c->fd, c->buf + c->len, BUF - c->len);
                if (r > 0) { c->len += (size_t)r; drain(c); if (c->len == BUF) c->len = 0; continue; }
                if (r == 0) { epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL); closes++; }
                break;
            }
        }
        double t = mono();
        if (t - last >= 1.0) {
            fprintf(stderr, "fanout_load: %.0f deliveries/s, gaps %llu\n", (deliveries - last_deliveries) / (t - last), (unsigned long long)gaps);
            last = t;
            last_deliveries = deliveries;
        }
    }
    double elapsed = mono() - start;
    double window = last_delivery - first_delivery;
    printf("{\"event\":\"done\",\"connections\":%d,\"seconds\":%.1f,\"deliveries\":%llu,\"per_second\":%.0f,"
           "\"p50_ms\":%.1f,\"p99_ms\":%.1f,\"p999_ms\":%.1f,\"max_ms\":%.1f,\"gaps\":%llu,\"duplicates\":%llu,"
           "\"snapshots\":%llu,\"closes\":%llu}\n",
        count, elapsed, (unsigned long long)deliveries, window > 0 ? deliveries / window : 0.0,
        percentile_ms(deliveries, 0.5), percentile_ms(deliveries, 0.99),
        percentile_ms(deliveries, 0.999), percentile_ms(deliveries, 0.999999),
        (unsigned long long)gaps, (unsigned long long)dups, (unsigned long long)snapshots, (unsigned long long)closes);
    return 0;
}
