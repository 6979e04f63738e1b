#!/bin/bash
# SPDX-License-Identifier: ISC
# SMTP benchmark of issue 4: bench/smtpload pushes MESSAGES messages of SIZE
# bytes over SESSIONS parallel STARTTLS sessions (client certificate) into
# balised and, in the same run, into Postfix (STARTTLS and a client
# certificate required, delivering over LMTP to Dovecot): the stack an
# operator would otherwise run. Both durable: balised answers 250 after its
# group commit; Postfix fsyncs its queue files, Dovecot its mail files
# (mail_fsync). Every server runs from WORKDIR on loopback high ports; the
# system's own postfix and dovecot instances are never touched.
#
# Per run and side: wall time from the first connection until the last
# message is stored (counted in the Dovecot maildirs, or balisectl's
# used_messages), CPU seconds of all the server's processes (/proc, before
# and after, children included), and a check that every message id of the
# run is stored exactly once. Sides alternate; medians on stdout as Markdown.
#
# usage: bench/smtp_bench.sh [BUILDDIR [WORKDIR]]      (as root: Postfix's
#        master needs it)
#   RUNS=3 MESSAGES=10000 SESSIONS=20 SIZE=10240 RCPTS=20 SIDES="postfix balised"
#   PIPELINING=1 (smtpload -P), DOVECOT_FSYNC=optimized (or always), KEEP=1
#   (keep WORKDIR and its logs)
#   SIEVE_RULES=50: every balised BAL gets an active Sieve script of that many
#   rules (none matches: every test runs, then keep; SIEVE_RULES=0 for the
#   baseline without a script), balised logs at info level (both), and a
#   second table gives the Sieve step's share of the
#   delivery apply measured in the same run (balised's "sieve stats" line
#   at shutdown: CLOCK_MONOTONIC time in loading and running the scripts and
#   in the whole write-transaction apply of each message)
set -euo pipefail
export LC_ALL=C

BUILDDIR=$(cd "${1:-.}" && pwd)
WORK=${2:-$(mktemp -d "${TMPDIR:-/tmp}/bench-smtp.XXXXXX")}
RUNS=${RUNS:-3}
MESSAGES=${MESSAGES:-10000}
SESSIONS=${SESSIONS:-20}
SIZE=${SIZE:-10240}
RCPTS=${RCPTS:-20}
SIDES=${SIDES:-"postfix balised"}
PIPELINING=${PIPELINING:-1}
DOVECOT_FSYNC=${DOVECOT_FSYNC:-optimized}
KEEP=${KEEP:-0}
STALL=${STALL:-120}   # seconds without a new stored message: give up the run
SIEVE_RULES=${SIEVE_RULES:-}  # set (0 too): info-level logs and the Sieve table

LOAD="$BUILDDIR/bench/smtpload"
BALISED="$BUILDDIR/server/balised"
BALISECTL="$BUILDDIR/admin/balisectl"
DOMAIN=bench.test      # the recipients' domain, served by both stacks
SENDER_DOMAIN=op.test  # the sending operator: its certificate is whitelisted
FROM="expediteur@$SENDER_DOMAIN"
HOLDER=810001234565    # a valid RPPS idNat for the PER BALs

say() { echo "# $*" >&2; }
die() { echo "smtp_bench: $*" >&2; exit 1; }

[ -x "$LOAD" ] || die "build it first: make bench/smtpload (in $BUILDDIR)"
mkdir -p "$WORK"
chmod 755 "$WORK"   # Dovecot's and Postfix's unprivileged processes go through it
DV_PID="" BL_PID="" # running server PIDs, cleared once stopped

# ------------------------------------------------------------ helpers

now() { date +%s.%N; }
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
rcpt() { echo "r$1@$DOMAIN"; }
rcpt_args() { local i; for ((i = 0; i < RCPTS; i++)); do printf -- '-r %s ' "$(rcpt $i)"; done; }

# All descendants of PID $1, itself included.
proc_tree() {
	local root=$1
	ps -e -o pid=,ppid= | awk -v root="$root" '
		{ parent[$1] = $2; pids[NR] = $1 }
		END { for (i in pids) { p = pids[i]; q = p
			while (q != "" && q != 0 && q != 1) { if (q == root) { print p; break } q = parent[q] } } }'
}

