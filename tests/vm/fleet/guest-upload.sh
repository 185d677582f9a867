#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Boot 2 of a fleet guest: the reporter has put the dump's record into the journal; ship the
# journal to the collector with systemd-journal-upload, as journal-upload.conf(5) sets it up.
# The only address the guest reaches is the collector's, 10.0.2.100:19532 (QEMU user
# networking with restrict=on and a guestfwd to the host's loopback). The host's environment
# file gives the MESSAGE_IDs and TK_FLEET_HOST_PORT, the port journal-remote listens on at the
# host's 127.0.0.1. Results, as files in $TK_RESULTS (see the test hook):
#   values        id, result, hostname, machine_id, upload_rc, gateway_rc, address
#   list.json     tinykdump --json=short list (the record as this machine sees it)
#   upload.log    systemd-journal-upload's output
#   debug.txt     the network's and the report service's state, on a failure
set -u
rc=0
fail() { echo "FAIL: $*"; tk-value fail "$*"; rc=1; }
debug() {
        {
                networkctl --no-pager status 2>&1
                cat /proc/net/fib_trie 2>&1 | head -n 40
                systemctl --no-pager -l status 'tinykdump-report*' systemd-networkd 2>&1
                journalctl -b --no-pager -o short-monotonic -u systemd-networkd -u 'tinykdump-report*' | tail -n 60
        } >>"$TK_RESULTS/debug.txt" 2>&1
}
ids=("MESSAGE_ID=$TK_MESSAGE_ID_DUMP_SAVED" "MESSAGE_ID=$TK_MESSAGE_ID_DUMP_DMESG_ONLY"
     "MESSAGE_ID=$TK_MESSAGE_ID_CAPTURE_FAILED")

# The report service runs when the target appears (bounded: 300 s on a slow TCG guest).
for _ in $(seq 150); do
        journalctl -q -o cat "${ids[@]}" | grep -q . && break
        sleep 2
done
tinykdump --json=short list >"$TK_RESULTS/list.json" 2>&1
tk-value id "$(jq -r '.[0].id' "$TK_RESULTS/list.json" 2>/dev/null)"
tk-value result "$(jq -r '.[0].result' "$TK_RESULTS/list.json" 2>/dev/null)"
tk-value hostname "$(cat /proc/sys/kernel/hostname)"
tk-value machine_id "$(cat /etc/machine-id)"
[[ $(jq length "$TK_RESULTS/list.json" 2>/dev/null) == 1 ]] || { fail "no dump record in the journal"; debug; exit 1; }

# The network: a static address on the NIC, by systemd-networkd.
mkdir -p /run/systemd/network
cat >/run/systemd/network/50-fleet.network <<'NET'
[Match]
Type=ether

[Network]
Address=10.0.2.15/24
LinkLocalAddressing=no
IPv6AcceptRA=no
NET
systemctl restart systemd-networkd.service
address=no
for _ in $(seq 60); do
        grep -q "10.0.2.15" /proc/net/fib_trie && { address=yes; break; }
        sleep 1
done
tk-value address "$address"
[[ $address == yes ]] || { fail "the NIC got no address"; debug; exit 1; }

# Nothing but the collector is reachable: the gateway 10.0.2.2, which QEMU maps to the host's
# loopback without restrict=on, does not answer on the port journal-remote listens on.
timeout 15 bash -c "echo >/dev/tcp/10.0.2.2/$TK_FLEET_HOST_PORT" 2>/dev/null
gateway_rc=$?
tk-value gateway_rc "$gateway_rc"
[[ $gateway_rc != 0 ]] || fail "the host's loopback is reachable through the gateway 10.0.2.2"

# The standard client configuration, then one upload of the whole journal (the service would
# do the same and then keep following the journal).
mkdir -p /etc/systemd/journal-upload.conf.d
printf '[Upload]\nURL=http://10.0.2.100:19532\n' >/etc/systemd/journal-upload.conf.d/50-fleet.conf
journalctl --sync
timeout 300 /usr/lib/systemd/systemd-journal-upload --merge --follow=no >"$TK_RESULTS/upload.log" 2>&1
upload_rc=$?
tk-value upload_rc "$upload_rc"
[[ $upload_rc == 0 ]] || { fail "systemd-journal-upload exited with $upload_rc"; debug; }
exit $rc
