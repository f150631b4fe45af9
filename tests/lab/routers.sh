#!/usr/bin/env bash
# The lab's routers: real FRR 8.4 routers and an ExaBGP speaker, each in its own
# network namespace, joined by a Linux bridge. Nothing leaves the machine.
#
#   bash tests/lab/routers.sh up      start, wait until every BGP session is Established
#                                     (a no-op when the lab is already healthy: it does
#                                     not reset the config; a half-dead lab is rebuilt)
#   bash tests/lab/routers.sh reset   r1/r2 restarted from their base config (anything
#                                     pushed is gone), every ExaBGP route (exa's and
#                                     cust's) withdrawn, StayRTR's VRP file back to
#                                     tests/lab/routers/vrps.json; ~2 s
#   bash tests/lab/routers.sh down    stop everything, delete the namespaces
#   bash tests/lab/routers.sh status  print the BGP session states (exit 1 unless all up)
# Tests drive it through lab_api.py (vtysh, exabgp, received_prefixes, reset, ...).
#
# Topology (namespace rslab-<node>, interface eth0, all on one segment):
#   r1       198.18.0.1   fdff:5e5::1    AS 64500  border router (ours)
#   r2       198.18.0.2   fdff:5e5::2    AS 64500  border router (ours)
#   transit  198.18.0.10  fdff:5e5::10   AS 64496  upstream, accepts everything
#   exa      198.18.0.100 fdff:5e5::100  AS 65000  ExaBGP, announces on command
#   cust     198.18.0.101 fdff:5e5::101  AS 65000  ExaBGP, the customer AS65000 of r2
#   bird     198.18.0.102 fdff:5e5::102  AS 65000  BIRD 2, a customer router of AS65000 at r2 (IPv4)
#   rpki     198.18.0.20  fdff:5e5::20             StayRTR, the lab's RPKI cache (RTR)
#   rslab-sw holds the bridge br0 and the other ends of the veths.
# r1/r2 peer with exa and transit, r2 also with cust and bird; IPv4 sessions for IPv4
# unicast and IPv6 sessions for IPv6 unicast. Base configs are in
# tests/lab/routers/. Each ExaBGP speaker reads API commands from its own FIFO:
# $STATE/exabgp.cmd (exa) and $STATE/exabgp-cust.cmd (cust).
#
# RPKI: StayRTR in rslab-rpki serves RTR (plain TCP, RTR protocol version 1)
# on 198.18.0.20:3323 to whoever configures it as a cache. Its VRPs are the
# lab-only ones of tests/lab/routers/vrps.json (validator JSON, documentation
# prefixes only), copied to $STATE/rpki/vrps.json, which StayRTR re-reads every
# $RTR_REFRESH seconds. bgpd of r1 and r2 runs with the rpki module (-M rpki);
# their base configs have no rpki cache, so RPKI stays unused until a test
# pushes one (see tests/integration/test_rpki_lab.py); reset removes it again.
# Likewise with the BMP module (-M bmp): no "bmp targets" until a test pushes
# some (tests/integration/test_monitor_live.py). "up" leaves running routers
# as they are; "reset" restarts r1/r2, with these modules.
#
# Management: sshd on 127.0.10.1:2222 (r1), 127.0.10.2:2222 (r2) and
# 127.0.10.10:2222 (transit), user routesec / password routesec-lab; the login
# runs vtysh for that router (netmiko device_type "cisco_ios" works). Their host
# keys are published in $STATE/known_hosts (as [address]:2222, written from the
# keys themselves, not scanned) on every up, for the clients to check.
#
# Where the configuration lives: FRR daemons are started with -N <node> (own
# path namespace), --vty_socket $STATE/<node>/run and -f $STATE/<node>/etc/<daemon>.conf.
# vtysh is always run with --config_dir $STATE/<node>/etc, whose vtysh.conf says
# "no service integrated-vtysh-config": "write memory" then makes each daemon
# save its own file, i.e. $STATE/<node>/etc/zebra.conf and bgpd.conf (that
# directory is owned by the frr user, which the daemons run as). Without
# these options FRR would use /etc/frr/<node>/ (-N) or, for a plain vtysh,
# the system's integrated /etc/frr/frr.conf; the lab touches neither.
#
# FRR 8.4 behaviour the tests rely on (measured): a route-map entry matching
# a prefix-list that does not exist does not match, so RS-OWN-OUT-V4/V6 deny
# everything until ROUTESEC-OWN-V4/V6 are pushed; likewise r2's inbound
# RS-CUST-IN-V4/V6 accept nothing from cust until ROUTESEC-AS65000-IN-V4/V6
# are pushed (r2 keeps what cust sent, "soft-reconfiguration inbound", so the
# lists also apply to routes cust announced before). When a prefix-list changes,
# bgpd re-applies the outbound route-maps by itself after
# "bgp route-map delay-timer", 1 s in the base configs of r1 and r2 (FRR's default: 5 s); "clear bgp ... soft out" does it
# at once (~0.4 s until transit has the route).
#
# Paths: STATE=${ROUTESEC_LAB_STATE:-/run/routesec-lab} (sockets, pids, live
# configs, logs in $STATE/log), CACHE=${ROUTESEC_CACHE:-/var/cache/routesec}
# (sshd host keys, in $CACHE/lab-ssh).
set -euo pipefail
# The daemons started here must not hold the caller's open files (a lock a test runner took, say).
for fd in /proc/$$/fd/*; do
    fd=${fd##*/}
    ((fd > 2 && fd != 255)) && { eval "exec $fd>&-" 2>/dev/null || true; }
