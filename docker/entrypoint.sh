#!/bin/bash
# SPDX-License-Identifier: ISC
# Entry point of the balise image. With an empty /etc/balise it first makes
# a lab set-up: a lab CA (or the shared one under BALISE_LAB_CA), this
# operator's certificate, a trust-space whitelist, balise.conf and the mail
# domain, and prints what it did and how to add a BAL. Then it runs the
# command: `balised` (the default) runs the server on that configuration;
# `init` only makes the set-up; anything else is run as is (e.g. bash).
#
# Environment (read only by the first start, see docker/README.md):
#   BALISE_DOMAIN    mail domain served            (default balise.test)
#   BALISE_HOSTNAME  host name, certificate CN     (default mx.$BALISE_DOMAIN)
#   BALISE_PEERS     other operators of the lab: "domain=host:port,..."; each
#                    becomes a static route and a whitelist entry
#   BALISE_LAB_CA    directory of a lab CA shared by several containers
#                    (made there by whichever container comes first)
#   BALISE_LISTEN    address the services listen on (default 0.0.0.0)
#   BALISE_SMTP_PORT, BALISE_SUBMISSION_PORT, BALISE_SUBMISSIONS_PORT,
#   BALISE_IMAP_PORT, BALISE_IMAPS_PORT, BALISE_HTTP_PORT   the ports
#   BALISE_CONF      configuration file (default /etc/balise/balise.conf;
#                    balisectl reads the same variable)
set -euo pipefail

CONF=${BALISE_CONF:-/etc/balise/balise.conf}
ETC=$(dirname "$CONF")
DATA=/var/lib/balise
RUN_USER=balise
DOMAIN=${BALISE_DOMAIN:-balise.test}
HOST=${BALISE_HOSTNAME:-mx.$DOMAIN}
PEERS=${BALISE_PEERS:-}
LISTEN=${BALISE_LISTEN:-0.0.0.0}
LAB_CA=${BALISE_LAB_CA:-}
# Subject of a lab operator certificate; the whitelist names peers by it.
LAB_O="Balise Lab"

say() { printf 'balise-entrypoint: %s\n' "$*"; }
die() { printf 'balise-entrypoint: error: %s\n' "$*" >&2; exit 1; }

# The RFC 2253 subject of the lab certificate of HOST serving DOMAIN, as
# `openssl x509 -subject -nameopt RFC2253` prints it (the whitelist's form).
lab_dn() { printf 'CN=%s,OU=%s,O=%s,C=FR' "$2" "$1" "$LAB_O"; }
lab_subj() { printf '/C=FR/O=%s/OU=%s/CN=%s' "$LAB_O" "$1" "$2"; }

check_name() {
	[[ $2 =~ ^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$ ]] ||
		die "$1: \"$2\" is not a DNS name"
}

check_port() {
	[[ $2 =~ ^[0-9]{1,5}$ && $2 -ge 1 && $2 -le 65535 ]] || die "$1: \"$2\" is not a port"
}

# ---------------------------------------------------------------- lab CA

make_ca() {
	local dir=$1
	openssl req -x509 -new -sha256 -days 3650 -newkey rsa:3072 -nodes \
		-keyout "$dir/ca.key.new" -out "$dir/ca.pem.new" \
		-subj "/C=FR/O=$LAB_O/OU=Lab trust space/CN=Balise Lab CA" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
	chmod 600 "$dir/ca.key.new"
	mv "$dir/ca.key.new" "$dir/ca.key"
	mv "$dir/ca.pem.new" "$dir/ca.pem"
	say "lab CA made: $dir/ca.pem"
}

# The CA in DIR, made once: containers sharing DIR take turns (mkdir is the
# lock); a lock older than two minutes was left by a container that died.
ensure_ca() {
	local dir=$1 i
	mkdir -p "$dir"
	for ((i = 0; i < 600; i++)); do
		[[ -s $dir/ca.pem && -s $dir/ca.key ]] && return 0
		if mkdir "$dir/.lock" 2>/dev/null; then
			[[ -s $dir/ca.pem && -s $dir/ca.key ]] || make_ca "$dir"
			rmdir "$dir/.lock"
			return 0
		fi
		if [[ -n $(find "$dir/.lock" -maxdepth 0 -mmin +2 2>/dev/null) ]]; then
			rmdir "$dir/.lock" 2>/dev/null || true
		fi
		sleep 0.2
	done
	die "no CA appeared in $dir (a stale $dir/.lock?)"
}

