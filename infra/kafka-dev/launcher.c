/*
 * kafka-dev-broker: librdkafka's built-in mock cluster as a standalone
 * Kafka-protocol broker on 127.0.0.1, for development and tests.
 *
 * Built by build.mjs against librdkafka 2.15.x (static librdkafka.a) taken
 * from the npm package @confluentinc/kafka-javascript (deps/librdkafka).
 *
 * Usage:
 *   kafka-dev-broker [--brokers N] [--topic name[:partitions]]...
 *                    [--port P] [--rebalance-delay MS]
 *                    [--stdin-eof exit|ignore] [--verbose] [--debug CTX]
 *
 * Prints exactly one line to stdout, "BOOTSTRAP host:port[,host:port...]",
 * then runs until SIGTERM/SIGINT/SIGHUP, until its parent dies
 * (PR_SET_PDEATHSIG), or until stdin reaches EOF when stdin is a pipe or a
 * socket (so a parent that pipes stdin can never leave it behind).
 *
 * Fixed ports: the mock has no configuration for its listening port (it
 * binds 127.0.0.1:0). With --port P the binary, which is linked with
 * -Wl,--wrap=bind, rewrites the port of those port-0 binds so broker i
 * listens on P+i-1; the mock then reads the port back with getsockname()
 * and advertises it in Metadata like an ephemeral one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rdkafka.h"
#include "rdkafka_mock.h"

#define MAX_TOPICS 256

struct topic_arg {
        const char *name;
        int partitions;
};

static int verbose = 0;

static void die(const char *fmt, ...) {
        va_list ap;
        fprintf(stderr, "kafka-dev-broker: ");
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        exit(2);
}

static void info(const char *fmt, ...) {
        va_list ap;
        if (!verbose)
                return;
        fprintf(stderr, "kafka-dev-broker: ");
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

/* ---- fixed-port support: link-time wrapper around bind(2) -------------- */

int __real_bind(int fd, const struct sockaddr *addr, socklen_t len);

static int fixed_port_next = 0;  /* 0: leave binds alone */
static int fixed_port_last = 0;  /* port of the last rewritten bind */

int __wrap_bind(int fd, const struct sockaddr *addr, socklen_t len) {
        if (fixed_port_next > 0 && addr && addr->sa_family == AF_INET &&
            len >= (socklen_t)sizeof(struct sockaddr_in) &&
            ((const struct sockaddr_in *)addr)->sin_port == 0) {
                struct sockaddr_in sin = *(const struct sockaddr_in *)addr;
                int r;
                sin.sin_port    = htons((uint16_t)fixed_port_next);
                fixed_port_last = fixed_port_next;
                fixed_port_next++;
                r = __real_bind(fd, (const struct sockaddr *)&sin,
                                sizeof(sin));
                if (r == -1) {
                        /* librdkafka 2.15.1 aborts (assertion in
                         * rd_kafka_mock_cluster_destroy) when a broker
                         * listener fails during rd_kafka_mock_cluster_new,
                         * so report and exit here. */
                        int e = errno;
                        fprintf(stderr,
                                "kafka-dev-broker: cannot listen on "
                                "127.0.0.1:%d: %s%s\n",
                                fixed_port_last, strerror(e),
                                e == EADDRINUSE
                                    ? " (another broker still running?)"
                                    : "");
                        _exit(3);
                }
                return r;
        }
        return __real_bind(fd, addr, len);
}

/* ---- logging ------------------------------------------------------------- */

static void log_cb(const rd_kafka_t *rk, int level, const char *fac,
                   const char *buf) {
        (void)rk;
        fprintf(stderr, "kafka-dev-broker: %%%d %s: %s\n", level, fac, buf);
}

/* ---- argument parsing ---------------------------------------------------- */

static int parse_int(const char *s, const char *what, int min, int max) {
        char *end;
        long v;
        errno = 0;
        v     = strtol(s, &end, 10);
        if (errno || end == s || *end || v < min || v > max)
                die("invalid %s \"%s\" (expected an integer %d..%d)", what, s,
                    min, max);
        return (int)v;
}

