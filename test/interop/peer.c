// nngpeer: a small libnng peer driven by nngts' interop tests and benchmarks.
//
//   nngpeer <proto> <dial|listen> <url> [options]
//
// proto: pair0 pair1 push0 pull0 pub0 sub0 req0 rep0 surveyor0 respondent0 bus0
// options (see usage()): actions run in the order send, req, recv, echo, perf.
//
// Output (stdout, one line each, flushed):
//   ready <url>                     listening (tcp port 0 replaced by the bound port)
//   ready                           dial succeeded
//   msg <hex header|-> <hex body|-> one per received message (--recv, --req, --echo)
//   error <function> <nng_strerror text> <errno>   then exit 1 (usage errors: exit 2)
//   perf modes: NNG perf tool lines (total time / message size / ...)
//
// Build: gcc -O2 -Wall -o nngpeer peer.c -lnng -lpthread

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/bus0/bus.h>
#include <nng/protocol/pair0/pair.h>
#include <nng/protocol/pair1/pair.h>
#include <nng/protocol/pipeline0/pull.h>
#include <nng/protocol/pipeline0/push.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/protocol/survey0/respond.h>
#include <nng/protocol/survey0/survey.h>
#include <nng/supplemental/util/platform.h>

typedef int (*open_fn)(nng_socket *);
static const struct {
	const char *name;
	open_fn     cooked, raw;
} protos[] = {
	{ "pair0", nng_pair0_open, nng_pair0_open_raw },
	{ "pair1", nng_pair1_open, nng_pair1_open_raw },
	{ "push0", nng_push0_open, nng_push0_open_raw },
	{ "pull0", nng_pull0_open, nng_pull0_open_raw },
	{ "pub0", nng_pub0_open, nng_pub0_open_raw },
	{ "sub0", nng_sub0_open, nng_sub0_open_raw },
	{ "req0", nng_req0_open, nng_req0_open_raw },
	{ "rep0", nng_rep0_open, nng_rep0_open_raw },
	{ "surveyor0", nng_surveyor0_open, nng_surveyor0_open_raw },
	{ "respondent0", nng_respondent0_open, nng_respondent0_open_raw },
	{ "bus0", nng_bus0_open, nng_bus0_open_raw },
};

static nng_socket sock;
static int        sock_open = 0;

static void
usage(const char *why)
{
	printf("error usage %s 0\n", why);
	fflush(stdout);
	fprintf(stderr,
	    "usage: nngpeer <proto> <dial|listen> <url> [options]\n"
	    "  --raw --poly --sub TOPIC --send N --data STR --hex HEX "
	    "--header HEX\n"
	    "  --recv N --echo N --req N --recv-timeout MS --send-timeout MS\n"
	    "  --resend-time MS --survey-time MS --recv-maxsz BYTES --delay MS "
	    "--nonblock\n"
	    "  --also-dial URL (repeatable; after the main listen/dial)\n"
	    "  --local-thr SIZE COUNT --remote-thr SIZE COUNT --local-lat SIZE "
	    "RT --remote-lat SIZE RT\n"
	    "  --warmup RT (latency: untimed round trips before the clock starts)\n"
	    "  --tls-cert-key-file FILE --tls-ca-file FILE\n"
	    "  --rr-server CONTEXTS --rr-client SIZE COUNT CONTEXTS\n");
	exit(2);
}

static void
fail(const char *fn, int rv)
{
	printf("error %s %s %d\n", fn, nng_strerror(rv), rv);
	fflush(stdout);
	if (sock_open) {
		nng_close(sock); // removes ipc socket files
	}
	exit(1);
}

static void
check(const char *fn, int rv)
{
	if (rv != 0) {
		fail(fn, rv);
	}
}

static void
finish(int code)
{
	fflush(stdout);
	if (sock_open) {
		nng_msleep(150); // let queued messages flush
		nng_close(sock);
	}
	exit(code);
}

static int
num(const char *s)
{
	char *end;
	long  v = strtol(s, &end, 10);
	if (*s == 0 || *end != 0 || v < 0 || v > 0x7fffffff) {
		usage("bad number");
	}
	return ((int) v);
}