done
umask 022 # the routesec user and frr must traverse what we create

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
BASE_CONFIGS=$HERE/routers
LAB_API=$HERE/lab_api.py

STATE=${ROUTESEC_LAB_STATE:-/run/routesec-lab}
CACHE=${ROUTESEC_CACHE:-/var/cache/routesec}
LOG=$STATE/log
export ROUTESEC_LAB_STATE=$STATE   # for lab_api.py

FRR=/usr/lib/frr
VTYSH=/usr/bin/vtysh
EXABGP=/usr/sbin/exabgp
SSHD=/usr/sbin/sshd
STAYRTR=/usr/bin/stayrtr
BIRD=/usr/sbin/bird
BIRDC=/usr/sbin/birdc

UP_TIMEOUT=${ROUTESEC_LAB_UP_TIMEOUT:-60}

SWITCH_NS=rslab-sw
BRIDGE=br0
FRR_NODES=(r1 r2 transit)
BORDER_NODES=(r1 r2)
EXA_NODES=(exa cust) # ExaBGP speakers, AS 65000
RPKI_NODE=rpki # StayRTR
BIRD_NODE=bird # BIRD 2
ALL_NODES=("${FRR_NODES[@]}" "${EXA_NODES[@]}" "$RPKI_NODE" "$BIRD_NODE")
declare -A HOST_ID=([r1]=1 [r2]=2 [transit]=10 [exa]=100 [cust]=101 [rpki]=20 [bird]=102)
# The routers each ExaBGP speaker has an IPv4 and an IPv6 session with.
declare -A EXA_PEERS=([exa]="r1 r2" [cust]="r2")
declare -A MGMT_ADDR=([r1]=127.0.10.1 [r2]=127.0.10.2 [transit]=127.0.10.10)
SSH_PORT=2222
SSH_USER=routesec
SSH_PASSWORD=routesec-lab
RTR_PORT=3323
RTR_REFRESH=5 # seconds between StayRTR's reads of its VRP file

