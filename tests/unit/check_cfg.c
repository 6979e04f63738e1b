/* SPDX-License-Identifier: ISC */
/* Config parser: good files, every kind of bad value (each error names the
 * file, the line and the key), defaults, relative paths, value parsers. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"

static struct config cfg;
static char err[512];

static int parse(const char *text)
{
	cfg_free(&cfg);
	return cfg_parse(text, strlen(text), "/etc/balise/test.conf", &cfg, err, sizeof(err));
}

static void teardown(void)
{
	cfg_free(&cfg);
}

#define GOOD_CONF                                                                                  \
	"# demo\n"                                                                                 \
	"[server]\n"                                                                               \
	"hostname = mx.cabinet.demo.test\n"                                                        \
	"data_dir = data\n"                                                                        \
	"log_level = debug\n"                                                                      \
	"\n"                                                                                       \
	"[storage]\n"                                                                              \
	"map_size = 1M\n"                                                                          \
	"map_size_max = 2G\n"                                                                      \
	"[listen]\n"                                                                               \
	"smtp = 127.0.0.1:2525, [::1]:2525\n"                                                      \
	"imaps = 127.0.0.1:2993\n"                                                                 \
	"; comment\n"                                                                              \
	"[tls]\n"                                                                                  \
	"cert = tls/server.pem\n"                                                                  \
	"key = \"/abs/server.key\"\n"                                                              \
	"[auth]\n"                                                                                 \
	"cache_ttl = 2m\n"

START_TEST(good_file)
{
	ck_assert_int_eq(parse(GOOD_CONF), 0);
	ck_assert_str_eq(cfg.hostname, "mx.cabinet.demo.test");
	ck_assert_str_eq(cfg.data_dir, "/etc/balise/data");
	ck_assert_str_eq(cfg.tls_cert, "/etc/balise/tls/server.pem");
	ck_assert_str_eq(cfg.tls_key, "/abs/server.key");
	ck_assert_int_eq(cfg.log_level, 0);
	ck_assert_uint_eq(cfg.map_size, 1ULL << 20);
	ck_assert_uint_eq(cfg.map_size_max, 2ULL << 30);
	ck_assert_uint_eq(cfg.smtp.n, 2);
	ck_assert_str_eq(cfg.smtp.addr[0].host, "127.0.0.1");
	ck_assert_uint_eq(cfg.smtp.addr[0].port, 2525);
	ck_assert(!cfg.smtp.addr[0].v6);
	ck_assert_str_eq(cfg.smtp.addr[1].host, "::1");
	ck_assert(cfg.smtp.addr[1].v6);
	ck_assert_uint_eq(cfg.imaps.n, 1);
	ck_assert_uint_eq(cfg.imap.n, 0);
	ck_assert_uint_eq(cfg.auth_cache_ttl, 120);
	/* defaults */
	ck_assert_uint_eq(cfg.argon2_t_cost, 3);
	ck_assert_uint_eq(cfg.argon2_m_cost, 65536);
	ck_assert_uint_eq(cfg.message_size_max, 50ULL << 20);
	ck_assert_str_eq(cfg.tls_ca, "");
}
END_TEST

START_TEST(required_key)
{
	ck_assert_int_eq(parse("[server]\nhostname = x\n"), -1);
	ck_assert_msg(strstr(err, "[server] data_dir: required key missing") != NULL, "%s", err);
}
END_TEST