static void
puthex(const void *p, size_t n)
{
	const unsigned char *b = p;
	if (n == 0) {
		fputc('-', stdout);
	}
	for (size_t i = 0; i < n; i++) {
		printf("%02x", b[i]);
	}
}

static size_t
unhex(const char *s, unsigned char **out)
{
	size_t n = strlen(s);
	if (n % 2 != 0) {
		usage("odd hex length");
	}
	*out = malloc(n / 2 + 1);
	for (size_t i = 0; i < n / 2; i++) {
		unsigned int v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1) {
			usage("bad hex");
		}
		(*out)[i] = (unsigned char) v;
	}
	return (n / 2);
}

static void
print_msg(nng_msg *m)
{
	fputs("msg ", stdout);
	puthex(nng_msg_header(m), nng_msg_header_len(m));
	fputc(' ', stdout);
	puthex(nng_msg_body(m), nng_msg_len(m));
	fputc('\n', stdout);
	fflush(stdout);
}

static unsigned char *body_fixed = NULL, *header = NULL;
static size_t         body_len = 0, header_len = 0;

static void
send_one(int i)
{
	nng_msg *m;
	char     tmp[32];
	check("alloc", nng_msg_alloc(&m, 0));
	if (header_len > 0) {
		check("alloc", nng_msg_header_append(m, header, header_len));
	}
	if (body_fixed != NULL) {
		check("alloc", nng_msg_append(m, body_fixed, body_len));
	} else {
		int n = snprintf(tmp, sizeof(tmp), "msg-%d", i);
		check("alloc", nng_msg_append(m, tmp, (size_t) n));
	}
	int rv = nng_sendmsg(sock, m, 0);
	if (rv != 0) {
		nng_msg_free(m);
		fail("send", rv);
	}
}

static nng_msg *
recv_one(void)
{
	nng_msg *m;
	check("recv", nng_recvmsg(sock, &m, 0));
	return (m);
}

static void
perf_fail_size(size_t got, size_t want)
{
	printf("error perf wrong message size: %zu != %zu 0\n", got, want);
	fflush(stdout);
	nng_close(sock);
	exit(1);
}

// ---- req/rep with contexts (benchmarks) -------------------------------------------------
// --rr-server CONTEXTS: rep0, answers every request with its own message on CONTEXTS contexts
//   until stdin closes. --rr-client SIZE COUNT CONTEXTS: req0, CONTEXTS contexts each keep one
//   request of SIZE bytes in flight (each reply goes back as the next request) until COUNT
//   replies in all; prints "total time: S [s]" (microsecond precision) and "request count: N".
#include <time.h>

typedef struct {
	nng_ctx  ctx;
	nng_aio *aio;
	int      sending;
} rr_slot;

static nng_mtx *rr_mtx;
static nng_cv  *rr_cv;
static int      rr_started, rr_done, rr_count, rr_error;
static size_t   rr_size;

static double
rr_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static void
rr_server_cb(void *arg)
{
	rr_slot *s = arg;
	if (nng_aio_result(s->aio) != 0) { // closed (or a failed send)
		nng_msg *m = nng_aio_get_msg(s->aio);
		if (s->sending && m != NULL) {
			nng_msg_free(m);
			nng_aio_set_msg(s->aio, NULL);
		}
		return;
	}
	s->sending = !s->sending;
	if (s->sending) {
		nng_ctx_send(s->ctx, s->aio); // the request just received
	} else {
		nng_ctx_recv(s->ctx, s->aio);
	}
}

