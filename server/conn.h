/* SPDX-License-Identifier: ISC */
/* One client connection over a libuv TCP handle, with optional TLS
 * (implicit or STARTTLS): bounded input, a CRLF line reader, an output
 * queue with back-pressure, idle and command timeouts. */
#ifndef BALISE_CONN_H
#define BALISE_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "buf.h"

struct tls_ctx;
struct tls_session;

/* Limits. A protocol may lower the line limit (before login) or raise it
 * within CONN_LINE_MAX_HARD. */
#define CONN_LINE_MAX_DEFAULT 8192 /* RFC 7162 section 4: accept lines of 8192 octets */
#define CONN_LINE_MAX_HARD (64 * 1024)
#define CONN_READ_CHUNK (64 * 1024)  /* one socket read; shared buffer, not per connection */
#define CONN_WRITE_HIGH (256 * 1024) /* queued output above this pauses input */
#define CONN_WRITE_LOW (64 * 1024)   /* ... and reading resumes below this */
#define CONN_IDLE_TIMEOUT_MS (30 * 60 * 1000) /* RFC 3501 section 5.4: at least 30 minutes */
#define CONN_CMD_TIMEOUT_MS (5 * 60 * 1000)   /* a started line or command must finish */
#define CONN_HANDSHAKE_TIMEOUT_MS (60 * 1000) /* TLS handshake */
#define CONN_CLOSE_LINGER_MS (10 * 1000)      /* flushing output on a graceful close */
#define CONN_CONNECT_TIMEOUT_MS (30 * 1000)   /* outbound connections */
#define CONN_BUF_IDLE_KEEP 4096               /* buffers larger than this are freed when empty */
#define CONN_ADDR_MAX 64                      /* "[v6]:port" */

struct conn;

enum conn_event {
	CONN_EV_LINE_TOO_LONG, /* the rest of that line is skipped; the session goes on */
	CONN_EV_IDLE_TIMEOUT,  /* nothing received for the idle timeout */
	CONN_EV_CMD_TIMEOUT,   /* a line or command was not completed in time */
	CONN_EV_DRAIN,         /* queued output fell under CONN_WRITE_LOW */
};

/* What a protocol session plugs in. Every callback may write and may call
 * conn_close(); arg is the session pointer given to conn_set_handler(). */
struct conn_ops {
	/* Line mode: one complete line, CR LF (or a bare LF) removed. */
	void (*on_line)(struct conn *c, struct slice line, void *arg);
	/* Raw mode (conn_set_raw()): whatever bytes are there; returns how
	 * many it consumed (0 = wait for more; the input buffer is bounded by
	 * the line limit plus one read). */
	size_t (*on_data)(struct conn *c, struct slice data, void *arg);
	/* The TLS handshake completed (implicit TLS or after conn_starttls()). */
	void (*on_tls_ready)(struct conn *c, void *arg);
	/* Timeouts, overlong lines, drained output. NULL, or an event it
	 * does not handle by closing: timeouts close the connection, an
	 * overlong line is skipped silently. */
	void (*on_event)(struct conn *c, enum conn_event ev, void *arg);
	/* The connection is gone (peer closed, error, timeout or
	 * conn_close()): release the session. No conn_* call on c after this,
	 * also not from a job the session was waiting for (paused): such a
	 * job must learn that its connection is gone. */
	void (*on_close)(struct conn *c, void *arg);
};

/* Accepts server's pending connection into a new connection, which does
 * not read yet (the listener first checks its limits), or returns NULL
 * (logged) if the accept failed. */
struct conn *conn_accept(uv_stream_t *server);
/* Starts reading; tls != NULL starts implicit TLS (RFC 8314) with that
 * server context, which is referenced, not copied: keep it alive. Set the
 * handler before or right after, before returning to the loop. */
void conn_start(struct conn *c, struct tls_ctx *tls);
/* Outbound connection (the SMTP client): connects to addr within
 * CONN_CONNECT_TIMEOUT_MS, then calls cb once with the connection (reading
 * has started: set the handler there; STARTTLS with a client context
 * through conn_starttls()) and 0, or with NULL and a libuv error code
 * (UV_ETIMEDOUT, UV_ECONNREFUSED...). Returns 0, or a libuv error code
 * without calling cb. */