/* Each bad line must be reported with its line number and key. */
static const struct {
	const char *text;
	const char *want;
} bad[] = {
	{"[server]\ndata_dir = d\nfoo = 1\n", "test.conf:3: unknown key \"foo\" in [server]"},
	{"[nope]\n", "test.conf:1: unknown section [nope]"},
	{"data_dir = d\n", "test.conf:1: key data_dir outside any [section]"},
	{"[server]\ndata_dir = d\ndata_dir = e\n", "test.conf:3: [server] data_dir: given twice"},
	{"[server]\ndata_dir = d\n[storage]\nmap_size = 12X\n", "test.conf:4: [storage] map_size: not a size"},
	{"[server]\ndata_dir = d\n[storage]\nmap_size = 1K\n", "test.conf:4: [storage] map_size: value out of range"},
	{"[server]\ndata_dir = d\n[listen]\nimap = 127.0.0.1\n", "test.conf:4: [listen] imap: missing :PORT"},
	{"[server]\ndata_dir = d\n[queue]\nroutes = a.test\n", "test.conf:4: [queue] routes: expected domain=host:port"},
	{"[server]\ndata_dir = d\n[queue]\nroutes = a.test=h\n", "[queue] routes: missing :PORT"},
	{"[server]\ndata_dir = d\n[queue]\nroutes = a.test=h:0\n", "[queue] routes: port must be 1-65535"},
	{"[server]\ndata_dir = d\n[queue]\nroutes = a.test=h_x:25\n", "[queue] routes: not a host name or address"},
	{"[server]\ndata_dir = d\n[queue]\nroutes = a/b=h:25\n", "[queue] routes: not a domain name"},
	{"[server]\ndata_dir = d\n[queue]\nroutes = a.test=[::1:25\n", "[queue] routes: IPv6 address must be written"},
	{"[server]\ndata_dir = d\n[queue]\nroutes = a.test=h:1, A.test=h:2\n", "[queue] routes: domain routed twice"},
	{"[server]\ndata_dir = d\n[queue]\nretry_factor = 0\n", "[queue] retry_factor: value out of range"},
	{"[server]\ndata_dir = d\n[listen]\nimap = 127.0.0.1:70000\n", "test.conf:4: [listen] imap: port must be 1-65535"},
	{"[server]\ndata_dir = d\n[listen]\nimap = 300.0.0.1:143\n", "[listen] imap: not an IPv4 address"},
	{"[server]\ndata_dir = d\n[listen]\nimap = ::1:143\n", "[listen] imap: not an IPv4 address"},
	{"[server]\ndata_dir = d\n[listen]\nimap = [::1]143\n", "[listen] imap: IPv6 address must be written"},
	{"[server]\ndata_dir = d\n[listen]\nimap = 127.0.0.1:1,127.0.0.1:2,127.0.0.1:3,127.0.0.1:4,127.0.0.1:5\n",
	 "[listen] imap: too many addresses"},
	{"[server]\ndata_dir = d\nlog_syslog = maybe\n", "test.conf:3: [server] log_syslog: expected yes or no"},
	{"[server]\ndata_dir = d\nlog_level = loud\n", "[server] log_level: expected debug"},
	{"[server]\ndata_dir = d\n[auth]\nargon2_t_cost = 0\n", "test.conf:4: [auth] argon2_t_cost: value out of range"},
	{"[server]\ndata_dir = d\n[auth]\nargon2_t_cost = -1\n", "[auth] argon2_t_cost: not a number"},
	{"[server]\ndata_dir = d\n[auth]\ncache_ttl = 5y\n", "[auth] cache_ttl: not a duration"},
	{"[server]\ndata_dir = \n", "test.conf:2: [server] data_dir: value must not be empty"},
	{"[server]\ndata_dir = \"d\n", "test.conf:2: [server] data_dir: unterminated quoted value"},
	{"[server\n", "test.conf:1: malformed section header"},
	{"[server]\njunk\n", "test.conf:2: expected \"key = value\""},
	{"[server]\ndata_dir = d\n[storage]\nmap_size = 4G\nmap_size_max = 2G\n",
	 "map_size: larger than map_size_max"},
	{"[server]\ndata_dir = d\n[tls]\ncert = a.pem\n", "[tls] cert and key must be given together"},
};

START_TEST(bad_values)
{
	ck_assert_int_eq(parse(bad[_i].text), -1);
	ck_assert_msg(strstr(err, bad[_i].want) != NULL, "case %d: got \"%s\", want \"%s\"", _i, err,
		      bad[_i].want);
}
END_TEST

