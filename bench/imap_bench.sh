#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# imap_bench.sh: balised against Dovecot over TLS, in the same run, with the
# same users, messages and argon2id hashes (issue 3). Measured with
# bench/imapload, which checks every answer (a run with errors is refused).
#
# usage: bench/imap_bench.sh BUILD_DIR [WORK_PARENT]
#   BUILD_DIR    a configured and built tree (make bench/imapload
#                bench/bal_hashes server/balised admin/balisectl)
#   WORK_PARENT  where the temporary directory goes (default /tmp)
#
# Environment (defaults in brackets):
#   RUNS [3]          alternated runs (balised, dovecot, balised, ...) per mode
#   IDLE_RUNS [1]     runs of the idle-memory mode
#   USERS [50] CLIENTS [50] MESSAGES [50] DURATION [20] RELOGIN [10]
#   IDLE_CONNS [2000] BIG_IDLE [10000] (balised only; 0 skips it)
#   MODES ["mix relogin idle big"]
#   ARGON2_T [3] ARGON2_M [65536] ARGON2_P [1]  (balise's production defaults)
#   KEEP=1            keep the temporary directory
#
# Steps: make a CA and a server certificate; write a balise.conf and a
# dovecot.conf (own base_dir, loopback high ports, ssl = required with the
# same certificate and the EX_OPE_5010 suites, imap-login service_count = 0
# with process_min_avail = number of cores, maildir under the temporary
# directory, Dovecot's default fsync; `dovecot -F -c FILE` reads no system
# configuration); create the users with balisectl and give Dovecot the very
# same argon2id strings in a passwd-file ({ARGON2ID} prefix, nothing
# converted); start both servers; seed both with imapload; run every mode
# alternately; print each run on stderr and a table of medians and ratios on
# stdout; stop both servers by PID. Never touches the system's own
# dovecot or postfix. As root, missing Debian packages are installed.
set -euo pipefail

BUILD=$(cd "${1:?usage: imap_bench.sh BUILD_DIR [WORK_PARENT]}" && pwd)
PARENT=${2:-/tmp}
RUNS=${RUNS:-3}
IDLE_RUNS=${IDLE_RUNS:-1}
USERS=${USERS:-50}
CLIENTS=${CLIENTS:-50}
MESSAGES=${MESSAGES:-50}
DURATION=${DURATION:-20}
RELOGIN=${RELOGIN:-10}
IDLE_CONNS=${IDLE_CONNS:-2000}
BIG_IDLE=${BIG_IDLE:-10000}
MODES=${MODES:-mix relogin idle big}
ARGON2_T=${ARGON2_T:-3}
ARGON2_M=${ARGON2_M:-65536}
ARGON2_P=${ARGON2_P:-1}
NCPU=$(nproc)

IMAPLOAD=$BUILD/bench/imapload
BALISED=$BUILD/server/balised
BALISECTL=$BUILD/admin/balisectl
BAL_HASHES=$BUILD/bench/bal_hashes
DOVECOT=${DOVECOT:-/usr/sbin/dovecot}

say() { printf '# %s\n' "$*" >&2; }
die() { printf 'imap_bench: error: %s\n' "$*" >&2; exit 1; }

for f in "$IMAPLOAD" "$BALISED" "$BALISECTL" "$BAL_HASHES"; do
	[[ -x $f ]] || die "$f missing: make bench/imapload bench/bal_hashes server/balised admin/balisectl in $BUILD"
done

# ---------------------------------------------------------------- packages

