# shellcheck shell=sh
# Sourced by the guest scenario (busybox sh; fd 3 = the results port): the host tests
# (tests/host/run.sh and daemon.sh) against the guest's kernel, under Debian's bash-static
# (/bin/bash) with busybox tools, da-oracle from /usr/bin and no python3 (the promtool and
# node_exporter checks skip themselves, visibly). build-guest.sh packs them; each script
# writes one section, checked by tests/lab/check_host.py:
#   @@BEGIN hosttests run       ... its assertions ...   @@END hosttests run rc=N
#   @@BEGIN hosttests daemon    ... its assertions ...   @@END hosttests daemon rc=N

HOST_TEST_WAIT=${HOST_TEST_WAIT:-900} # seconds one script may take (TCG: many attaches)

# run_host_tests: both scripts, their output streamed to fd 3 as it comes (a hang or a
# crash leaves an @@BEGIN without its @@END).
run_host_tests() {
	for ht in run daemon; do
		ht_t=$(cut -d' ' -f1 /proc/uptime)
		printf '@@TIME hosttests-%s %s\n' "$ht" "$ht_t" >&3
		echo "lab: hosttests $ht at ${ht_t}s"
		printf '@@BEGIN hosttests %s\n' "$ht" >&3
		(cd /tmp && DA_ORACLE=/usr/bin/da-oracle timeout -k 10 "$HOST_TEST_WAIT" \
			/bin/bash "/tests/host/$ht.sh" /usr/bin/dmabuf-audit) </dev/null >&3 2>&1
		ht_rc=$?
		printf '@@END hosttests %s rc=%s\n' "$ht" "$ht_rc" >&3
	done
	ht_t=$(cut -d' ' -f1 /proc/uptime)
	printf '@@TIME hosttests-end %s\n' "$ht_t" >&3
	echo "lab: hosttests done at ${ht_t}s"
}