static void
rr_client_cb(void *arg)
{
	rr_slot *s  = arg;
	int      rv = nng_aio_result(s->aio);
	if (rv != 0) {
		nng_mtx_lock(rr_mtx);
		rr_error = rv;
		nng_cv_wake(rr_cv);
		nng_mtx_unlock(rr_mtx);
		return;
	}
	if (s->sending) {
		s->sending = 0;
		nng_ctx_recv(s->ctx, s->aio);
		return;
	}
	nng_msg *m = nng_aio_get_msg(s->aio);
	nng_mtx_lock(rr_mtx);
	int more = rr_started < rr_count;
	if (more) {
		rr_started++;
	}
	if (nng_msg_len(m) != rr_size) {
		rr_error = NNG_EPROTO;
	}
	if (++rr_done == rr_count || rr_error != 0) {
		nng_cv_wake(rr_cv);
	}
	nng_mtx_unlock(rr_mtx);
	if (!more) {
		nng_aio_set_msg(s->aio, NULL);
		nng_msg_free(m);
		return;
	}
	s->sending = 1;
	nng_ctx_send(s->ctx, s->aio); // the reply goes back as the next request
}

static rr_slot *
rr_slots(int n, void (*cb)(void *))
{
	rr_slot *slots = calloc((size_t) n, sizeof(rr_slot));
	if (slots == NULL) {
		fail("calloc", NNG_ENOMEM);
	}
	for (int i = 0; i < n; i++) {
		check("ctx", nng_ctx_open(&slots[i].ctx, sock));
		check("aio", nng_aio_alloc(&slots[i].aio, cb, &slots[i]));
	}
	return (slots);
}

static void
rr_serve(int contexts)
{
	rr_slot *slots = rr_slots(contexts, rr_server_cb);
	for (int i = 0; i < contexts; i++) {
		nng_ctx_recv(slots[i].ctx, slots[i].aio);
	}
	while (getchar() != EOF) {
	}
	nng_close(sock);
	sock_open = 0;
	for (int i = 0; i < contexts; i++) {
		nng_aio_stop(slots[i].aio);
		nng_aio_free(slots[i].aio);
	}
	free(slots);
	finish(0);
}

static void
rr_measure(size_t size, int count, int contexts)
{
	rr_slot *slots = rr_slots(contexts, rr_client_cb);
	check("mtx", nng_mtx_alloc(&rr_mtx));
	check("cv", nng_cv_alloc(&rr_cv, rr_mtx));
	rr_size  = size;
	rr_count = count;
	nng_msleep(100); // as remote-lat when it dials
	double start = rr_now();
	nng_mtx_lock(rr_mtx);
	for (int i = 0; i < contexts && rr_started < count; i++) {
		nng_msg *m;
		check("alloc", nng_msg_alloc(&m, size));
		rr_started++;
		slots[i].sending = 1;
		nng_aio_set_msg(slots[i].aio, m);
		nng_ctx_send(slots[i].ctx, slots[i].aio);
	}
	while (rr_done < count && rr_error == 0) {
		nng_cv_wait(rr_cv);
	}
	int err = rr_error;
	nng_mtx_unlock(rr_mtx);
	double total = rr_now() - start;
	if (err != 0) {
		fail("rr-client", err);
	}
	printf("total time: %.6f [s]\n", total);
	printf("message size: %zu [B]\n", size);
	printf("request count: %d\n", count);
	printf("contexts: %d\n", contexts);
	nng_close(sock);
	sock_open = 0;
	finish(0);
}
// ---- end of req/rep with contexts --------------------------------------------------------