ensure_packages() {
	local p missing=()
	for p in "$@"; do
		[[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" == "install ok installed" ]] || missing+=("$p")
	done
	[[ ${#missing[@]} -eq 0 ]] && return
	[[ $(id -u) -eq 0 ]] || die "missing Debian packages: sudo apt-get install -y ${missing[*]}"
	say "installing ${missing[*]}"
	apt-get update
	# A policy-rc.d that answers 101 keeps the packages' maintainer scripts
	# from starting the system's own dovecot; removed again afterwards.
	local prc=/usr/sbin/policy-rc.d made=0
	if [[ ! -e $prc ]]; then
		printf '#!/bin/sh\nexit 101\n' >"$prc"
		chmod 0755 "$prc"
		made=1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" ||
		{ ((made)) && rm -f "$prc"; die "apt-get install failed"; }
	((made)) && rm -f "$prc"
	return 0
}
command -v dpkg-query >/dev/null && ensure_packages dovecot-imapd openssl
[[ -x $DOVECOT ]] || die "$DOVECOT missing"

# 10,000 TLS sessions on each side, plus Dovecot's processes.
ulimit -Hn 1048576 2>/dev/null || true
ulimit -n "$(ulimit -Hn)" 2>/dev/null || ulimit -n 65536 || true
(( $(ulimit -n) >= BIG_IDLE + 1000 )) || say "warning: ulimit -n is $(ulimit -n)"

# ---------------------------------------------------------------- set-up

T=$(mktemp -d "$PARENT/imapbench.XXXXXX")
chmod 0755 "$T" # Dovecot's unprivileged processes go through it
BAL_PID="" DOV_PID="" LOAD_PID=""
cleanup() {
	set +e
	[[ -n $LOAD_PID ]] && kill "$LOAD_PID" 2>/dev/null && wait "$LOAD_PID" 2>/dev/null
	[[ -n $BAL_PID ]] && kill "$BAL_PID" 2>/dev/null && wait "$BAL_PID" 2>/dev/null
	if [[ -n $DOV_PID ]]; then
		kill "$DOV_PID" 2>/dev/null
		for _ in $(seq 100); do kill -0 "$DOV_PID" 2>/dev/null || break; sleep 0.1; done
	fi
	if [[ ${KEEP:-0} == 1 ]]; then say "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
BAL_PORT=$(free_port)
DOV_PORT=$(free_port)

make_pki() {
	local o="openssl"
	$o req -x509 -newkey rsa:2048 -nodes -keyout "$T/ca.key" -out "$T/ca.pem" -days 2 \
		-subj "/CN=imap bench CA" -addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
	$o req -newkey rsa:2048 -nodes -keyout "$T/server.key" -out "$T/server.csr" \
		-subj "/CN=localhost" 2>/dev/null
	printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$T/server.ext"
	$o x509 -req -in "$T/server.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial \
		-out "$T/server.pem" -days 2 -sha256 -extfile "$T/server.ext" 2>/dev/null
	# RFC 7919 ffdhe2048 for the DHE suites (>= 2048 bits, EX_OPE_5010)
	$o genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 -out "$T/dh.pem" 2>/dev/null
	chmod 0644 "$T/server.key" # read by Dovecot's config parser (bench only)
}

write_balise_conf() {
	cat >"$T/balise.conf" <<EOF
# written by bench/imap_bench.sh
[server]
hostname = bench.test
data_dir = $T/balise-data
log_level = warn

[storage]
map_size = 256M
map_size_max = 4G

[listen]
imaps = 127.0.0.1:$BAL_PORT

[tls]
cert = $T/server.pem
key = $T/server.key

[auth]
argon2_t_cost = $ARGON2_T
argon2_m_cost = $ARGON2_M
argon2_parallelism = $ARGON2_P

[limits]
connections_max = $((BIG_IDLE > IDLE_CONNS ? BIG_IDLE + 1000 : IDLE_CONNS + 1000))
connections_per_ip = $((BIG_IDLE > IDLE_CONNS ? BIG_IDLE + 1000 : IDLE_CONNS + 1000))
EOF
}

make_users() {
	local i
	"$BALISECTL" -c "$T/balise.conf" domain add bench.test >/dev/null
	for ((i = 0; i < USERS; i++)); do
		printf 'bench-pw-%d\n' "$i" | "$BALISECTL" -c "$T/balise.conf" bal create \
			"user$i@bench.test" --type PER --holder-type 8 --holder 810001234565 \
			--password-stdin >/dev/null
	done
	# The same argon2id strings for Dovecot: its ARGON2ID scheme (libsodium)
	# reads the PHC string libargon2 wrote, so no conversion is needed.
	"$BAL_HASHES" "$T/balise-data" | while read -r addr hash; do
		printf '%s:{ARGON2ID}%s::::::\n' "$addr" "$hash"
	done >"$T/dovecot.passwd"
	chmod 0644 "$T/dovecot.passwd"
	[[ $(wc -l <"$T/dovecot.passwd") -eq $USERS ]] || die "bal_hashes gave $(wc -l <"$T/dovecot.passwd") hashes"
	doveadm pw -t "$(sed -n '1s/^[^:]*:\([^:]*\):.*/\1/p' "$T/dovecot.passwd")" -p bench-pw-0 >/dev/null ||
		die "Dovecot does not verify balise's argon2id hash"
}

write_dovecot_conf() {
	local ulim n=$((IDLE_CONNS + 1000))
	mkdir -p "$T/dovecot-mail" "$T/dovecot-run"
	chown 65534:65534 "$T/dovecot-mail"
	cat >"$T/dovecot.conf" <<EOF
# written by bench/imap_bench.sh; read with dovecot -F -c (no system config)
base_dir = $T/dovecot-run
state_dir = $T/dovecot-state
instance_name = imapbench-$$
protocols = imap
listen = 127.0.0.1
log_path = $T/dovecot.log
info_log_path = /dev/null
syslog_facility = local7
ssl = required
ssl_cert = <$T/server.pem
ssl_key = <$T/server.key
ssl_dh = <$T/dh.pem
ssl_min_protocol = TLSv1.2
ssl_cipher_list = ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-AES128-GCM-SHA256
ssl_cipher_suites = TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256
ssl_prefer_server_ciphers = yes
disable_plaintext_auth = yes
auth_mechanisms = plain login
auth_cache_size = 10M
passdb {
  driver = passwd-file
  args = $T/dovecot.passwd
}
userdb {
  driver = static
  args = uid=65534 gid=65534 home=$T/dovecot-mail/%u
}
mail_location = maildir:~/Maildir
first_valid_uid = 1
mail_max_userip_connections = $n
default_client_limit = $n
default_process_limit = $n
default_vsz_limit = 1G
service imap-login {
  inet_listener imap {
    port = 0
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $DOV_PORT
    ssl = yes
  }
  service_count = 0
  process_min_avail = $NCPU
  client_limit = $n
}
service imap {
  process_limit = $n
}
service anvil {
  client_limit = $((3 * n))
}
service auth {
  client_limit = $((3 * n))
}
service stats {
  client_limit = $((3 * n))
}
service imap-hibernate {
  client_limit = $n
}
EOF
}

start_servers() {
	"$BALISED" -c "$T/balise.conf" >"$T/balised.log" 2>&1 &
	BAL_PID=$!
	"$DOVECOT" -F -c "$T/dovecot.conf" >>"$T/dovecot.log" 2>&1 &
	DOV_PID=$!
	for _ in $(seq 300); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$BAL_PORT") 2>/dev/null && (exec 3<>"/dev/tcp/127.0.0.1/$DOV_PORT") 2>/dev/null; then
			return 0
		fi
		kill -0 "$BAL_PID" 2>/dev/null || die "balised exited: $(tail -5 "$T/balised.log")"
		kill -0 "$DOV_PID" 2>/dev/null || die "dovecot exited: $(tail -5 "$T/dovecot.log")"
		sleep 0.1
	done
	die "servers did not start"
}

stop_balised() {
	kill "$BAL_PID" 2>/dev/null && wait "$BAL_PID" 2>/dev/null
	BAL_PID=""
}
stop_dovecot() {
	kill "$DOV_PID" 2>/dev/null
	for _ in $(seq 300); do kill -0 "$DOV_PID" 2>/dev/null || break; sleep 0.1; done
	wait "$DOV_PID" 2>/dev/null
	DOV_PID=""
}
wait_port() { # PORT PID
	for _ in $(seq 300); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		kill -0 "$2" 2>/dev/null || die "server $2 exited (see $T/*.log)"
		sleep 0.1
	done
	die "port $1 did not open"
}
# The idle memory is measured on a freshly started server, for both: after
# the mix, balised's mapping of the LMDB file holds the pages the mix read
# (file-backed, counted in its PSS), and Dovecot's imap processes have exited.
restart_server() {
	if [[ $1 == balised ]]; then
		stop_balised
		"$BALISED" -c "$T/balise.conf" >>"$T/balised.log" 2>&1 &
		BAL_PID=$!
		wait_port "$BAL_PORT" "$BAL_PID"
	else
		stop_dovecot
		"$DOVECOT" -F -c "$T/dovecot.conf" >>"$T/dovecot.log" 2>&1 &
		DOV_PID=$!
		wait_port "$DOV_PORT" "$DOV_PID"
	fi
}

# ---------------------------------------------------------------- measures

port_of() { [[ $1 == balised ]] && echo "$BAL_PORT" || echo "$DOV_PORT"; }
pid_of() { [[ $1 == balised ]] && echo "$BAL_PID" || echo "$DOV_PID"; }

load() { # SERVER MODE ARGS...
	local srv=$1
	shift
	"$IMAPLOAD" "$@" -p "$(port_of "$srv")" --ca "$T/ca.pem" -u "$USERS" -m "$MESSAGES"
}

# Sum of a smaps_rollup field (kB; default Pss) over PID and its descendants.
pss_tree() {
	local what=${2:-Pss}
	local pids
	pids=$(ps -e -o pid=,ppid= | awk -v root="$1" '
		{ parent[$1] = $2 } END {
			keep[root] = 1; changed = 1
			while (changed) { changed = 0
				for (p in parent) if (!(p in keep) && (parent[p] in keep)) { keep[p] = 1; changed = 1 } }
			for (p in keep) print p }')
	for p in $pids; do
		awk -v w="$what:" '$1 == w { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null || true
	done | awk '{ s += $1 } END { print s + 0 }'
}
nprocs_tree() {
	ps -e -o pid=,ppid= | awk -v root="$1" '
		{ parent[$1] = $2 } END {
			keep[root] = 1; changed = 1
			while (changed) { changed = 0
				for (p in parent) if (!(p in keep) && (parent[p] in keep)) { keep[p] = 1; changed = 1 } }
			print length(keep) }'
}

# CPU ticks used so far by PID and its live descendants.
ticks_tree() {
	local p
	for p in $(ps -e -o pid=,ppid= | awk -v root="$1" '
		{ parent[$1] = $2 } END {
			keep[root] = 1; changed = 1
			while (changed) { changed = 0
				for (p in parent) if (!(p in keep) && (parent[p] in keep)) { keep[p] = 1; changed = 1 } }
			for (p in keep) print p }'); do
		sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | awk '{ print $12 + $13 }' || true
	done | awk '{ s += $1 } END { print s + 0 }'
}

field() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$2"; }

RESULTS=$T/results.tsv
: >"$RESULTS"
record() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$RESULTS"; }

run_mix() { # SERVER RELOGIN
	local srv=$1 rl=$2 out name args=(mix -c "$CLIENTS" -d "$DURATION" --timeout $((DURATION + 300)))
	((rl > 0)) && args+=(--relogin "$rl")
	name=$([[ $rl -gt 0 ]] && echo relogin || echo mix)
	# --server-pid: CPU of the server's whole process tree over the window
	out=$(load "$srv" "${args[@]}" --server-pid "$(pid_of "$srv")") ||
		die "$srv mix (relogin $rl) had errors: $out"
	out=$(tr '\n' ' ' <<<"$out")
	say "$srv $(uptime | sed 's/.*load/load/') :: $out"
	record "$name" "$srv" "$(field ops_s "$out")"
	record "${name}_p99_ms" "$srv" "$(field p99_ms "$out")"
	record "${name}_cpu_ms_per_op" "$srv" "$(field server_cpu_ms_per_op "$out")"
}

run_idle() { # SERVER CONNS TAG
	local srv=$1 n=$2 tag=$3 pid before after anon fifo line nproc t0 t1
	restart_server "$srv"
	pid=$(pid_of "$srv")
	sleep 2
	before=$(pss_tree "$pid")
	fifo=$T/idle.out
	# imapload itself in the background (not a subshell): SIGTERM goes to it
	"$IMAPLOAD" idle -c "$n" --timeout 3600 -p "$(port_of "$srv")" --ca "$T/ca.pem" \
		-u "$USERS" -m "$MESSAGES" >"$fifo" 2>"$T/idle.err" &
	LOAD_PID=$!
	for _ in $(seq 36000); do
		grep -q '^imapload: idling' "$fifo" && break
		kill -0 "$LOAD_PID" 2>/dev/null || die "$srv idle: imapload exited: $(cat "$fifo" "$T/idle.err")"
		sleep 0.1
	done
	line=$(grep '^imapload: idling' "$fifo")
	[[ $line == "imapload: idling $n" ]] || die "$srv idle: $line"
	sleep 3
	t0=$(ticks_tree "$pid")
	sleep 10
	t1=$(ticks_tree "$pid")
	after=$(pss_tree "$pid")
	anon=$(pss_tree "$pid" Pss_Anon)
	nproc=$(nprocs_tree "$pid")
	kill -TERM "$LOAD_PID"
	wait "$LOAD_PID" || die "$srv idle had errors: $(cat "$fifo" "$T/idle.err")"
	LOAD_PID=""
	say "$srv idle $n: PSS before ${before} kB, with the sessions ${after} kB (anonymous ${anon} kB), $nproc processes, $(( (t1 - t0) * 100 / $(getconf CLK_TCK) / 10 ))% of a core while idle :: $(tail -1 "$fifo")"
	record "${tag}_total_kb_per_conn" "$srv" "$(awk -v a="$after" -v n="$n" 'BEGIN { printf "%.1f", a / n }')"
	record "${tag}_delta_kb_per_conn" "$srv" "$(awk -v a="$after" -v b="$before" -v n="$n" 'BEGIN { printf "%.1f", (a - b) / n }')"
	record "${tag}_anon_kb_per_conn" "$srv" "$(awk -v a="$anon" -v n="$n" 'BEGIN { printf "%.1f", a / n }')"
	record "${tag}_cpu_pct_while_idle" "$srv" "$(awk -v a="$t0" -v b="$t1" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.1f", (b - a) * 100 / hz / 10 }')"
	record "${tag}_pss_mb" "$srv" "$(awk -v a="$after" 'BEGIN { printf "%.1f", a / 1024 }')"
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

table() {
	local key b d
	printf '| measure | balised | dovecot | balised / dovecot |\n|---|---|---|---|\n'
	for key in $(cut -f1 "$RESULTS" | awk '!seen[$0]++'); do
		b=$(awk -F'\t' -v k="$key" '$1 == k && $2 == "balised" { print $3 }' "$RESULTS" | median)
		d=$(awk -F'\t' -v k="$key" '$1 == k && $2 == "dovecot" { print $3 }' "$RESULTS" | median)
		printf '| %s | %s | %s | %s |\n' "$key" "$b" "$d" \
			"$(awk -v b="$b" -v d="$d" 'BEGIN { if (d + 0 > 0 && b != "-") printf "%.2f", b / d; else print "-" }')"
	done
}

# ---------------------------------------------------------------- main

say "machine: $NCPU cores, $(uptime | sed 's/.*load/load/'), $(date -u +%FT%TZ)"
make_pki
write_balise_conf
say "creating $USERS users (argon2id t=$ARGON2_T m=$ARGON2_M p=$ARGON2_P)"
make_users
write_dovecot_conf
start_servers
say "balised pid $BAL_PID port $BAL_PORT, dovecot pid $DOV_PID port $DOV_PORT"
for srv in balised dovecot; do
	out=$(load "$srv" seed --timeout 600) || die "$srv seed: $out"
	say "$srv seed :: $out"
done

for mode in $MODES; do
	case $mode in
	mix | relogin)
		for ((r = 0; r < RUNS; r++)); do
			for srv in balised dovecot; do
				run_mix "$srv" "$([[ $mode == relogin ]] && echo "$RELOGIN" || echo 0)"
			done
		done ;;
	idle)
		for ((r = 0; r < IDLE_RUNS; r++)); do
			for srv in balised dovecot; do run_idle "$srv" "$IDLE_CONNS" idle; done
		done ;;
	big)
		((BIG_IDLE > 0)) && run_idle balised "$BIG_IDLE" "idle${BIG_IDLE}" ;;
	*) die "unknown mode $mode" ;;
	esac
done
say "end: $(uptime | sed 's/.*load/load/'), $(date -u +%FT%TZ)"
table