static void usage(FILE *f) {
        fprintf(f,
                "usage: kafka-dev-broker [--brokers N] [--topic "
                "name[:partitions]]...\n"
                "                        [--port P] [--rebalance-delay MS]\n"
                "                        [--stdin-eof exit|ignore] "
                "[--verbose] [--debug CTX]\n"
                "  --brokers N          mock brokers (default 1)\n"
                "  --topic name:P       create topic with P partitions "
                "(default 1), repeatable;\n"
                "                       replication factor = min(3, brokers)\n"
                "  --port P             listen on 127.0.0.1:P (broker i on "
                "P+i-1); default: ephemeral\n"
                "  --rebalance-delay MS group.initial.rebalance.delay.ms "
                "(default 3000, as Kafka)\n"
                "  --stdin-eof MODE     exit (default) or ignore when stdin "
                "(a pipe/socket) hits EOF\n"
                "  --verbose            log librdkafka messages up to "
                "debug level\n"
                "  --debug CTX          librdkafka debug contexts, e.g. "
                "mock,protocol\n");
}

static const char *need_arg(int argc, char **argv, int *i) {
        if (*i + 1 >= argc)
                die("%s needs a value", argv[*i]);
        return argv[++*i];
}

int main(int argc, char **argv) {
        struct topic_arg topics[MAX_TOPICS];
        int topic_cnt       = 0;
        int broker_cnt      = 1;
        int port            = 0;
        int rebalance_delay = -1;
        int stdin_eof_exit  = 1;
        const char *debug   = NULL;
        char errstr[512];
        rd_kafka_conf_t *conf;
        rd_kafka_t *rk;
        rd_kafka_mock_cluster_t *mcluster;
        const char *bootstraps;
        sigset_t sigs;
        int sfd, i, watch_stdin = 0;
        pid_t ppid = getppid();
        struct stat st;

        /* Die with the parent, even if it is killed with SIGKILL. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != ppid)
                return 0; /* parent already gone */

        for (i = 1; i < argc; i++) {
                const char *a = argv[i];
                if (!strcmp(a, "--brokers")) {
                        broker_cnt = parse_int(need_arg(argc, argv, &i),
                                               "--brokers", 1, 64);
                } else if (!strcmp(a, "--topic")) {
                        char *spec = strdup(need_arg(argc, argv, &i));
                        char *colon = strrchr(spec, ':');
                        if (topic_cnt == MAX_TOPICS)
                                die("too many --topic (max %d)", MAX_TOPICS);
                        topics[topic_cnt].partitions = 1;
                        if (colon) {
                                *colon = '\0';
                                topics[topic_cnt].partitions = parse_int(
                                    colon + 1, "partition count", 1, 100000);
                        }
                        if (!*spec || strlen(spec) > 249)
                                die("invalid topic name in --topic %s",
                                    argv[i]);
                        topics[topic_cnt++].name = spec;
                } else if (!strcmp(a, "--port")) {
                        port = parse_int(need_arg(argc, argv, &i), "--port", 0,
                                         65535);
                } else if (!strcmp(a, "--rebalance-delay")) {
                        rebalance_delay =
                            parse_int(need_arg(argc, argv, &i),
                                      "--rebalance-delay", 0, 600000);
                } else if (!strcmp(a, "--stdin-eof")) {
                        const char *m = need_arg(argc, argv, &i);
                        if (!strcmp(m, "exit"))
                                stdin_eof_exit = 1;
                        else if (!strcmp(m, "ignore"))
                                stdin_eof_exit = 0;
                        else
                                die("--stdin-eof must be exit or ignore");
                } else if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) {
                        verbose = 1;
                } else if (!strcmp(a, "--debug")) {
                        debug = need_arg(argc, argv, &i);
                } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
                        usage(stdout);
                        return 0;
                } else if (!strcmp(a, "--version")) {
                        printf("kafka-dev-broker librdkafka %s\n",
                               rd_kafka_version_str());
                        return 0;
                } else {
                        usage(stderr);
                        die("unknown argument: %s", a);
                }
        }
        if (port > 0 && port + broker_cnt - 1 > 65535)
                die("--port %d with %d brokers exceeds port 65535", port,
                    broker_cnt);

        /* Block the termination signals in every thread (librdkafka's
         * threads inherit this mask) and receive them on a signalfd. */
        sigemptyset(&sigs);
        sigaddset(&sigs, SIGTERM);
        sigaddset(&sigs, SIGINT);
        sigaddset(&sigs, SIGHUP);
        if (sigprocmask(SIG_BLOCK, &sigs, NULL) == -1)
                die("sigprocmask: %s", strerror(errno));
        sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
        if (sfd == -1)
                die("signalfd: %s", strerror(errno));
        signal(SIGPIPE, SIG_IGN);

        /* The rd_kafka_t instance only hosts the mock cluster; it is never
         * given bootstrap servers. */
        conf = rd_kafka_conf_new();
        rd_kafka_conf_set_log_cb(conf, log_cb);
        if (rd_kafka_conf_set(conf, "log_level", verbose ? "7" : "3", errstr,
                              sizeof(errstr)) != RD_KAFKA_CONF_OK ||
            rd_kafka_conf_set(conf, "client.id", "kafka-dev-broker", errstr,
                              sizeof(errstr)) != RD_KAFKA_CONF_OK ||
            (debug && rd_kafka_conf_set(conf, "debug", debug, errstr,
                                        sizeof(errstr)) != RD_KAFKA_CONF_OK))
                die("config: %s", errstr);

        rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!rk)
                die("rd_kafka_new: %s", errstr);

        fixed_port_next = port;
        mcluster        = rd_kafka_mock_cluster_new(rk, broker_cnt);
        fixed_port_next = 0;
        if (!mcluster) {
                die("failed to create the mock cluster "
                    "(run with --verbose for librdkafka's log)");
        }

        /* Metadata must name a real controller: the kafkajs admin client and
         * idempotent/transactional producers need it. */
        rd_kafka_mock_set_controller_id(mcluster, 1);

        /* librdkafka 2.15.1's mock advertises LeaveGroup v0..v4 but parses
         * and answers every version like v0-v2 (one MemberId, no Members
         * array). kafkajs 2.2.4 then sends v3, the mock reads an empty
         * member id (UNKNOWN_MEMBER_ID: the member stays in the group until
         * its session times out) and kafkajs cannot decode the reply. Cap
         * the advertised LeaveGroup version at 2, which the mock handles. */
        rd_kafka_mock_set_apiversion(mcluster, 13 /* LeaveGroup */, 0, 2);

        if (rebalance_delay >= 0)
                rd_kafka_mock_group_initial_rebalance_delay_ms(mcluster,
                                                               rebalance_delay);

        for (i = 0; i < topic_cnt; i++) {
                int rf = broker_cnt < 3 ? broker_cnt : 3;
                rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(
                    mcluster, topics[i].name, topics[i].partitions, rf);
                if (err)
                        die("creating topic %s (%d partitions, rf %d): %s",
                            topics[i].name, topics[i].partitions, rf,
                            rd_kafka_err2str(err));
                info("created topic %s: %d partitions, replication factor %d",
                     topics[i].name, topics[i].partitions, rf);
        }

        bootstraps = rd_kafka_mock_cluster_bootstraps(mcluster);
        printf("BOOTSTRAP %s\n", bootstraps);
        fflush(stdout);
        info("librdkafka %s mock cluster with %d broker(s) on %s",
             rd_kafka_version_str(), broker_cnt, bootstraps);

        /* Watch stdin for EOF only when it is a pipe or a socket: /dev/null
         * (e.g. CI without stdin) would read EOF at once, and a terminal is
         * left alone (Ctrl-C stops the broker). */
        if (stdin_eof_exit && fstat(STDIN_FILENO, &st) == 0 &&
            (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
                watch_stdin = 1;

        for (;;) {
                struct pollfd pfd[2] = {{.fd = sfd, .events = POLLIN},
                                        {.fd = STDIN_FILENO, .events = POLLIN}};
                int r = poll(pfd, watch_stdin ? 2 : 1, -1);
                if (r == -1) {
                        if (errno == EINTR)
                                continue;
                        die("poll: %s", strerror(errno));
                }
                if (pfd[0].revents & POLLIN) {
                        struct signalfd_siginfo si;
                        if (read(sfd, &si, sizeof(si)) == sizeof(si))
                                info("received signal %u, stopping",
                                     si.ssi_signo);
                        break;
                }
                if (watch_stdin && pfd[1].revents) {
                        char buf[4096];
                        ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
                        if (n == 0 || (n == -1 && errno != EINTR &&
                                       errno != EAGAIN)) {
                                info("stdin closed, stopping");
                                break;
                        }
                        /* Input is ignored. */
                }
        }

        /* Clean shutdown; if it ever hangs, SIGALRM's default action ends
         * the process. All state is in memory, nothing to flush. */
        alarm(5);
        rd_kafka_mock_cluster_destroy(mcluster);
        rd_kafka_destroy(rk);
        return 0;
}
