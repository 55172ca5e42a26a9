#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A private Open vSwitch for the integration tests: ovsdb-server and ovs-vswitchd
# (the USDT build from build_ovs.sh) with unix sockets only, the userspace dummy
# datapath, bridge br0 with dummy ports p1 and p2. Everything lives in one
# directory; processes are stopped by their pid files, never by name.
#   sandbox.sh start DIR [MAX_IDLE_MS]   prints nothing; DIR/env has the paths
#   sandbox.sh stop DIR
#   sandbox.sh restart DIR              ovs-vswitchd only (SIGTERM, then started again); DIR/env
#                                       has the new pid
#   sandbox.sh appctl DIR ARGS...       ovs-appctl on this sandbox's vswitchd
#   sandbox.sh vsctl DIR ARGS... / ofctl DIR ARGS...
#   sandbox.sh inject DIR PORT N        N packets into PORT, each from its own MAC: N datapath flows
set -euo pipefail
cmd=$1 dir=$2; shift 2
here=$(cd "$(dirname "$0")" && pwd)
ovs=${OVS_PREFIX:-$("$here/build_ovs.sh")}
bin=$ovs/bin

vsctl() { "$bin/ovs-vsctl" --db="unix:$dir/db.sock" --timeout=10 "$@"; }
appctl() { "$bin/ovs-appctl" --target="$dir/ovs-vswitchd.ctl" --timeout=10 "$@"; }

stop_pidfile() {
    local f=$1 pid
    [ -f "$f" ] || return 0
    pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$f"
}

# start_vswitchd: ovs-vswitchd on this sandbox's database, and DIR/env for its pid.
start_vswitchd() {
    export OVS_RUNDIR=$dir OVS_LOGDIR=$dir OVS_DBDIR=$dir OVS_SYSCONFDIR=$dir OVS_PKGDATADIR=$ovs/share
    "$bin/ovs-vswitchd" "unix:$dir/db.sock" --enable-dummy --disable-system --unixctl="$dir/ovs-vswitchd.ctl" \
        --pidfile="$dir/ovs-vswitchd.pid" --log-file="$dir/ovs-vswitchd.log" --detach --no-chdir -vconsole:off 2>>"$dir/daemons.stderr"
    cat > "$dir/env" <<ENV
OVS_BIN=$bin
VSWITCHD_PID=$(cat "$dir/ovs-vswitchd.pid")
VSWITCHD=$bin/ovs-vswitchd
ENV
}

case $cmd in
start)
    max_idle=${1:-1000}
    mkdir -p "$dir"
    export OVS_RUNDIR=$dir OVS_LOGDIR=$dir OVS_DBDIR=$dir OVS_SYSCONFDIR=$dir OVS_PKGDATADIR=$ovs/share
    "$bin/ovsdb-tool" create "$dir/conf.db" "$ovs/share/vswitch.ovsschema"
    "$bin/ovsdb-server" "$dir/conf.db" --remote="punix:$dir/db.sock" --unixctl="$dir/ovsdb-server.ctl" \
        --pidfile="$dir/ovsdb-server.pid" --log-file="$dir/ovsdb-server.log" --detach --no-chdir -vconsole:off 2>>"$dir/daemons.stderr"
    vsctl --no-wait init
    start_vswitchd
    vsctl set Open_vSwitch . other_config:max-idle="$max_idle" \
        -- add-br br0 -- set bridge br0 datapath_type=dummy fail-mode=standalone \
        -- add-port br0 p1 -- set interface p1 type=dummy ofport_request=1 \
        -- add-port br0 p2 -- set interface p2 type=dummy ofport_request=2
    ;;
restart)
    stop_pidfile "$dir/ovs-vswitchd.pid"
    start_vswitchd
    vsctl wait-until Bridge br0    # the database still has the bridge; wait for the daemon
    ;;
stop)
    stop_pidfile "$dir/ovs-vswitchd.pid"
    stop_pidfile "$dir/ovsdb-server.pid"
    ;;
appctl) appctl "$@" ;;
vsctl) vsctl "$@" ;;
ofctl) "$bin/ovs-ofctl" "$@" ;;
inject)
    port=$1 n=$2 in_port=${port#p}
    for i in $(seq 1 "$n"); do
        appctl netdev-dummy/receive "$port" \
            "in_port($in_port),eth(src=50:54:00:00:$(printf %02x "$i"):0$in_port,dst=50:54:00:00:01:01),eth_type(0x0800),ipv4(src=10.0.0.$i,dst=10.0.1.1,proto=6,tos=0,ttl=64,frag=no),tcp(src=$((1000 + i)),dst=80)" >/dev/null
    done
    ;;
*) echo "usage: sandbox.sh start|stop|restart|appctl|vsctl|ofctl|inject DIR ..." >&2; exit 2 ;;
esac