# CPU seconds (user + system, reaped children included) of the trees of PIDs $@.
cpu_seconds() {
	local hz pid pids=()
	hz=$(getconf CLK_TCK)
	for pid in "$@"; do mapfile -t -O "${#pids[@]}" pids < <(proc_tree "$pid"); done
	say "CPU sample: ${#pids[@]} processes"
	for pid in "${pids[@]}"; do
		# fields after the ")" that ends the command name: utime is 12th
		sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null || true
	done | awk -v hz="$hz" '{ t += $12 + $13 + $14 + $15 } END { printf "%.3f\n", t / hz }'
}

wait_port() {
	local port=$1 i
	for ((i = 0; i < 200; i++)); do
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

cleanup() {
	[ -n "${PF_DIR:-}" ] && postfix -c "$PF_DIR" stop >/dev/null 2>&1 || true
	[ -n "$DV_PID" ] && kill "$DV_PID" 2>/dev/null || true
	[ -n "$BL_PID" ] && kill "$BL_PID" 2>/dev/null || true
	if [ "$KEEP" = 1 ]; then say "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# ------------------------------------------------------------ certificates

# A lab CA, a server certificate (both stacks) and the sending operator's
# client certificate, RSA 2048 (the EX_OPE_5010 TLS 1.2 suites are RSA).
make_pki() {
	local d=$WORK/pki
	mkdir -p "$d"
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/ca.key" -out "$d/ca.pem" \
		-days 2 -subj "/C=FR/O=Bench CA/CN=smtp bench CA" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
	issue server "/C=FR/O=Operateur Destinataire/CN=mx.$DOMAIN" \
		"subjectAltName=DNS:mx.$DOMAIN,DNS:localhost,IP:127.0.0.1"
	issue client "/C=FR/O=Operateur Expediteur/OU=312345678901234/CN=mx.$SENDER_DOMAIN" \
		"subjectAltName=DNS:mx.$SENDER_DOMAIN"
	chmod 644 "$d"/*.pem
	chmod 600 "$d"/*.key
}

issue() {
	local d=$WORK/pki name=$1 subj=$2 san=$3
	printf '%s\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n' \
		"$san" >"$d/$name.ext"
	openssl req -newkey rsa:2048 -nodes -keyout "$d/$name.key" -out "$d/$name.csr" \
		-subj "$subj" 2>/dev/null
	openssl x509 -req -in "$d/$name.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
		-set_serial "0x$(openssl rand -hex 16)" -days 2 -sha256 \
		-extfile "$d/$name.ext" -out "$d/$name.pem" 2>/dev/null
	rm -f "$d/$name.csr" "$d/$name.ext"
}

subject_dn() {
	openssl x509 -in "$1" -noout -subject -nameopt RFC2253 | sed 's/^subject=//'
}

# ------------------------------------------------------------ Dovecot

setup_dovecot() {
	local d=$WORK/dovecot i
	DV_PORT=$(free_port)
	DV_CONF=$d/dovecot.conf
	mkdir -p "$d"
	: >"$d/users"
	for ((i = 0; i < RCPTS; i++)); do
		echo "$(rcpt $i)::$(id -u mail):$(id -g mail)::$d/mail/r$i::" >>"$d/users"
	done
	cat >"$DV_CONF" <<EOF
# Written by bench/smtp_bench.sh: LMTP only, maildir, everything under $d.
instance_name = smtpbench-$$
base_dir = $d/run
state_dir = $d/state
log_path = $d/dovecot.log
protocols = lmtp
listen = 127.0.0.1
ssl = no
postmaster_address = postmaster@$DOMAIN
first_valid_uid = $(id -u mail)
first_valid_gid = $(id -g mail)
mail_location = maildir:~/Maildir
mail_fsync = $DOVECOT_FSYNC
lmtp_rcpt_check_quota = no
passdb {
  driver = passwd-file
  args = $d/users
}
userdb {
  driver = passwd-file
  args = $d/users
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = $DV_PORT
  }
}
EOF
}

start_dovecot() {
	local d=$WORK/dovecot i
	rm -rf "$d/mail" "$d/run" "$d/state"
	mkdir -p "$d/mail"
	chown mail:mail "$d/mail"
	dovecot -c "$DV_CONF" </dev/null >/dev/null 2>&1 || die "dovecot did not start: $(tail -5 "$d/dovecot.log")"
	for ((i = 0; i < 200; i++)); do
		[ -s "$d/run/master.pid" ] && break
		sleep 0.05
	done
	DV_PID=$(cat "$d/run/master.pid") || die "dovecot wrote no master.pid"
	wait_port "$DV_PORT" || die "dovecot does not listen on $DV_PORT"
}

stop_dovecot() {
	kill "$DV_PID" 2>/dev/null || true
	while kill -0 "$DV_PID" 2>/dev/null; do sleep 0.1; done
	DV_PID=""
}

dovecot_count() {
	find "$WORK/dovecot/mail" -path '*/Maildir/new/*' -type f -o \
		-path '*/Maildir/cur/*' -type f 2>/dev/null | wc -l
}

# The X-Smtpload-Id of every stored message, one a line.
dovecot_ids() {
	find "$WORK/dovecot/mail" \( -path '*/Maildir/new/*' -o -path '*/Maildir/cur/*' \) -type f \
		-exec grep -h -m1 '^X-Smtpload-Id:' {} + | sed 's/^X-Smtpload-Id: *//; s/\r$//'
}

# ------------------------------------------------------------ Postfix

setup_postfix() {
	local d=$WORK/postfix i maps=""
	id postfix >/dev/null 2>&1 || die "no postfix user: install Debian's postfix package"
	PF_DIR=$d/etc
	PF_PORT=$(free_port)
	mkdir -p "$PF_DIR"
	for ((i = 0; i < RCPTS; i++)); do maps+="$(rcpt $i)=ok, "; done
	cat >"$PF_DIR/main.cf" <<EOF
# Written by bench/smtp_bench.sh: a private instance under $d.
compatibility_level = 3.6
queue_directory = $d/spool
data_directory = $d/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.$DOMAIN
mydomain = $DOMAIN
myorigin = \$myhostname
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
alias_maps =
alias_database =
biff = no
maillog_file = $d/maillog
maillog_file_prefixes = $d
# Recipients checked at RCPT time, delivered to Dovecot over LMTP.
virtual_mailbox_domains = $DOMAIN
virtual_mailbox_maps = inline:{ ${maps%, } }
virtual_transport = lmtp:inet:127.0.0.1:$DV_PORT
# Inbound TLS as the trust space requires it (EX_OPE_5010): STARTTLS and a
# client certificate from the trust-space CA, TLS 1.2+ with the allowed suites.
smtpd_tls_security_level = encrypt
smtpd_tls_req_ccert = yes
smtpd_tls_ask_ccert = yes
smtpd_tls_chain_files = $WORK/pki/server.key, $WORK/pki/server.pem
smtpd_tls_CAfile = $WORK/pki/ca.pem
smtpd_tls_protocols = >=TLSv1.2
smtpd_tls_mandatory_protocols = >=TLSv1.2
smtpd_tls_ciphers = high
smtpd_tls_mandatory_ciphers = high
tls_high_cipherlist = ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-AES128-GCM-SHA256
tls_preempt_cipherlist = yes
smtpd_tls_loglevel = 1
EOF
	# chroot off everywhere: nothing to copy into the queue directory.
	cat >"$PF_DIR/master.cf" <<EOF
127.0.0.1:$PF_PORT inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
}

start_postfix() {
	local d=$WORK/postfix
	rm -rf "$d/spool" "$d/data"
	mkdir -p "$d/spool" "$d/data"
	chown postfix: "$d/data"
	postfix -c "$PF_DIR" check >/dev/null 2>&1 || true # creates the queue directories
	postfix -c "$PF_DIR" start </dev/null >"$d/start.log" 2>&1 ||
		die "postfix did not start: $(cat "$d/start.log")"
	wait_port "$PF_PORT" || die "postfix does not listen on $PF_PORT"
	PF_PID=$(tr -d ' ' <"$d/spool/pid/master.pid")
}

stop_postfix() {
	postfix -c "$PF_DIR" stop >/dev/null 2>&1 || true
	while kill -0 "$PF_PID" 2>/dev/null; do sleep 0.1; done
}

# ------------------------------------------------------------ balised

write_whitelist() {
	local f=$1 now
	now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	cat >"$f" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<ListeBlancheMSSante xmlns="https://listeblanche.mssante.fr/schema">
    <DateDeGeneration>$now</DateDeGeneration>
    <ListeDomaines>
        <Domaine>
            <Nom>$SENDER_DOMAIN</Nom>
            <Description>OPERATEUR EXPEDITEUR BENCH</Description>
            <DNCertificatOperateur>$(subject_dn "$WORK/pki/client.pem")</DNCertificatOperateur>
            <ResponsableContact>postmaster@$SENDER_DOMAIN</ResponsableContact>
            <SupportContact>postmaster@$SENDER_DOMAIN</SupportContact>
            <DateMAJ>$now</DateMAJ>
        </Domaine>
        <Domaine>
            <Nom>$DOMAIN</Nom>
            <Description>OPERATEUR DESTINATAIRE BENCH</Description>
            <DNCertificatOperateur>$(subject_dn "$WORK/pki/server.pem")</DNCertificatOperateur>
            <ResponsableContact>postmaster@$DOMAIN</ResponsableContact>
            <SupportContact>postmaster@$DOMAIN</SupportContact>
            <DateMAJ>$now</DateMAJ>
        </Domaine>
    </ListeDomaines>
</ListeBlancheMSSante>
EOF
}

setup_balised() {
	local d=$WORK/balise per_session
	[ -x "$BALISED" ] && [ -x "$BALISECTL" ] || die "no balised/balisectl in $BUILDDIR"
	BL_PORT=$(free_port)
	BL_IMAP=$(free_port)
	BL_CONF=$d/balise.conf
	mkdir -p "$d"
	write_whitelist "$d/whitelist.xml"
	cat >"$BL_CONF" <<EOF
# Written by bench/smtp_bench.sh.
[server]
hostname = mx.$DOMAIN
data_dir = $d/data
log_level = warn

[storage]
map_size = 256M
map_size_max = 16G

[listen]
smtp = 127.0.0.1:$BL_PORT
imap = 127.0.0.1:$BL_IMAP

[tls]
cert = $WORK/pki/server.pem
key = $WORK/pki/server.key
ca = $WORK/pki/ca.pem

[trust]
whitelist = $d/whitelist.xml

[auth]
argon2_t_cost = 1
argon2_m_cost = 64
EOF
	if [ -n "$SIEVE_RULES" ]; then
		sed -i 's/^log_level = warn$/log_level = info/' "$BL_CONF"
		sieve_script "$SIEVE_RULES" >"$d/bench.sieve"
	fi
	# Four commands a message; past [smtp] commands_max (10000) a session
	# is closed, so raise it when one session carries more.
	per_session=$(( (MESSAGES + SESSIONS - 1) / SESSIONS * 4 + 10 ))
	if [ "$per_session" -gt 10000 ]; then
		printf '\n[smtp]\ncommands_max = %d\n' "$per_session" >>"$BL_CONF"
	fi
}

# A Sieve script of $1 rules that the benchmark's messages never match
# (header, address, exists, size and :matches tests; every one is run).
sieve_script() {
	local n=$1 i
	echo 'require ["fileinto", "imap4flags"];'
	for ((i = 0; i < n; i++)); do
		case $((i % 5)) in
		0) echo "if header :contains \"subject\" \"projet-$i\" { fileinto \"Projets/$i\"; }" ;;
		1) echo "if address :is :domain \"from\" \"domaine$i.example\" { addflag \"\\\\Flagged\"; }" ;;
		2) echo "if allof (exists \"X-Priorite-$i\", header :is \"X-Priorite-$i\" \"haute\") { addflag \"urgent\"; }" ;;
		3) echo "if size :over $((i + 1))M { discard; }" ;;
		4) echo "if header :matches \"to\" \"*liste$i@*\" { fileinto \"Listes/$i\"; }" ;;
		esac
	done
	echo 'keep;'
}