int
main(int argc, char **argv)
{
	int         raw = 0, poly = 0, nonblock = 0, delay = 0;
	int         nsend = 0, nrecv = 0, necho = 0, nreq = 0;
	int         recv_to = -2, send_to = -2, resend = -2, survey = -2;
	int         maxsz = -1;
	const char *subs[64];
	int         nsubs = 0;
	const char *perf  = NULL;
	// --also-dial: extra dials after the main endpoint (bus meshes).
	const char *also_dial[8];
	int         nalso = 0;
	int         psize = 0, pcount = 0, warmup = 0;
	int         rr_server = 0, rr_client = 0, rr_csize = 0, rr_ccount = 0;
	open_fn     fn    = NULL;
	int         listen, rv;

	if (argc < 4) {
		usage("missing arguments");
	}
	if (strcmp(argv[2], "listen") == 0) {
		listen = 1;
	} else if (strcmp(argv[2], "dial") == 0) {
		listen = 0;
	} else {
		usage("mode must be dial or listen");
	}
	const char *url = argv[3];
	const char *tls_cert_key_file = NULL; // --tls-cert-key-file FILE (tls+tcp)
	const char *tls_ca_file       = NULL; // --tls-ca-file FILE (tls+tcp)

	for (int i = 4; i < argc; i++) {
		const char *o   = argv[i];
		const char *a   = (i + 1 < argc) ? argv[i + 1] : NULL;
		int         has = a != NULL;
#define ARG() (has ? (i++, a) : (usage("option needs a value"), a))
		if (strcmp(o, "--raw") == 0) {
			raw = 1;
		} else if (strcmp(o, "--poly") == 0) {
			poly = 1;
		} else if (strcmp(o, "--nonblock") == 0) {
			nonblock = 1;
		} else if (strcmp(o, "--also-dial") == 0) {
			if (nalso == 8) {
				usage("too many --also-dial");
			}
			also_dial[nalso++] = ARG();
		} else if (strcmp(o, "--sub") == 0) {
			if (nsubs == 64) {
				usage("too many --sub");
			}
			subs[nsubs++] = ARG();
		} else if (strcmp(o, "--send") == 0) {
			nsend = num(ARG());
		} else if (strcmp(o, "--data") == 0) {
			const char *d = ARG();
			body_len      = strlen(d);
			body_fixed    = (unsigned char *) strdup(d);
		} else if (strcmp(o, "--hex") == 0) {
			body_len = unhex(ARG(), &body_fixed);
		} else if (strcmp(o, "--header") == 0) {
			header_len = unhex(ARG(), &header);
		} else if (strcmp(o, "--recv") == 0) {
			nrecv = num(ARG());
		} else if (strcmp(o, "--echo") == 0) {
			necho = num(ARG());
		} else if (strcmp(o, "--req") == 0) {
			nreq = num(ARG());
		} else if (strcmp(o, "--recv-timeout") == 0) {
			recv_to = num(ARG());
		} else if (strcmp(o, "--send-timeout") == 0) {
			send_to = num(ARG());
		} else if (strcmp(o, "--resend-time") == 0) {
			resend = num(ARG());
		} else if (strcmp(o, "--survey-time") == 0) {
			survey = num(ARG());
		} else if (strcmp(o, "--recv-maxsz") == 0) {
			maxsz = num(ARG());
		} else if (strcmp(o, "--warmup") == 0) {
			warmup = num(ARG());
		} else if (strcmp(o, "--delay") == 0) {
			delay = num(ARG());
		} else if (strcmp(o, "--tls-cert-key-file") == 0) {
			tls_cert_key_file = ARG();
		} else if (strcmp(o, "--tls-ca-file") == 0) {
			tls_ca_file = ARG();
		} else if (strcmp(o, "--local-thr") == 0 ||
		    strcmp(o, "--remote-thr") == 0 ||
		    strcmp(o, "--local-lat") == 0 ||
		    strcmp(o, "--remote-lat") == 0) {
			if (i + 2 >= argc) {
				usage("perf option needs SIZE and COUNT");
			}
			perf   = o + 2;
			psize  = num(argv[++i]);
			pcount = num(argv[++i]);
		} else if (strcmp(o, "--rr-server") == 0) {
			rr_server = num(ARG());
		} else if (strcmp(o, "--rr-client") == 0) {
			if (i + 3 >= argc) {
				usage("--rr-client needs SIZE COUNT CONTEXTS");
			}
			rr_csize  = num(argv[++i]);
			rr_ccount = num(argv[++i]);
			rr_client = num(argv[++i]);
		} else {
			usage("unknown option");
		}
#undef ARG
	}

	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		if (strcmp(argv[1], protos[i].name) == 0) {
			fn = raw ? protos[i].raw : protos[i].cooked;
		}
	}
	if (fn == NULL) {
		usage("unknown protocol");
	}
	// libnng 1.5 refuses pair1:polyamorous on a pair1 socket (ENOTSUP):
	// polyamorous mode is its own constructor.
	if (poly && fn == nng_pair1_open) {
		fn = nng_pair1_open_poly;
	}
	check("open", fn(&sock));
	sock_open = 1;

	if (poly && fn != nng_pair1_open_poly) {
		check("setopt", nng_socket_set_bool(sock, NNG_OPT_PAIR1_POLY, 1));
	}
	for (int i = 0; i < nsubs; i++) {
		check("setopt",
		    nng_socket_set(
		        sock, NNG_OPT_SUB_SUBSCRIBE, subs[i], strlen(subs[i])));
	}
	if (recv_to != -2) {
		check("setopt", nng_socket_set_ms(sock, NNG_OPT_RECVTIMEO, recv_to));
	}
	if (send_to != -2) {
		check("setopt", nng_socket_set_ms(sock, NNG_OPT_SENDTIMEO, send_to));
	}
	if (resend != -2) {
		check("setopt",
		    nng_socket_set_ms(sock, NNG_OPT_REQ_RESENDTIME, resend));
	}
	if (survey != -2) {
		check("setopt",
		    nng_socket_set_ms(sock, NNG_OPT_SURVEYOR_SURVEYTIME, survey));
	}
	if (maxsz >= 0) {
		check("setopt",
		    nng_socket_set_size(sock, NNG_OPT_RECVMAXSZ, (size_t) maxsz));
	}
	if (perf != NULL && strcmp(perf, "local-thr") == 0) {
		check("setopt", nng_socket_set_int(sock, NNG_OPT_RECVBUF, 128));
	}
	if (perf != NULL && strcmp(perf, "remote-thr") == 0) {
		check("setopt", nng_socket_set_int(sock, NNG_OPT_SENDBUF, 128));
		if (recv_to == -2) {
			check("setopt",
			    nng_socket_set_ms(sock, NNG_OPT_RECVTIMEO, 5000));
		}
	}

	if (listen) {
		nng_listener l;
		int          port;
		check("listen", nng_listener_create(&l, sock, url));
		if (tls_cert_key_file != NULL) {
			check("setopt",
			    nng_listener_set_string(
			        l, NNG_OPT_TLS_CERT_KEY_FILE, tls_cert_key_file));
		}
		if (tls_ca_file != NULL) {
			check("setopt",
			    nng_listener_set_string(
			        l, NNG_OPT_TLS_CA_FILE, tls_ca_file));
		}
		check("listen", nng_listener_start(l, 0));
		const char *sep   = strstr(url, "://");
		const char *colon = strrchr(url, ':');
		size_t      plen  = colon ? strspn(colon + 1, "0123456789") : 0;
		if (nng_listener_get_int(l, NNG_OPT_TCP_BOUND_PORT, &port) == 0 &&
		    sep != NULL && colon > sep + 2 && plen > 0) {
			printf("ready %.*s%d%s\n", (int) (colon + 1 - url), url,
			    port, colon + 1 + plen);
		} else {
			printf("ready %s\n", url);
		}
	} else {
		nng_dialer d;
		check("dial", nng_dialer_create(&d, sock, url));
		if (tls_cert_key_file != NULL) {
			check("setopt",
			    nng_dialer_set_string(
			        d, NNG_OPT_TLS_CERT_KEY_FILE, tls_cert_key_file));
		}
		if (tls_ca_file != NULL) {
			check("setopt",
			    nng_dialer_set_string(d, NNG_OPT_TLS_CA_FILE, tls_ca_file));
		}
		check("dial",
		    nng_dialer_start(d, nonblock ? NNG_FLAG_NONBLOCK : 0));
		printf("ready\n");
	}
	for (int i = 0; i < nalso; i++) {
		check("dial", nng_dial(sock, also_dial[i], NULL, 0));
	}
	fflush(stdout);

	if (delay > 0 && (nsend > 0 || nreq > 0 || perf != NULL)) {
		nng_msleep(delay);
	}
	for (int i = 0; i < nsend; i++) {
		send_one(i);
	}
	for (int i = 0; i < nreq; i++) {
		send_one(i);
		nng_msg *m = recv_one();
		print_msg(m);
		nng_msg_free(m);
	}
	for (int i = 0; i < nrecv; i++) {
		nng_msg *m = recv_one();
		print_msg(m);
		nng_msg_free(m);
	}
	for (int i = 0; i < necho; i++) {
		nng_msg *m = recv_one();
		print_msg(m);
		if ((rv = nng_sendmsg(sock, m, 0)) != 0) {
			nng_msg_free(m);
			fail("send", rv);
		}
	}
	if (rr_server > 0) {
		rr_serve(rr_server);
	}
	if (rr_client > 0) {
		rr_measure((size_t) rr_csize, rr_ccount, rr_client);
	}
	if (perf == NULL) {
		finish(0);
	}

	// Perf modes, following NNG's perf/perf.c.
	size_t   size = (size_t) psize;
	nng_msg *m;
	if (strcmp(perf, "local-thr") == 0) {
		m = recv_one(); // synchronization message
		nng_msg_free(m);
		nng_time start = nng_clock();
		for (int i = 0; i < pcount; i++) {
			m = recv_one();
			if (nng_msg_len(m) != size) {
				perf_fail_size(nng_msg_len(m), size);
			}
			nng_msg_free(m);
		}
		nng_time end = nng_clock();
		// completion message for remote-thr; best effort
		nng_send(sock, "", 0, NNG_FLAG_NONBLOCK);
		nng_msleep(200);
		nng_close(sock);
		sock_open       = 0;
		float total     = (float) (end - start) / 1000;
		float msgpersec = (float) pcount / total;
		float mbps      = (msgpersec * 8 * (float) size) / (1024 * 1024);
		printf("total time: %.3f [s]\n", total);
		printf("message size: %d [B]\n", psize);
		printf("message count: %d\n", pcount);
		printf("throughput: %.f [msg/s]\n", msgpersec);
		printf("throughput: %.3f [Mb/s]\n", mbps);
	} else if (strcmp(perf, "remote-thr") == 0) {
		check("send", nng_send(sock, "", 0, 0)); // synchronization
		for (int i = 0; i < pcount; i++) {
			check("alloc", nng_msg_alloc(&m, size));
			if ((rv = nng_sendmsg(sock, m, 0)) != 0) {
				nng_msg_free(m);
				fail("send", rv);
			}
		}
		// wait for local-thr's completion message (or time out)
		if (nng_recvmsg(sock, &m, 0) == 0) {
			nng_msg_free(m);
		}
	} else if (strcmp(perf, "local-lat") == 0) {
		for (int i = 0; i < pcount + warmup; i++) {
			m = recv_one();
			if (nng_msg_len(m) != size) {
				perf_fail_size(nng_msg_len(m), size);
			}
			if ((rv = nng_sendmsg(sock, m, 0)) != 0) {
				nng_msg_free(m);
				fail("send", rv);
			}
		}
	} else { // remote-lat
		if (!listen) {
			nng_msleep(100);
		}
		check("alloc", nng_msg_alloc(&m, size));
		for (int i = 0; i < warmup; i++) {
			if ((rv = nng_sendmsg(sock, m, 0)) != 0) {
				nng_msg_free(m);
				fail("send", rv);
			}
			m = recv_one();
		}
		nng_time start = nng_clock();
		for (int i = 0; i < pcount; i++) {
			if ((rv = nng_sendmsg(sock, m, 0)) != 0) {
				nng_msg_free(m);
				fail("send", rv);
			}
			m = recv_one();
		}
		nng_time end = nng_clock();
		nng_msg_free(m);
		float total   = (float) (end - start) / 1000;
		float latency = (total * 1000000) / (float) (pcount * 2);
		printf("total time: %.3f [s]\n", total);
		printf("message size: %d [B]\n", psize);
		printf("round trip count: %d\n", pcount);
		printf("average latency: %.3f [us]\n", latency);
	}
	finish(0);
	return (0);
}
