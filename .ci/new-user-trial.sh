#!/usr/bin/env bash
# The new-user trial: what a user types after a fresh clone, in the README's order ("The two commands", "Try it",
# "Backfill"), on a fresh data directory, each promised output checked. Commands and promises are read from the
# README itself (its code blocks and their `# …` output lines), so a README change that breaks a promise fails here;
# only the ports (free ones) and the data directory (a fresh one) are put in, as a user on a busy machine would.
# Needs the build `dotnet test Functions.sln` made (the stack runs with --no-build) and tests/emulators' node_modules
# (Google's Node.js client, for the README's Node.js publisher).
#   .ci/new-user-trial.sh [README.md]   (another README: e.g. a scratch copy with a promise changed, to see it fail)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
readme=$(readlink -f "${1:-README.md}")
started=$SECONDS

fail() { echo "new-user trial: FAILED: $*" >&2; [ -f "${log:-}" ] && { echo "--- the stack's log (last 20 lines):" >&2; tail -n 20 "$log" >&2; }; exit 1; }
step() { echo "new-user trial: $*"; }

# The fenced ```<lang> block of the README that contains $2 (fixed text).
block() { awk -v lang="$1" -v want="$2" '
  $0 == "```" lang { inside = 1; text = ""; next }
  /^```$/ && inside { inside = 0; if (index(text, want)) { printf "%s", text; found = 1; exit } next }
  inside { text = text $0 "\n" }
  END { exit !found }' "$readme"; }
# A promised output (a `# …` line) as an extended regular expression: `…` stands for anything, an id or a generation
# (ten digits or more after a quote or a slash) for any number.
promise_re() { sed -E -e 's/^#[[:space:]]*//' -e 's/[[:space:]]+\(.*\)$//' -e 's/[][\.*^$+?(){}|]/\\&/g' \
  -e 's/…/.*/g' -e 's#(["/])[0-9]{10,}#\1[0-9]+#g' <<<"$1"; }
# $2 (what a command printed) must hold the promise $3 (a `# …` line of the README); $1 names the step.
expect() { local re; re=$(promise_re "$3"); grep -qE -- "$re" <<<"$2" || fail "$1: the README promises
  $3
but it printed
  $(head -c 600 <<<"$2")"; }
# Runs README text the way a user pastes it, on this trial's ports, in the trial's working directory.
on_ports() { sed -e "s/127\.0\.0\.1:8000/127.0.0.1:$port/g" -e "s/localhost:8085/localhost:$pubsub_port/g" <<<"$1"; }
free_port() { node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'; }

work=$(mktemp -d)
log="$work/stack.log"
stack=
cleanup() { [ -n "$stack" ] && kill -- "-$stack" 2>/dev/null && wait "$stack" 2>/dev/null; rm -rf "$work" "$repo/tests/emulators/.trial-publish-$$.mjs"; }
trap cleanup EXIT
port=$(free_port)
pubsub_port=$(free_port)

# 1. The two commands: the stack with --demo, then the seed's URL.
demo=$(block sh 'dotnet run --project local -- --demo') || fail "README has no sh block starting the stack with --demo"
start=$(grep -m1 '^dotnet run --project local -- --demo' <<<"$demo")
step "${start} (--no-build: reusing the tests' build; port $port, Pub/Sub $pubsub_port, a fresh data directory)"
setsid ${start/dotnet run/dotnet run --no-build} --port "$port" --pubsub-port "$pubsub_port" --data-dir "$work/.data" >"$log" 2>&1 &
stack=$!
until curl -sf -o /dev/null "http://127.0.0.1:$port/healthz"; do
  kill -0 "$stack" 2>/dev/null || fail "the stack exited before answering"
  (( SECONDS - started < 60 )) || fail "the stack did not answer /healthz within 60 s"
  sleep 0.5
done
step "the stack answers after $((SECONDS - started)) s"
seed_curl=$(grep -m1 -A1 "^curl .*user_content" <<<"$demo")
answer=$(bash -c "$(on_ports "$(head -n 1 <<<"$seed_curl")")" 2>/dev/null)
expect "the seed's URL on the demo data" "$answer" "$(tail -n 1 <<<"$seed_curl")"

cd "$work"
# 2. Try it: the REST publish, then the README's publishers.
rest=$(block sh 'topics/user-interaction:publish') || fail "README has no sh block publishing through REST"
out=$(bash -c "$(on_ports "$rest")") || fail "the README's REST publish failed: $out"
expect "the REST publish" "$out" "$(grep -m1 '^# {"messageIds"' <<<"$rest")"
export_line=$(block sh 'PUBSUB_EMULATOR_HOST=' | grep -m1 '^export PUBSUB_EMULATOR_HOST=') || fail "README does not set PUBSUB_EMULATOR_HOST"
eval "$(on_ports "$export_line")"
node_publisher=$(block js '@google-cloud/pubsub') || fail "README has no Node.js publisher (a js block)"
printf '%s' "$node_publisher" >"$repo/tests/emulators/.trial-publish-$$.mjs"
# Its stderr may hold google-auth-library's MetadataLookupWarning (no Compute Engine metadata server here): shown, not judged.
out=$(node "$repo/tests/emulators/.trial-publish-$$.mjs" 2>"$work/node.err") || fail "the README's Node.js publisher failed: $(cat "$work/node.err")"
[ ! -s "$work/node.err" ] || step "Node.js publisher's stderr: $(head -n 1 "$work/node.err")"
[[ "$out" =~ ^[0-9]+$ ]] || fail "the README's Node.js publisher should print the message id, printed: $out"
step "Node.js publisher: message id $out"
python_publisher=$(block python 'pubsub_v1') || fail "README has no Python publisher"
if python3 -c 'import google.cloud.pubsub_v1' 2>/dev/null; then
  out=$(python3 -c "$python_publisher") || fail "the README's Python publisher failed: $out"
  [[ "$out" =~ ^[0-9]+$ ]] || fail "the README's Python publisher should print the message id, printed: $out"
  step "Python publisher: message id $out"
else
  step "Python publisher: not run (google-cloud-pubsub is not installed here)"
fi
unset PUBSUB_EMULATOR_HOST

# 3. Backfill: drop a dump and upload one as the README says, wait with its wait loop, read /local/loads.
backfill=$(block sh 'mkdir -p .data/bucket/user_interaction') || fail "README has no backfill example"
out=$(timeout 60 bash -c "$(on_ports "$backfill")") || fail "the README's backfill example failed or waited over 60 s: $out"
while IFS= read -r promise; do
  case "$promise" in
    '# {"kind":"storage#object"'*) expect "the upload" "$out" "$promise" ;;
    '# ['*|'#  {'*) expect "/local/loads" "$(sed 's/},{/}\n{/g' <<<"$out")" "$(sed -E 's/^#[[:space:]]*\[?/# /; s/(\},|\]|,)$//' <<<"$promise")" ;;
  esac
done < <(grep '^#' <<<"$backfill")
step "backfill: both dumps loaded as promised"
expect "the backfill's answer" "$(tail -n 1 <<<"$out" | grep -o '{[^{}]*}$')" "$(grep -A1 '^curl .*user_content' <<<"$backfill" | tail -n 1)"

# 4. /local/errors as the README shows it: a JSON array, text as it is.
errors_url=$(grep -o "curl -s 'http://127.0.0.1:8000/local/errors[^']*'" "$readme" | head -n 1) || fail "README shows no /local/errors call"
out=$(bash -c "$(on_ports "$errors_url") -w ' %{http_code}'")
[[ "$out" == '['*'] 200' ]] || fail "/local/errors should answer a JSON array with 200, answered: $out"
[[ "$out" != *'\u00'* ]] || fail "/local/errors escapes text it need not: $out"

step "/local/errors: a JSON array, no needless escapes"
step "passed in $((SECONDS - started)) s"