start_balised() {
	local d=$WORK/balise i
	rm -rf "$d/data"
	"$BALISECTL" -c "$BL_CONF" domain add "$DOMAIN" >/dev/null
	for ((i = 0; i < RCPTS; i++)); do
		echo "pw-r$i" | "$BALISECTL" -c "$BL_CONF" bal create "$(rcpt $i)" --type PER \
			--holder-type 8 --holder "$HOLDER" --quota 10G --password-stdin >/dev/null
		if [ "${SIEVE_RULES:-0}" -gt 0 ]; then
			"$BALISECTL" -c "$BL_CONF" sieve put "$(rcpt $i)" bench "$d/bench.sieve" \
				--activate >/dev/null || die "sieve put refused the benchmark script"
		fi
	done
	"$BALISED" -c "$BL_CONF" </dev/null >>"$d/balised.log" 2>&1 &
	BL_PID=$!
	wait_port "$BL_PORT" || die "balised does not listen on SMTP port $BL_PORT" \
		"(is the SMTP server on this branch?): $(tail -5 "$d/balised.log")"
}

stop_balised() {
	kill "$BL_PID" 2>/dev/null || true
	wait "$BL_PID" 2>/dev/null || true
	BL_PID=""
}

# "share_percent sieve_us_per_msg apply_us_per_msg" from the last "sieve
# stats" line balised logged (at shutdown), or "- - -".
sieve_share() {
	{ grep 'sieve stats ' "$WORK/balise/balised.log" 2>/dev/null || true; } | tail -1 |
		sed 's/.*messages=\([0-9]*\) scripts=[0-9]* sieve_us=\([0-9]*\) apply_us=\([0-9]*\).*/\1 \2 \3/' |
		awk 'NF == 3 && $1 > 0 && $3 > 0 { printf "%.2f %.1f %.1f\n", 100 * $2 / $3, $2 / $1, $3 / $1; ok = 1 }
			END { if (!ok) print "- - -" }'
}

