#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# rules.sh: the Prometheus rules (dist/prometheus/dmabuf-audit.rules.yml) checked and
# unit-tested by Debian's promtool (tests/prom/fetch-tools.sh): `promtool check rules`,
# `promtool test rules tests/prom/rules.test.yml`, then the same tests against mutated
# rules, each of which must fail (tests that cannot fail prove nothing). Exit 0 or 1.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
promtool=${PROM_CACHE:-$HOME/.cache/dmabuf-audit/prom}/root/usr/bin/promtool
rules=$root/dist/prometheus/dmabuf-audit.rules.yml
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

ok() { echo "ok - $*"; }
bad() { echo "FAIL - $*"; fails=$((fails + 1)); }

[ -x "$promtool" ] || { echo "rules: no promtool (run tests/prom/fetch-tools.sh)" >&2; exit 2; }
if "$promtool" check rules "$rules" >"$tmp/out" 2>&1; then
	ok "promtool check rules: $(grep -o '[0-9]* rules found' "$tmp/out")"
else
	bad "promtool check rules: $(cat "$tmp/out")"
fi
if "$promtool" test rules "$here/rules.test.yml" >"$tmp/out" 2>&1; then
	ok "promtool test rules: every alert fires where it must and nowhere else"
else
	bad "promtool test rules:"; cat "$tmp/out"
fi

# mutations: NAME|sed expression on the rules
mutations=(
	"a violation's first sample not counted|s/dmabuf_audit_violations_total unless dmabuf_audit_violations_total offset 15m/dmabuf_audit_violations_total > 1e9/"
	"scan-only never fires|s/expr: instance:dmabuf_audit_live_detectors:sum == 0/expr: instance:dmabuf_audit_live_detectors:sum < 0/"
	"detectors counted by mechanism|s/sum by (instance) (dmabuf_audit_detectors_attached/max by (instance) (dmabuf_audit_detectors_attached/"
	"the textfile of another program alerts|s/file=~\".*dmabuf_audit\\\\\\\\.prom\"/file=~\".*\"/"
	"findings dropped ignored|s/+ increase(dmabuf_audit_findings_dropped_total\\[15m\\])/* 0/"
	"unheld growth alerts at once|s/for: 3h/for: 0m/"
)
mkdir -p "$tmp/dist/prometheus" "$tmp/tests/prom"
cp "$here/rules.test.yml" "$tmp/tests/prom/"
for m in "${mutations[@]}"; do
	name=${m%%|*}
	sed "${m#*|}" "$rules" >"$tmp/dist/prometheus/dmabuf-audit.rules.yml"
	if cmp -s "$rules" "$tmp/dist/prometheus/dmabuf-audit.rules.yml"; then
		bad "mutation '$name' changed nothing"
	elif "$promtool" test rules "$tmp/tests/prom/rules.test.yml" >/dev/null 2>&1; then
		bad "mutation '$name': the rule tests still pass"
	else
		ok "mutation '$name': the rule tests fail"
	fi
done
echo "# rules: $(( ${#mutations[@]} + 2 - fails )) passed, $fails failed"
[ "$fails" -eq 0 ]