make_cert() {
	local ca=$1 tls=$2 ext
	ext=$(mktemp)
	cat >"$ext" <<EOF
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:$HOST, DNS:localhost, IP:127.0.0.1
EOF
	openssl req -new -newkey rsa:2048 -nodes -keyout "$tls/server.key" \
		-out "$tls/server.csr" -subj "$(lab_subj "$DOMAIN" "$HOST")" 2>/dev/null
	chmod 600 "$tls/server.key"
	openssl x509 -req -in "$tls/server.csr" -CA "$ca/ca.pem" -CAkey "$ca/ca.key" \
		-set_serial "0x$(openssl rand -hex 16)" -days 825 -sha256 -extfile "$ext" \
		-out "$tls/server.pem" 2>/dev/null
	rm -f "$tls/server.csr" "$ext"
	openssl verify -CAfile "$ca/ca.pem" -purpose sslserver "$tls/server.pem" >/dev/null
}

# ---------------------------------------------------------------- files

# peer_list: "domain host port" lines from BALISE_PEERS.
peer_list() {
	local item domain rest host port
	local -a items
	IFS=', ' read -r -a items <<<"$PEERS"
	for item in "${items[@]}"; do
		[[ -n $item ]] || continue
		[[ $item == *=*:* ]] || die "BALISE_PEERS: \"$item\" is not domain=host:port"
		domain=${item%%=*}
		rest=${item#*=}
		host=${rest%:*}
		port=${rest##*:}
		check_name "BALISE_PEERS domain" "$domain"
		check_name "BALISE_PEERS host" "$host"
		check_port "BALISE_PEERS port" "$port"
		printf '%s %s %s\n' "$domain" "$host" "$port"
	done
}

whitelist_entry() {
	cat <<EOF
    <Domaine>
      <Nom>$1</Nom>
      <Description>$1 (balise lab)</Description>
      <DNCertificatOperateur>$2</DNCertificatOperateur>
      <ResponsableContact>postmaster@$1</ResponsableContact>
      <SupportContact>postmaster@$1</SupportContact>
      <DateMAJ>$3</DateMAJ>
    </Domaine>
EOF
}

write_whitelist() {
	local now domain host port
	now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	{
		printf '<?xml version="1.0" encoding="UTF-8"?>\n'
		printf '<ListeBlancheMSSante xmlns="https://listeblanche.mssante.fr/schema">\n'
		printf '  <DateDeGeneration>%s</DateDeGeneration>\n  <ListeDomaines>\n' "$now"
		whitelist_entry "$DOMAIN" "$(subject_dn "$ETC/tls/server.pem")" "$now"
		while read -r domain host port; do
			whitelist_entry "$domain" "$(lab_dn "$domain" "$host")" "$now"
		done < <(peer_list)
		printf '  </ListeDomaines>\n</ListeBlancheMSSante>\n'
	} >"$1"
}

subject_dn() {
	openssl x509 -in "$1" -noout -subject -nameopt RFC2253 | sed 's/^subject=//'
}

routes() {
	local domain host port out=
	while read -r domain host port; do
		out+="${out:+, }$domain=$host:$port"
	done < <(peer_list)
	printf '%s' "$out"
}

write_conf() {
	cat >"$1" <<EOF
# balise.conf written by the image's entry point at first start
# ($(date -u +%Y-%m-%dT%H:%M:%SZ)). Every key: docs/configuration.md.
# Relative paths are taken from this file's directory.

# user: balised switches to it when started as root (docker run --user 0,
# to bind ports below 1024); started as balise, the image's default, it is
# ignored.
[server]
hostname = $HOST
user = $RUN_USER
data_dir = $DATA/data
log_level = info

[storage]
map_size = 64M
map_size_max = 16G

# Unprivileged ports inside the container: publish them as 25, 587, 465,
# 143 and 993 on the host (docker run -p 25:2525 ...).
[listen]
smtp = $LISTEN:${BALISE_SMTP_PORT:-2525}
submission = $LISTEN:${BALISE_SUBMISSION_PORT:-2587}
submissions = $LISTEN:${BALISE_SUBMISSIONS_PORT:-2465}
imap = $LISTEN:${BALISE_IMAP_PORT:-2143}
imaps = $LISTEN:${BALISE_IMAPS_PORT:-2993}
# /health (the image's HEALTHCHECK: balisectl health), /metrics and
# mail client autoconfiguration; loopback only (docs/monitoring.md).
http = 127.0.0.1:${BALISE_HTTP_PORT:-8080}
# This operator's certificate and the lab CA (standing in for IGC Sante):
# peers must present a certificate it signed.
[tls]
cert = tls/server.pem
key = tls/server.key
ca = $CA_DIR/ca.pem

# Domains of the trust space and the certificate subject of each operator.
[trust]
whitelist = whitelist.xml

# Static routes to the other operators of the lab (BALISE_PEERS).
[queue]
routes = $(routes)
EOF
}

# ---------------------------------------------------------------- first start

hint() {
	cat <<EOF
balise-entrypoint: ready to run. To add a BAL (mailbox) and read its mail:
  docker exec -i CONTAINER balisectl bal create alice@$DOMAIN --type PER \\
      --holder-type 8 --holder 810001234565 --password-stdin <<<'a long password'
  docker exec CONTAINER balisectl bal list
  (balisectl reads $CONF; the lab CA for your mail client: $CA_DIR/ca.pem)
Submission: port ${BALISE_SUBMISSION_PORT:-2587} (STARTTLS) or ${BALISE_SUBMISSIONS_PORT:-2465}; IMAP: ${BALISE_IMAP_PORT:-2143} or ${BALISE_IMAPS_PORT:-2993} (TLS).
EOF
}

first_start() {
	local tmp
	check_name BALISE_DOMAIN "$DOMAIN"
	check_name BALISE_HOSTNAME "$HOST"
	peer_list >/dev/null
	say "first start: no $CONF, making a lab set-up for $DOMAIN ($HOST)"
	umask 077
	CA_DIR=${LAB_CA:-$ETC/ca}
	ensure_ca "$CA_DIR"
	mkdir -p "$ETC/tls"
	make_cert "$CA_DIR" "$ETC/tls"
	say "certificate: $ETC/tls/server.pem, subject $(subject_dn "$ETC/tls/server.pem")"
	write_whitelist "$ETC/whitelist.xml"
	say "whitelist: $ETC/whitelist.xml ($DOMAIN${PEERS:+ and the peers $PEERS})"
	# balise.conf comes last: until it is in place, a restart starts over
	# (the CA and the domain, once made, are kept).
	tmp=$CONF.new
	write_conf "$tmp"
	balisectl -c "$tmp" config check >/dev/null
	mkdir -p "$DATA"
	if balisectl -c "$tmp" domain list | awk 'NR > 1 { print $1 }' | grep -qxF "$DOMAIN"; then
		say "domain $DOMAIN already in $DATA/data"
	else
		balisectl -c "$tmp" domain add "$DOMAIN" >/dev/null
		say "domain $DOMAIN created in $DATA/data"
	fi
	mv "$tmp" "$CONF"
	say "configuration: $CONF"
	hint
}

# As root (docker run --user 0): the volumes are handed to balise, the set-up
# is made as balise, and balised drops to balise itself after binding.
as_root_prepare() {
	local d
	for d in "$ETC" "$DATA" ${LAB_CA:+"$LAB_CA"}; do
		mkdir -p "$d"
		chown "$RUN_USER:$RUN_USER" "$d"
	done
	if [[ ! -f $CONF ]]; then
		setpriv --reuid="$RUN_USER" --regid="$RUN_USER" --init-groups -- "$0" init
	fi
}

main() {
	local cmd=${1:-balised}
	if [[ $(id -u) -eq 0 && ($cmd == balised || $cmd == init) ]]; then
		as_root_prepare
		[[ $cmd == init ]] && exit 0
	elif [[ $cmd == balised || $cmd == init ]]; then
		if [[ ! -f $CONF ]]; then
			first_start
		else
			say "using $CONF"
		fi
		[[ $cmd == init ]] && exit 0
	fi
	if [[ $cmd == balised ]]; then
		shift || true
		exec balised -c "$CONF" "$@"
	fi
	exec "$@"
}

main "$@"