balised_count() {
	"$BALISECTL" -c "$BL_CONF" bal list --json |
		python3 -c 'import json, sys; print(sum(b["used_messages"] for b in json.load(sys.stdin)))'
}

# Reads every INBOX over IMAP (STARTTLS) and prints the X-Smtpload-Id of each message.
balised_ids() {
	python3 - "$BL_IMAP" "$WORK/pki/ca.pem" "$RCPTS" "$DOMAIN" <<'EOF'
import imaplib, re, ssl, sys
port, ca, n, domain = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
ctx = ssl.create_default_context(cafile=ca)
ctx.check_hostname = False
for i in range(n):
    c = imaplib.IMAP4("127.0.0.1", port, timeout=60)
    c.starttls(ssl_context=ctx)
    c.login("r%d@%s" % (i, domain), "pw-r%d" % i)
    typ, data = c.select("INBOX", readonly=True)
    if typ == "OK" and int(data[0]) > 0:
        typ, data = c.fetch("1:*", "(BODY.PEEK[HEADER.FIELDS (X-SMTPLOAD-ID)])")
        for d in data:
            if isinstance(d, tuple):
                m = re.search(rb"X-Smtpload-Id:\s*(\S+)", d[1], re.I)
                print(m.group(1).decode() if m else "(none)")
    c.logout()
EOF
}