int conn_connect(uv_loop_t *loop, const struct sockaddr *addr,
                 void (*cb)(struct conn *c, int status, void *arg), void *arg);
/* The session hooks: may be called again to change them (e.g. after
 * authentication). */
void conn_set_handler(struct conn *c, const struct conn_ops *ops, void *arg);

/* Output: appended to the queue and sent at the end of the current
 * callback (or at once outside callbacks unless corked). Plaintext queued
 * before a TLS handshake completes is sent encrypted after it. Never fails:
 * the protocol stops producing when conn_output_full() says so and waits
 * for CONN_EV_DRAIN. */
void conn_write(struct conn *c, const void *p, size_t n);
void conn_write_str(struct conn *c, const char *s);
void conn_printf(struct conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Groups writes made outside callbacks into one send (and one TLS record). */
void conn_cork(struct conn *c);
void conn_uncork(struct conn *c);
bool conn_output_full(const struct conn *c);
/* Bytes queued for sending (plaintext waiting + ciphertext + in flight). */
size_t conn_output_queued(const struct conn *c);

/* Input control. pause/resume: the session waits for something (a password
 * check, a storage commit); no line is delivered meanwhile and the socket
 * is not read. Resuming delivers what was buffered. */
void conn_pause(struct conn *c);
void conn_resume(struct conn *c);
/* Switches between line mode and raw mode (literals, SMTP DATA chunks, or
 * a whole session for an incremental parser such as IMAP's); takes effect
 * for the next bytes, including those already buffered. Raw mode has no
 * line limit and no automatic command timer: the parser bounds what it
 * keeps, and conn_cmd_begin() arms the timer. */
void conn_set_raw(struct conn *c, bool raw);
/* Line limit (without CRLF), 1..CONN_LINE_MAX_HARD. */
void conn_set_line_max(struct conn *c, size_t max);
/* 0 disables a timeout. */
void conn_set_timeouts(struct conn *c, uint64_t idle_ms, uint64_t cmd_ms);
/* Starts / stops the command timer explicitly (e.g. around SMTP DATA or an
 * IMAP literal). A partial line in the buffer always runs it. Calling
 * conn_cmd_begin() again before conn_cmd_end() (or the timeout) keeps the
 * first start, so a session may call it on every partial read. */
void conn_cmd_begin(struct conn *c);
void conn_cmd_end(struct conn *c);

/* STARTTLS (RFC 3207, RFC 3501 section 6.2.1): call from on_line right
 * after writing the positive reply (server context), or after reading the
 * server's "220" (client context: we send the ClientHello). The reply is sent in clear, then TLS
 * starts; bytes the client sent after the command are discarded (they
 * were not protected: command injection). -1 if TLS is already on. */
int conn_starttls(struct conn *c, struct tls_ctx *tls);
bool conn_is_tls(const struct conn *c);
/* NULL until TLS starts; for version, cipher, peer certificate. */
struct tls_session *conn_tls(const struct conn *c);

/* Graceful close: stops reading, sends what is queued (then close_notify
 * under TLS) within CONN_CLOSE_LINGER_MS, then closes. Writes after it
 * are dropped: say "* BYE" / "221" first. Idempotent. */
void conn_close(struct conn *c);
/* Immediate close, queued output dropped. */
void conn_abort(struct conn *c);
bool conn_closing(const struct conn *c);

/* "ip:port" / "[ip]:port" of the peer, and the peer address itself. */
const char *conn_peer(const struct conn *c);
const struct sockaddr_storage *conn_peer_addr(const struct conn *c);
/* A short hexadecimal id for log lines, unique in the process. */
const char *conn_id(const struct conn *c);
uv_loop_t *conn_loop(const struct conn *c);

/* For the listener: called once after on_close, before the memory goes. */
void conn_set_release(struct conn *c, void (*fn)(void *arg), void *arg);

/* Every open connection, e.g. to say "* BYE" on SIGTERM. fn may close c. */
void conn_foreach(void (*fn)(struct conn *c, void *arg), void *arg);
size_t conn_count(void);

#endif
