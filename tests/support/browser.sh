#!/bin/sh
# A $BROWSER for the SSO sign-in tests: opens its one URL argument in
# headless Chromium (Debian's chromium, which scripts/peers.sh installs) with
# a fresh profile it deletes after, follows redirects (so the stand-in's
# /authorize lands on the sign-in's 127.0.0.1 callback with no click), and
# exits once the last page has loaded (60 s at most).
#
#   BROWSER=tests/support/browser.sh awsmfa sso login ...
#
# Chromium's output (the final page, its logs) is appended to
# $AWSMFA_BROWSER_LOG when that is set, else dropped: never on the caller's
# stdout. The background-networking flags keep Chromium from reaching out
# to Google's hosts, which a closed network refuses.
set -u
[ $# -eq 1 ] || { echo "usage: $0 URL" >&2; exit 2; }
profile=$(mktemp -d "${TMPDIR:-/tmp}/awsmfa-browser.XXXXXX") || exit 1
timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --dump-dom "$1" \
    </dev/null >>"${AWSMFA_BROWSER_LOG:-/dev/null}" 2>&1 &
child=$!
trap 'kill -TERM $child 2>/dev/null; wait $child; rm -rf "$profile"; exit 143' HUP INT TERM
wait $child
status=$?
rm -rf "$profile"
exit $status