# ------------------------------------------------------------ one run

# run_side SIDE N: sets RESULT to "side msgs_per_s cpu_s cpu_ms_per_msg
# smtp_msgs_per_s", or dies (not in a subshell: cleanup must see the PIDs).
run_side() {
	local side=$1 n=$2 port pids args runid out t0 t1 c0 c1 count last=0 since stored ids
	runid="r$n$side"
	# Each side starts on a settled disk: the other side's last run leaves
	# dirty pages and journal work behind (10,000 maildir files, Postfix's
	# queue files) that would otherwise be flushed during this run.
	sync
	sleep 2
	case $side in
	postfix) start_dovecot; start_postfix; port=$PF_PORT; pids=("$PF_PID" "$DV_PID") ;;
	balised) start_balised; port=$BL_PORT; pids=("$BL_PID") ;;
	esac
	# shellcheck disable=SC2207
	args=(-p "$port" -c "$WORK/pki/client.pem" -k "$WORK/pki/client.key"
		-a "$WORK/pki/ca.pem" -N "mx.$DOMAIN" -e "mx.$SENDER_DOMAIN" -f "$FROM"
		$(rcpt_args) -n "$SESSIONS" -m "$MESSAGES" -s "$SIZE" -i "$runid")
	[ "$PIPELINING" = 1 ] && args+=(-P)
	sleep 1 # let start-up work settle before the CPU sample
	c0=$(cpu_seconds "${pids[@]}")
	t0=$(now)
	out=$("$LOAD" "${args[@]}" 2>"$WORK/smtpload-$runid.err") ||
		{ cat "$WORK/smtpload-$runid.err" >&2; die "$side run $n: smtpload: $out"; }
	say "$side run $n: smtpload: $out"
	# Stored: poll the store until every message is there. The time taken is
	# the start of the poll that finds them all: the count it reads is the
	# state at that instant or a few milliseconds later (find walking the
	# maildirs; balisectl starting before it opens its read transaction).
	since=$(now)
	while :; do
		t1=$(now)
		case $side in
		postfix) count=$(dovecot_count) ;;
		balised) count=$(balised_count) ;;
		esac
		[ "$count" -ge "$MESSAGES" ] && break
		if [ "$count" -gt "$last" ]; then
			last=$count since=$t1
		elif awk -v a="$t1" -v b="$since" -v s="$STALL" 'BEGIN { exit !(a - b > s) }'; then
			die "$side run $n: only $count of $MESSAGES messages stored after ${STALL}s without progress"
		fi
		sleep 0.1
	done
	c1=$(cpu_seconds "${pids[@]}")
	# Nothing lost, nothing twice: each id of the run exactly once.
	ids=$(case $side in postfix) dovecot_ids ;; balised) balised_ids ;; esac | sort)
	stored=$(uniq <<<"$ids" | grep -c "^$runid-" || true)
	[ "$count" -eq "$MESSAGES" ] && [ "$stored" -eq "$MESSAGES" ] &&
		[ "$(wc -l <<<"$ids")" -eq "$MESSAGES" ] ||
		die "$side run $n: $count stored, $stored distinct ids of $MESSAGES"
	local share="- - -"
	case $side in
	postfix) stop_postfix; stop_dovecot ;;
	balised) stop_balised; share=$(sieve_share) ;;
	esac
	RESULT=$(awk -v n="$MESSAGES" -v t0="$t0" -v t1="$t1" -v c0="$c0" -v c1="$c1" -v side="$side" \
		-v smtp="$(sed -n 's/.*msgs_per_s=\([0-9.]*\).*/\1/p' <<<"$out")" -v share="$share" \
		'BEGIN { printf "%s %.1f %.3f %.3f %s %s\n", side, n / (t1 - t0), c1 - c0, (c1 - c0) * 1000 / n, smtp, share }')
}

