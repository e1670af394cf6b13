#!/usr/bin/env bash
# Test hosts for cluster mode: network namespaces joined by veth pairs to a bridge, addressed from 198.18.0.0/15 only
# (the range reserved for network benchmarks, RFC 2544). Needs root (or CAP_NET_ADMIN) and iproute2.
#
#   scripts/netns.sh up <net> <hosts>     namespaces weir<net>h1..h<hosts>; host k has 198.18.<net>.(10+k),
#                                         the root namespace (where the JobManager runs) 198.18.<net>.1
#   scripts/netns.sh exec <net> <k> cmd…  run cmd on host k
#   scripts/netns.sh cut <net> <k>        cut host k's link (ip link set … down)
#   scripts/netns.sh restore <net> <k>    restore it
#   scripts/netns.sh down <net>           remove the namespaces, veths and the bridge (idempotent)
#   scripts/netns.sh check                exit 0 when namespaces can be created here
#
# <net> is 1..250 and keeps concurrent runs apart (the third octet and the interface names).
set -euo pipefail

cmd=${1:-}
net=${2:-}
valid_net() { [[ "$net" =~ ^[0-9]+$ ]] && (( net >= 1 && net <= 250 )) || { echo "netns.sh: <net> must be 1..250, got '$net'" >&2; exit 2; }; }
bridge() { echo "weirb${net}"; }
ns() { echo "weir${net}h$1"; }
veth() { echo "weir${net}v$1"; }

case "$cmd" in
  check)
    probe="weirprobe$$"
    ip netns add "$probe" 2>/dev/null || exit 1
    ip netns del "$probe"
    ;;
  up)
    valid_net
    hosts=${3:?hosts}
    ip link add "$(bridge)" type bridge
    ip addr add "198.18.${net}.1/24" dev "$(bridge)"
    ip link set "$(bridge)" up
    for k in $(seq 1 "$hosts"); do
      ip netns add "$(ns "$k")"
      ip link add "$(veth "$k")" type veth peer name eth0 netns "$(ns "$k")"
      ip link set "$(veth "$k")" master "$(bridge)" up
      ip -n "$(ns "$k")" addr add "198.18.${net}.$((10 + k))/24" dev eth0
      ip -n "$(ns "$k")" link set eth0 up
      ip -n "$(ns "$k")" link set lo up
    done
    ;;
  exec)
    valid_net
    k=${3:?host}
    shift 3
    exec ip netns exec "$(ns "$k")" "$@"
    ;;
  cut)
    valid_net
    ip link set "$(veth "${3:?host}")" down
    ;;
  restore)
    valid_net
    ip link set "$(veth "${3:?host}")" up
    ;;
  down)
    valid_net
    for n in $(ip netns list | awk '{print $1}' | grep -E "^weir${net}h[0-9]+$" || true); do
      ip netns pids "$n" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
      ip netns del "$n" || true
    done
    for v in $(ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -E "^weir${net}v[0-9]+$" || true); do ip link del "$v" 2>/dev/null || true; done
    ip link del "$(bridge)" 2>/dev/null || true
    ;;
  *)
    sed -n '2,14p' "$0" >&2
    exit 2
    ;;
esac