log() { printf 'routers.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
ns() { echo "rslab-$1"; }

# ---------------------------------------------------------------- packages --

ensure_packages() {
    local missing=()
    [[ -x $FRR/zebra && -x $FRR/bgpd && -x $VTYSH ]] || missing+=(frr)
    [[ -x $EXABGP ]] || missing+=(exabgp)
    compgen -G "/usr/lib/*/frr/modules/bgpd_rpki.so" >/dev/null || missing+=(frr-rpki-rtrlib)
    [[ -x $STAYRTR ]] || missing+=(stayrtr)
    [[ -x $BIRD && -x $BIRDC ]] || missing+=(bird2)
    [[ -x $SSHD ]] && command -v ssh-keygen >/dev/null || missing+=(openssh-server)
    command -v ip >/dev/null && command -v ss >/dev/null || missing+=(iproute2)
    command -v ps >/dev/null || missing+=(procps)
    command -v python3 >/dev/null || missing+=(python3)
    ((${#missing[@]})) || return 0
    log "installing ${missing[*]}"
    bash "$REPO/scripts/ensure-packages.sh" "${missing[@]}" || die "apt-get install ${missing[*]} failed"
}

ensure_user() {
    # The SSH login user; frrvty lets its vtysh open the daemons' vty sockets.
    local home=/var/lib/$SSH_USER
    if ! getent passwd "$SSH_USER" >/dev/null; then
        useradd --system --home-dir "$home" --shell /bin/sh "$SSH_USER"
    fi
    [[ $(getent passwd "$SSH_USER" | cut -d: -f7) == /bin/sh ]] ||
        usermod --shell /bin/sh "$SSH_USER"
    if [[ ! -d $(getent passwd "$SSH_USER" | cut -d: -f6) ]]; then
        usermod --home "$home" "$SSH_USER" # else sshd says "Could not chdir"
        install -d -o "$SSH_USER" -m 0755 "$home"
    fi
    [[ " $(id -nG "$SSH_USER") " == *" frrvty "* ]] || usermod -aG frrvty "$SSH_USER"
    echo "$SSH_USER:$SSH_PASSWORD" | chpasswd
}

# --------------------------------------------------------------- processes --

# cmdline PID: the command line of PID, space-separated ("" if gone or zombie).
cmdline() { tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline" || true; }

# pid_alive PIDFILE WORD: the pid in PIDFILE runs and its command line has WORD.
pid_alive() {
    local pid
    [[ -r $1 ]] || return 1
    pid=$(tr -dc 0-9 <"$1")
    [[ -n $pid && $(cmdline "$pid") == *"$2"* ]]
}

# kill_pids PID...: SIGTERM, up to 5 s grace, then SIGKILL.
kill_pids() {
    local pid left i
    (($#)) || return 0
    kill -TERM "$@" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        left=()
        for pid in "$@"; do
            # gone, or a zombie waiting for its parent: done
            [[ -n $(cmdline "$pid") ]] && left+=("$pid")
        done
        ((${#left[@]})) || return 0
        sleep 0.1
    done
    log "killing ${left[*]} after 5 s"
    kill -KILL "${left[@]}" 2>/dev/null || true
}

# descendants PID: every process below PID, children before grandchildren.
descendants() {
    local child
    for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do
        echo "$child"
        descendants "$child"
    done
}

# stop_pidfile PIDFILE WORD: stop that process (and its children), if it is ours.
stop_pidfile() {
    local pid
    if pid_alive "$1" "$2"; then
        pid=$(tr -dc 0-9 <"$1")
        # shellcheck disable=SC2046
        kill_pids "$pid" $(descendants "$pid")
    fi
    rm -f "$1"
}

# ----------------------------------------------------------------- network --

ns_exists() { [[ -e /run/netns/$1 ]]; }

net_up() {
    local node n id
    ip netns add "$SWITCH_NS"
    ip -n "$SWITCH_NS" link set lo up
    ip netns exec "$SWITCH_NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
        net.ipv6.conf.default.disable_ipv6=1
    ip -n "$SWITCH_NS" link add "$BRIDGE" type bridge stp_state 0 forward_delay 0 mcast_snooping 0
    ip -n "$SWITCH_NS" link set "$BRIDGE" up
    for node in "${ALL_NODES[@]}"; do
        n=$(ns "$node")
        id=${HOST_ID[$node]}
        ip netns add "$n"
        ip -n "$n" link set lo up
        # No duplicate address detection: addresses are usable at once.
        ip netns exec "$n" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
            net.ipv6.conf.default.accept_dad=0
        ip -n "$SWITCH_NS" link add "$node" type veth peer name eth0 netns "$n"
        ip -n "$SWITCH_NS" link set "$node" master "$BRIDGE" up
        ip -n "$n" addr add "198.18.0.$id/24" dev eth0
        ip -n "$n" addr add "fdff:5e5::$id/64" dev eth0 nodad
        ip -n "$n" link set eth0 up
    done
}

net_down() {
    local n
    for n in "${ALL_NODES[@]/#/rslab-}" "$SWITCH_NS"; do
        if ns_exists "$n"; then
            # Whatever still runs in a lab namespace was started by this script.
            # shellcheck disable=SC2046
            kill_pids $(ip netns pids "$n")
            ip netns del "$n"
        fi
    done
}

# --------------------------------------------------------------------- FRR --

# frr_install_config NODE: (re)place the live config with the base config.
frr_install_config() {
    local node=$1 d
    d=$STATE/$node
    install -d -o frr -g frrvty -m 0775 "$d/run" "$d/etc"
    install -o frr -g frr -m 0640 "$BASE_CONFIGS/$node/zebra.conf" "$d/etc/zebra.conf"
    install -o frr -g frr -m 0640 "$BASE_CONFIGS/$node/bgpd.conf" "$d/etc/bgpd.conf"
    # staticd (blackhole routes for the prefixes a router originates) starts with none.
    printf '%s\n' "hostname $node" >"$d/etc/staticd.conf"
    chown frr:frr "$d/etc/staticd.conf" && chmod 0640 "$d/etc/staticd.conf"
    rm -f "$d/etc/"*.sav "$d/etc/frr.conf"
    # vtysh's own settings: its prompt ("r1#") and per-daemon "write memory".
    printf '%s\n' "hostname $node" 'no service integrated-vtysh-config' >"$d/etc/vtysh.conf"
    chmod 0644 "$d/etc/vtysh.conf"
}

frr_start() {
    local node=$1 run etc daemon modules
    run=$STATE/$node/run
    etc=$STATE/$node/etc
    for daemon in zebra staticd bgpd; do
        modules=()
        # The border routers' bgpd can validate origins against StayRTR and report
        # to a BMP station (both unused until a test configures them).
        [[ $daemon == bgpd && " ${BORDER_NODES[*]} " == *" $node "* ]] && modules=(-M rpki -M bmp)
        # -P 0: no TCP vty, only the unix socket in $run. -z puts zebra's
        # API socket there too (FRR notes on stderr that -z overrides -N).
        ip netns exec "$(ns "$node")" "$FRR/$daemon" -d -N "$node" "${modules[@]}" \
            --vty_socket "$run" -z "$run/zserv.api" -i "$run/$daemon.pid" \
            -f "$etc/$daemon.conf" -P 0 --log "file:$LOG/$node-$daemon.log" \
            --log-level informational 2>>"$LOG/$node-$daemon.out" || {
            cat "$LOG/$node-$daemon.out" >&2
            die "$daemon of $node did not start, see $LOG/$node-$daemon.log"
        }
    done
}

frr_running() {
    pid_alive "$STATE/$1/run/zebra.pid" "$FRR/zebra" &&
        pid_alive "$STATE/$1/run/staticd.pid" "$FRR/staticd" &&
        pid_alive "$STATE/$1/run/bgpd.pid" "$FRR/bgpd"
}

frr_stop() {
    stop_pidfile "$STATE/$1/run/bgpd.pid" "$FRR/bgpd"
    stop_pidfile "$STATE/$1/run/staticd.pid" "$FRR/staticd"
    stop_pidfile "$STATE/$1/run/zebra.pid" "$FRR/zebra"
    rm -f "$STATE/$1/run/"*.vty "$STATE/$1/run/zserv.api"
    # The daemons create this (-N) even though nothing goes there.
    rmdir "/var/run/frr/$1" 2>/dev/null || true
}

# ------------------------------------------------------------------ ExaBGP --

# exa_name SPEAKER: the stem of its FIFO and log files ("exabgp", "exabgp-cust").
exa_name() { if [[ $1 == exa ]]; then echo exabgp; else echo "exabgp-$1"; fi; }

# exa_fifo SPEAKER: the FIFO that feeds the speaker's API.
exa_fifo() { echo "$STATE/$(exa_name "$1").cmd"; }

# exa_config SPEAKER: its exabgp.conf: the template plus one neighbor block
# per session (an IPv4 and an IPv6 one with each router in EXA_PEERS).
exa_config() {
    local speaker=$1 name id peer afi here there
    name=$(exa_name "$speaker")
    id=${HOST_ID[$speaker]}
    sed -e "s|@API_HELPER@|/usr/bin/python3 $BASE_CONFIGS/exabgp_fifo.py|" \
        -e "s|@FIFO@|$(exa_fifo "$speaker") $LOG/$name-api.log|" \
        -e "s|@ROUTER_ID@|198.18.0.$id|" \
        "$BASE_CONFIGS/exabgp.conf.in"
    for afi in ipv4 ipv6; do
        for peer in ${EXA_PEERS[$speaker]}; do
            if [[ $afi == ipv4 ]]; then
                here=198.18.0.$id there=198.18.0.${HOST_ID[$peer]}
            else
                here=fdff:5e5::$id there=fdff:5e5::${HOST_ID[$peer]}
            fi
            printf '\nneighbor %s {\n\tinherit border;\n\tdescription "%s (%s)";\n' \
                "$there" "$peer" "${afi/ip/IP}"
            printf '\tlocal-address %s;\n\tfamily {\n\t\t%s unicast;\n\t}\n}\n' "$here" "$afi"
        done
    done
}

exa_start() {
    local speaker=$1 d fifo name id i
    d=$STATE/$speaker
    fifo=$(exa_fifo "$speaker")
    name=$(exa_name "$speaker")
    id=${HOST_ID[$speaker]}
    install -d -m 0755 "$d"
    [[ -p $fifo ]] || { rm -f "$fifo"; mkfifo -m 0660 "$fifo"; }
    exa_config "$speaker" >"$d/exabgp.conf"
    # Settings as environment (they override /etc/exabgp/exabgp.env): stay
    # root, no CLI pipes, no acks (the helper discards them anyway), and
    # listen on our addresses so that a restarted FRR reconnects at once.
    ip netns exec "$(ns "$speaker")" env \
        exabgp.daemon.user=root exabgp.daemon.drop=false \
        exabgp.daemon.daemonize=false exabgp.daemon.pid="$d/exabgp.pid" \
        exabgp.api.cli=false exabgp.api.ack=false \
        exabgp.log.destination="$LOG/$name.log" exabgp.log.level=INFO \
        exabgp.tcp.bind="198.18.0.$id fdff:5e5::$id" \
        setsid "$EXABGP" "$d/exabgp.conf" </dev/null >>"$LOG/$name.out" 2>&1 &
    for ((i = 0; i < 100; i++)); do
        exa_running "$speaker" && return 0
        sleep 0.1
    done
    die "ExaBGP $speaker did not start, see $LOG/$name.out and $LOG/$name.log"
}

exa_running() { pid_alive "$STATE/$1/exabgp.pid" exabgp; }

exa_stop() { stop_pidfile "$STATE/$1/exabgp.pid" exabgp; }

# ----------------------------------------------------------------- StayRTR --

rtr_start() {
    local d=$STATE/$RPKI_NODE addr i pid=
    addr=198.18.0.${HOST_ID[$RPKI_NODE]}
    install -d -m 0755 "$d"
    install -m 0644 "$BASE_CONFIGS/vrps.json" "$d/vrps.json"
    # -checktime=false: the lab's file has no "metadata" build time to check.
    ip netns exec "$(ns "$RPKI_NODE")" setsid "$STAYRTR" -bind "$addr:$RTR_PORT" \
        -metrics.addr "$addr:9847" -cache "$d/vrps.json" -checktime=false \
        -refresh "$RTR_REFRESH" -protocol 1 -log.verbose=false \
        </dev/null >>"$LOG/stayrtr.log" 2>&1 &
    # setsid forks when the caller runs jobs in their own process groups (job control on),
    # so $! is not always StayRTR's PID: find it by its command line.
    for ((i = 0; i < 100; i++)); do
        pid=$(pgrep -n -f -- "^$STAYRTR -bind $addr:$RTR_PORT ") && break
        sleep 0.1
    done
    [[ -n ${pid:-} ]] || die "StayRTR did not start, see $LOG/stayrtr.log"
    echo "$pid" >"$d/stayrtr.pid"
    for ((i = 0; i < 100; i++)); do
        ip netns exec "$(ns "$RPKI_NODE")" ss -Hltn "src $addr and sport = :$RTR_PORT" |
            grep -q . && return 0
        rtr_running || break
        sleep 0.1
    done
    cat "$LOG/stayrtr.log" >&2
    die "StayRTR did not start, see $LOG/stayrtr.log"
}

rtr_running() { pid_alive "$STATE/$RPKI_NODE/stayrtr.pid" "$STAYRTR"; }

rtr_stop() { stop_pidfile "$STATE/$RPKI_NODE/stayrtr.pid" "$STAYRTR"; }

# --------------------------------------------------------------------- SSH --

ssh_start() {
    local node=$1 d keydir
    d=$STATE/ssh/$node
    keydir=$CACHE/lab-ssh/$node
    install -d -m 0755 "$d"
    install -d -m 0700 "$keydir"
    [[ -s $keydir/ssh_host_ed25519_key ]] ||
        ssh-keygen -q -t ed25519 -N '' -C "routesec-lab-$node" -f "$keydir/ssh_host_ed25519_key"
    [[ -s $keydir/ssh_host_ecdsa_key ]] ||
        ssh-keygen -q -t ecdsa -N '' -C "routesec-lab-$node" -f "$keydir/ssh_host_ecdsa_key"
    install -d -m 0755 /run/sshd # privilege separation directory
    cat >"$d/sshd_config" <<EOF
# sshd for the lab router $node (generated by routers.sh): every login runs
# vtysh on $node's vty sockets.
ListenAddress ${MGMT_ADDR[$node]}:$SSH_PORT
HostKey $keydir/ssh_host_ed25519_key
HostKey $keydir/ssh_host_ecdsa_key
PidFile $d/sshd.pid
AllowUsers $SSH_USER
UsePAM no
PasswordAuthentication yes
PermitEmptyPasswords no
KbdInteractiveAuthentication no
PubkeyAuthentication no
AuthorizedKeysFile none
PermitRootLogin no
UseDNS no
PrintMotd no
PrintLastLog no
X11Forwarding no
AllowTcpForwarding no
AllowAgentForwarding no
PermitTunnel no
MaxStartups 64:30:128
MaxSessions 32
LoginGraceTime 30
ForceCommand exec env INPUTRC=$STATE/inputrc $VTYSH --vty_socket $STATE/$node/run --config_dir $STATE/$node/etc -H /dev/null
EOF
    "$SSHD" -t -f "$d/sshd_config" || die "bad sshd config $d/sshd_config"
    "$SSHD" -f "$d/sshd_config" -E "$LOG/sshd-$node.log" ||
        die "sshd for $node did not start, see $LOG/sshd-$node.log"
}

ssh_running() { pid_alive "$STATE/ssh/$1/sshd.pid" "$STATE/ssh/$1/sshd_config"; }

# $STATE/known_hosts: every router's public host keys under its management address, replaced at once.
publish_known_hosts() {
    local node pub tmp=$STATE/known_hosts.tmp
    for node in "${FRR_NODES[@]}"; do
        for pub in "$CACHE/lab-ssh/$node"/ssh_host_*_key.pub; do
            printf '[%s]:%s %s\n' "${MGMT_ADDR[$node]}" "$SSH_PORT" "$(cut -d' ' -f1,2 "$pub")"
        done
    done >"$tmp"
    chmod 0644 "$tmp"
    mv -f "$tmp" "$STATE/known_hosts"
}

# Stops the listener and the sessions (and their vtysh) it forked.
ssh_stop() {
    local node=$1 pid
    stop_pidfile "$STATE/ssh/$node/sshd.pid" "$STATE/ssh/$node/sshd_config"
    # Pid file lost (state dir removed)? Then the lab sshd still holding the
    # management address is found by its socket.
    for pid in $(ss -Hltnp "src ${MGMT_ADDR[$node]} and sport = :$SSH_PORT" |
        grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u); do
        if [[ $(cmdline "$pid") == *sshd*"ssh/$node/sshd_config"* ]]; then
            # shellcheck disable=SC2046
            kill_pids "$pid" $(descendants "$pid")
        fi
    done
}

# -------------------------------------------------------------------- BIRD --

# bird_start: BIRD from the base config, its control socket and pid file in $STATE/bird.
bird_start() {
    local d=$STATE/$BIRD_NODE
    mkdir -p "$d"
    sed "s|@LOG@|$LOG|" "$BASE_CONFIGS/$BIRD_NODE/bird.conf" >"$d/bird.conf"
    ip netns exec "$(ns "$BIRD_NODE")" "$BIRD" -c "$d/bird.conf" -s "$d/bird.ctl" -P "$d/bird.pid" \
        2>>"$LOG/bird.out" || {
        cat "$LOG/bird.out" >&2
        die "BIRD did not start, see $LOG/bird.log"
    }
}

bird_running() { pid_alive "$STATE/$BIRD_NODE/bird.pid" "$BIRD"; }

bird_stop() { stop_pidfile "$STATE/$BIRD_NODE/bird.pid" "$BIRD"; }

# ---------------------------------------------------------------- commands --

# This script's logs only: $LOG may hold other tools' logs too.
rm_logs() {
    local node
    for node in "${FRR_NODES[@]}"; do
        rm -f "$LOG/$node-"{zebra,staticd,bgpd}.{log,out} "$LOG/sshd-$node.log"
    done
    for node in "${EXA_NODES[@]}"; do
        rm -f "$LOG/$(exa_name "$node")"{.log,.out,-api.log}
    done
    rm -f "$LOG/stayrtr.log" "$LOG/bird.log" "$LOG/bird.out"
}

lab_healthy() {
    local node n
    for n in "$SWITCH_NS" "${ALL_NODES[@]/#/rslab-}"; do
        ns_exists "$n" || return 1
    done
    for node in "${FRR_NODES[@]}"; do
        frr_running "$node" && ssh_running "$node" || return 1
    done
    for node in "${EXA_NODES[@]}"; do
        exa_running "$node" && [[ -p $(exa_fifo "$node") ]] || return 1
    done
    rtr_running && bird_running
}

wait_established() {
    python3 "$LAB_API" wait-established "$UP_TIMEOUT" ||
        die "BGP sessions not all Established (logs in $LOG)"
}

cmd_up() {
    local node started=$SECONDS
    if lab_healthy; then
        log "already up"
        publish_known_hosts
        wait_established
        return
    fi
    ensure_packages
    cmd_down quiet
    ensure_user
    mkdir -p "$LOG"
    chmod a+x "$STATE" # vtysh run by routesec goes through it to the sockets
    rm_logs
    printf 'set enable-bracketed-paste off\n' >"$STATE/inputrc"
    net_up
    for node in "${FRR_NODES[@]}"; do
        frr_install_config "$node"
        frr_start "$node"
    done
    for node in "${EXA_NODES[@]}"; do
        exa_start "$node"
    done
    rtr_start
    bird_start
    for node in "${FRR_NODES[@]}"; do
        ssh_start "$node"
    done
    publish_known_hosts
    wait_established
    log "up in $((SECONDS - started)) s"
}

cmd_down() {
    local node
    for node in "${FRR_NODES[@]}"; do
        ssh_stop "$node"
    done
    for node in "${EXA_NODES[@]}"; do
        exa_stop "$node"
    done
    rtr_stop
    bird_stop
    for node in "${FRR_NODES[@]}"; do
        frr_stop "$node"
    done
    net_down
    for node in "${ALL_NODES[@]}"; do
        rm -rf "${STATE:?}/$node"
    done
    for node in "${EXA_NODES[@]}"; do
        rm -f "$(exa_fifo "$node")"
    done
    rm -rf "$STATE/ssh" "$STATE/inputrc" "$STATE/known_hosts"
    [[ ${1:-} == quiet ]] || log "down"
}

cmd_reset() {
    local node started=$SECONDS
    if ! lab_healthy; then
        log "lab not (fully) up: starting it from scratch"
        cmd_up
        return
    fi
    # Each ExaBGP speaker forgets (and withdraws) every route it was told to
    # announce; wait for that (bounded: r1/r2 hold no route from exa or cust)
    # so that they have nothing left to re-announce ...
    for node in "${EXA_NODES[@]}"; do
        printf 'clear adj-rib out\n' >"$(exa_fifo "$node")"
    done
    python3 "$LAB_API" wait-no-exa-routes 5 || log "ExaBGP routes still on r1/r2"
    # ... and r1/r2 restart from their base config, so that nothing pushed
    # (prefix-lists, route-maps, neighbours, ...) survives, saved or not.
    for node in "${BORDER_NODES[@]}"; do
        frr_stop "$node" &
    done
    bird_stop &
    wait
    bird_start
    for node in "${BORDER_NODES[@]}"; do
        frr_install_config "$node"
        frr_start "$node"
    done
    # The lab's own VRPs, should a test have changed them (StayRTR re-reads the
    # file within $RTR_REFRESH s; nothing uses RPKI in the base configs).
    cmp -s "$BASE_CONFIGS/vrps.json" "$STATE/$RPKI_NODE/vrps.json" ||
        install -m 0644 "$BASE_CONFIGS/vrps.json" "$STATE/$RPKI_NODE/vrps.json"
    # Clean: all sessions Established, no prefix in any BGP table.
    python3 "$LAB_API" wait-clean "$UP_TIMEOUT" || die "lab not clean $UP_TIMEOUT s after reset"
    log "reset in $((SECONDS - started)) s"
}

cmd_status() {
    if ! ns_exists "$SWITCH_NS"; then
        echo "lab is down"
        return 1
    fi
    python3 "$LAB_API" status
}

# One command at a time (parallel test workers may all call up or reset):
# re-run this script under flock(1). -o: the script, and so the daemons it
# starts, do not inherit the lock's file descriptor (or they would keep it).
lock() {
    [[ -z ${ROUTESEC_LAB_LOCKED:-} ]] || return 0
    mkdir -p "$STATE"
    ROUTESEC_LAB_LOCKED=1 exec flock -o "$STATE/routers.lock" bash "$HERE/routers.sh" "$@"
}

main() {
    case ${1:-} in up | down | reset) lock "$@" ;; esac
    unset ROUTESEC_LAB_LOCKED # not for the daemons' environment
    case ${1:-} in
    up) cmd_up ;;
    down) cmd_down ;;
    reset) cmd_reset ;;
    status) cmd_status ;;
    *)
        echo "usage: $0 up|down|reset|status" >&2
        exit 2
        ;;
    esac
}

[[ $EUID -eq 0 ]] || die "must run as root (namespaces, sshd)"
main "$@"