# ------------------------------------------------------------ main

[ "$(id -u)" = 0 ] || [ "$SIDES" = balised ] ||
	die "run as root (Postfix's master needs it), or SIDES=balised"
say "work directory $WORK; $MESSAGES messages of $SIZE bytes, $SESSIONS sessions, $RCPTS recipients, $RUNS runs"
say "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
make_pki
for side in $SIDES; do
	case $side in
	postfix) setup_dovecot; setup_postfix ;;
	balised) setup_balised ;;
	*) die "unknown side $side" ;;
	esac
done

results=()
for n in $(seq "$RUNS"); do
	for side in $SIDES; do
		run_side "$side" "$n"
		say "$side run $n: stored msgs/s, CPU s, CPU ms/msg, msgs/s until last 250: ${RESULT#* }"
		results+=("$RESULT")
	done
done
say "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

col() { printf '%s\n' "${results[@]}" | awk -v s="$1" -v c="$2" '$1 == s { print $c }' | median; }
echo "| stack | messages | size | sessions | runs | msgs/s until stored | msgs/s until last 250 | CPU s | CPU ms/msg |"
echo "|---|---|---|---|---|---|---|---|---|"
for side in $SIDES; do
	name=$side
	[ "$side" = postfix ] && name="Postfix → Dovecot (LMTP)"
	echo "| $name | $MESSAGES | $SIZE B | $SESSIONS | $RUNS | $(col "$side" 2) | $(col "$side" 5) | $(col "$side" 3) | $(col "$side" 4) |"
done
if [ -n "$SIEVE_RULES" ] && [[ $SIDES == *balised* ]]; then
	echo
	echo "| Sieve rules per BAL | Sieve step µs/msg | delivery apply µs/msg | Sieve share of the apply | wall ms per stored message (1 / msgs/s) |"
	echo "|---|---|---|---|---|"
	awk -v r="$SIEVE_RULES" -v s="$(col balised 7)" -v a="$(col balised 8)" -v p="$(col balised 6)" \
		-v m="$(col balised 2)" 'BEGIN { printf "| %d | %s | %s | %s %% | %.3f |\n", r, s, a, p, 1000 / m }'
fi
if [[ $SIDES == *postfix* && $SIDES == *balised* ]]; then
	awk -v b="$(col balised 2)" -v p="$(col postfix 2)" -v bc="$(col balised 4)" -v pc="$(col postfix 4)" \
		'BEGIN { printf "\nbalised / Postfix→Dovecot: %.1f× the messages/s, %.2f× the CPU per message (medians)\n", b / p, bc / pc }'
fi