START_TEST(nul_and_long_lines)
{
	char text[8192];

	memcpy(text, "[server]\ndata_dir = d\0x\n", 24);
	cfg_free(&cfg);
	ck_assert_int_eq(cfg_parse(text, 24, "t.conf", &cfg, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "t.conf:2: NUL byte") != NULL, "%s", err);

	memset(text, 'a', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	ck_assert_int_eq(parse(text), -1);
	ck_assert_msg(strstr(err, ":1: line longer than") != NULL, "%s", err);
}
END_TEST

START_TEST(crlf_and_quotes)
{
	ck_assert_int_eq(parse("[server]\r\ndata_dir = \"/x y\"\r\nhostname=h\r\n"), 0);
	ck_assert_str_eq(cfg.data_dir, "/x y");
	ck_assert_str_eq(cfg.hostname, "h");
}
END_TEST

START_TEST(load_file)
{
	char dir[] = "/tmp/check_cfg.XXXXXX", path[256];
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/b.conf", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("[server]\ndata_dir = var\n[server]\nbogus = 1\n", f);
	fclose(f);
	ck_assert_int_eq(cfg_load(path, &cfg, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "b.conf:4: unknown key \"bogus\"") != NULL, "%s", err);
	cfg_free(&cfg);

	f = fopen(path, "w");
	fputs("[server]\ndata_dir = var\n", f);
	fclose(f);
	ck_assert_int_eq(cfg_load(path, &cfg, err, sizeof(err)), 0);
	ck_assert_int_eq(strncmp(cfg.data_dir, dir, strlen(dir)), 0);
	ck_assert_str_eq(cfg.data_dir + strlen(dir), "/var");
	cfg_free(&cfg);
	unlink(path);

	ck_assert_int_eq(cfg_load(path, &cfg, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "No such file") != NULL, "%s", err);
	rmdir(dir);
}
END_TEST

START_TEST(value_parsers)
{
	uint64_t v;

	ck_assert_int_eq(cfg_parse_size("10", &v), 0);
	ck_assert_uint_eq(v, 10);
	ck_assert_int_eq(cfg_parse_size("5K", &v), 0);
	ck_assert_uint_eq(v, 5120);
	ck_assert_int_eq(cfg_parse_size("5m", &v), 0);
	ck_assert_uint_eq(v, 5ULL << 20);
	ck_assert_int_eq(cfg_parse_size("5GB", &v), 0);
	ck_assert_uint_eq(v, 5ULL << 30);
	ck_assert_int_eq(cfg_parse_size("", &v), -1);
	ck_assert_int_eq(cfg_parse_size("G", &v), -1);
	ck_assert_int_eq(cfg_parse_size("-1", &v), -1);
	ck_assert_int_eq(cfg_parse_size("1.5G", &v), -1);
	ck_assert_int_eq(cfg_parse_size("99999999999999999999", &v), -1);
	ck_assert_int_eq(cfg_parse_size("99999999999T", &v), -1);
	ck_assert_int_eq(cfg_parse_duration("3d", &v), 0);
	ck_assert_uint_eq(v, 3 * 86400);
	ck_assert_int_eq(cfg_parse_duration("3w", &v), -1);
}
END_TEST

START_TEST(routes)
{
	const struct cfg_route *r;
	struct cfg_routes rt = {0};
	const char *why = NULL;

	ck_assert_int_eq(parse("[server]\ndata_dir = d\n"), 0);
	ck_assert_uint_eq(cfg.routes.n, 0);
	ck_assert_uint_eq(cfg.retry_first, 300);
	ck_assert_uint_eq(cfg.queue_expire, 5 * 86400);
	ck_assert_int_eq(parse("[server]\ndata_dir = d\n[queue]\n"
			       "routes = Other.Test=mx.other.test:2525, v6.test=[::1]:25,"
			       "ip.test=127.0.0.1:26\n"),
			 0);
	ck_assert_uint_eq(cfg.routes.n, 3);
	r = cfg_route_find(&cfg.routes, "OTHER.test");
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(r->domain, "other.test");
	ck_assert_str_eq(r->host, "mx.other.test");
	ck_assert_uint_eq(r->port, 2525);
	r = cfg_route_find(&cfg.routes, "v6.test");
	ck_assert_str_eq(r->host, "::1");
	ck_assert_uint_eq(r->port, 25);
	ck_assert_ptr_null(cfg_route_find(&cfg.routes, "nowhere.test"));
	ck_assert_ptr_null(cfg_route_find(&cfg.routes, "test"));
	/* A failed parse leaves nothing behind (no leak, no half table). */
	ck_assert_int_eq(cfg_parse_routes("a.test=h:1, bad", &rt, &why), -1);
	ck_assert_uint_eq(rt.n, 0);
	ck_assert_ptr_null(rt.route);
	ck_assert_int_eq(cfg_parse_routes("", &rt, &why), 0);
	ck_assert_uint_eq(rt.n, 0);
	cfg_routes_free(&rt);
}
END_TEST

/* [listen] http: loopback only unless [http] allow_remote. */
START_TEST(http_loopback)
{
	ck_assert_int_eq(parse("[server]\ndata_dir = /d\n[listen]\nhttp = 127.0.0.1:9100, "
	                       "127.1.2.3:9101, [::1]:9102, [::ffff:127.0.0.1]:9103\n"),
	                 0);
	ck_assert_uint_eq(cfg.http.n, 4);
	ck_assert(!cfg.http_allow_remote);
	ck_assert_int_eq(parse("[server]\ndata_dir = /d\n[listen]\nhttp = 127.0.0.1:9100, "
	                       "0.0.0.0:9101\n"),
	                 -1);
	ck_assert_ptr_nonnull(strstr(err, "[listen] http: not a loopback address"));
	ck_assert_int_eq(parse("[server]\ndata_dir = /d\n[listen]\nhttp = [::]:9100\n"), -1);
	ck_assert_int_eq(parse("[server]\ndata_dir = /d\n[listen]\nhttp = 192.0.2.1:80\n"), -1);
	ck_assert_int_eq(parse("[server]\ndata_dir = /d\n[listen]\nhttp = 192.0.2.1:80\n"
	                       "[http]\nallow_remote = yes\n"),
	                 0);
	ck_assert(cfg.http_allow_remote);
	ck_assert_int_eq(parse("[server]\ndata_dir = /d\n"), 0);
	ck_assert_uint_eq(cfg.http.n, 0);
}
END_TEST

START_TEST(key_table_documented)
{
	size_t n;
	const struct cfg_key *k = cfg_keys(&n);

	ck_assert_uint_gt(n, 10);
	for (size_t i = 0; i < n; i++) {
		ck_assert_msg(k[i].help != NULL && strlen(k[i].help) > 10, "%s.%s", k[i].section,
			      k[i].name);
		for (size_t j = 0; j < i; j++)
			ck_assert_msg(strcmp(k[i].section, k[j].section) != 0 ||
					      strcmp(k[i].name, k[j].name) != 0,
				      "duplicate key %s.%s", k[i].section, k[i].name);
	}
}
END_TEST

static Suite *cfg_suite(void)
{
	Suite *s = suite_create("cfg");
	TCase *tc = tcase_create("parse");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, good_file);
	tcase_add_test(tc, required_key);
	tcase_add_loop_test(tc, bad_values, 0, (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, nul_and_long_lines);
	tcase_add_test(tc, crlf_and_quotes);
	tcase_add_test(tc, load_file);
	tcase_add_test(tc, value_parsers);
	tcase_add_test(tc, key_table_documented);
	tcase_add_test(tc, routes);
	tcase_add_test(tc, http_loopback);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(cfg_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
