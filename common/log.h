/* SPDX-License-Identifier: ISC */
/* Logging: one line per event, "key=value" pairs, session id first when
 * there is one. Never a password, AUTH data, message body or subject. */
#ifndef BALISE_LOG_H
#define BALISE_LOG_H

#include <stdbool.h>

enum log_level { LOG_LVL_DEBUG, LOG_LVL_INFO, LOG_LVL_WARN, LOG_LVL_ERROR };

/* ident names the program; to_syslog sends lines to syslog(3) as well as
 * stderr. Thread-safe after this call. */
void log_init(const char *ident, enum log_level min, bool to_syslog);
void log_set_level(enum log_level min);
/* Parses "debug", "info", "warn", "error"; -1 when unknown. */
int log_level_parse(const char *s);

void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)

#endif
