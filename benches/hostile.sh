#!/usr/bin/env bash
# Hostile inputs of issue 13, each run once against the release binary: wall time, peak RSS
# (from /usr/bin/time -v, else from /proc), exit status, and the size of what was written.
# Goals (README, "Limits"): under a second and 100 MB each, except where the input itself is
# larger. Every run is bounded by `timeout`, so a regression cannot hang the script.
#
#   benches/hostile.sh            # build (release) and run all
#   HOSTILE_ONLY=chain benches/hostile.sh   # the runs whose name contains "chain"
set -u
cd "$(dirname "$0")/.."
cargo build --release --quiet || exit 1
BIN="$PWD/target/release/policy-calc"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
LIMIT=${HOSTILE_TIMEOUT:-60}

# Peak RSS in MB and wall seconds of one command: /usr/bin/time -v where it exists.
measure() {
    local name=$1
    shift
    if [ -n "${HOSTILE_ONLY:-}" ] && [[ $name != *"$HOSTILE_ONLY"* ]]; then
        return
    fi
    local out="$WORK/out" err="$WORK/err" tv="$WORK/time"
    local start end code rss
    start=$(date +%s.%N)
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -v -o "$tv" timeout "$LIMIT" "$@" >"$out" 2>"$err" <"${STDIN:-/dev/null}"
        code=$?
        rss=$(awk -F: '/Maximum resident set size/ {printf "%.1f", $2 / 1024}' "$tv")
    else
        # Without GNU time: sample /proc/PID/status's VmHWM until the process ends.
        timeout "$LIMIT" "$@" >"$out" 2>"$err" <"${STDIN:-/dev/null}" &
        local pid=$! hwm=0 v
        while kill -0 "$pid" 2>/dev/null; do
            v=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null)
            [ -n "$v" ] && [ "$v" -gt "$hwm" ] && hwm=$v
            sleep 0.01
        done
        wait "$pid"
        code=$?
        rss=$(awk -v k="$hwm" 'BEGIN {printf "%.1f (sampled)", k / 1024}')
    fi
    end=$(date +%s.%N)
    printf '%-46s %7.2f s %10s MB  exit %3s  out %9s B  err %9s B\n' "$name" \
        "$(echo "$end - $start" | bc)" "$rss" "$code" \
        "$(stat -c %s "$out")" "$(stat -c %s "$err")"
}

# A copy of the rules whose kq-2022-14.toml ends with $1 (a file of TOML).
rules_with() {
    local dir="$WORK/rules-$2"
    rm -rf "$dir"
    mkdir -p "$dir"
    cp -r rules seeds "$dir/"
    cat "$1" >>"$dir/rules/kq-2022-14.toml"
    echo "$dir/rules"
}

echo "policy-calc hostile inputs, $(date -u +%FT%TZ), $(nproc) core(s)"
printf '%-46s %9s %13s  %8s  %11s  %11s\n' input wall "peak RSS" status stdout stderr

# 1. Many problems in one case.
python3 - "$WORK" <<'EOF'
import sys
w = sys.argv[1]
units = ",".join(['{"area":-1}'] * 30000)
open(f"{w}/units.jsonl", "w").write('{"rental_project":{"units":[' + units + ']}}\n')
open(f"{w}/units.json", "w").write('{"rental_project":{"units":[' + units + ']}}\n')
open(f"{w}/keys.toml", "w").write("[rural_housing]\n" + "".join(f"k{i} = 1\n" for i in range(100000)))
open(f"{w}/unit-types.toml", "w").write(
    "[rental_project]\n" + "[[rental_project.units]]\narea = -1\n" * 100000)
# 8. A 100 MB token.
open(f"{w}/token.toml", "w").write("[rural_housing]\n" + "k" * 100_000_000 + " = 1\n")
EOF
measure "30k bad unit types, one line, --batch" "$BIN" check --batch "$WORK/units.jsonl"
measure "30k bad unit types, one line, --format json" "$BIN" check "$WORK/units.json" --format json
measure "100k unknown keys, 1.1 MB TOML (default limit)" "$BIN" check "$WORK/keys.toml"
measure "100k unknown keys, 1.1 MB TOML, --max-bytes 8M" \
    "$BIN" check "$WORK/keys.toml" --max-bytes 8M
measure "100k bad unit types, 3.5 MB TOML (default limit)" "$BIN" check "$WORK/unit-types.toml"
measure "100k bad unit types, 3.5 MB TOML, --max-bytes 8M" \
    "$BIN" check "$WORK/unit-types.toml" --max-bytes 8M
measure "100 MB key (--max-bytes 200M)" "$BIN" check "$WORK/token.toml" --max-bytes 200M

# 2. Chained and doubling definitions.
python3 - "$WORK" <<'EOF'
import sys
w = sys.argv[1]
def chain(n):
    s = '[[define]]\nname = "d0"\nlabel = { zh = "定义", en = "definition" }\nexpr = "floor_area"\n'
    for i in range(1, n):
        s += f'[[define]]\nname = "d{i}"\nlabel = {{ zh = "定义", en = "definition" }}\nexpr = "d{i-1} + 1 m2"\n'
    return s + clause(f"d{n-1}")
def doubling(n):
    s = '[[define]]\nname = "e0"\nlabel = { zh = "定义", en = "definition" }\nexpr = "floor_area"\n'
    for i in range(1, n):
        s += f'[[define]]\nname = "e{i}"\nlabel = {{ zh = "定义", en = "definition" }}\nexpr = "e{i-1} + e{i-1}"\n'
    return s + clause(f"e{n-1}")
def clause(top):
    return f'''
[[clause]]
id = "hostile"
subject = "rural_housing"
kind = "entitlement"
section = "三（六）"
quote = "予以200元/平方米的一次性资金补助"
summary = "hostile"
eligible = "{top} > 0 m2"
'''
open(f"{w}/chain200.toml", "w").write(chain(200))
open(f"{w}/chain2000.toml", "w").write(chain(2000))
open(f"{w}/chain2500.toml", "w").write(chain(2500))
open(f"{w}/chain10k.toml", "w").write(chain(10000))
open(f"{w}/chain100k.toml", "w").write(chain(100000))
open(f"{w}/doubling24.toml", "w").write(doubling(24))
open(f"{w}/doubling200.toml", "w").write(doubling(200))
# 7. Many clauses.
for n in (5000, 10000, 20000):
    s = ""
    for i in range(n):
        s += f'''
[[clause]]
id = "many-{i}"
subject = "rural_housing"
kind = "entitlement"
section = "三（六）"
quote = "予以200元/平方米的一次性资金补助"
summary = "many"
eligible = "new and floor_area > {i} m2"
amount = "rural_subsidy_rate * floor_area"
round = "half_away_from_zero"
amount_label = {{ zh = "补助", en = "subsidy" }}
'''
    open(f"{w}/clauses{n}.toml", "w").write(s)
EOF
# The largest chain within the default limit of a rule file (1 MiB with the file it joins).
measure "rules: chain10k (default limit)" "$BIN" documents --rules "$(rules_with "$WORK/chain10k.toml" chain10k)"
for f in chain200 chain2000 chain2500 chain100k doubling24 doubling200; do
    measure "rules: $f" "$BIN" documents --rules "$(rules_with "$WORK/$f.toml" "$f")" --max-bytes 64M
done
# Shared definitions evaluated, with what would change the result: a farmhouse of 1 m2
# (e23 = 8,388,608 m2, eligible; e199 fails cleanly where e96 = 2^96 passes the decimals,
# exit 2) and of 0 m2 (e199 = 0, not eligible).
printf '[rural_housing]\nnew = true\nfloor_area = 1\n' >"$WORK/one.toml"
printf '[rural_housing]\nnew = true\nfloor_area = 0\n' >"$WORK/zero.toml"
for f in chain200 doubling24 doubling200; do
    for c in one zero; do
        measure "check $c m2: $f" "$BIN" check "$WORK/$c.toml" --as-of 2023-03-01 \
            --rules "$WORK/rules-$f/rules"
    done
done
for n in 5000 10000 20000; do
    measure "rules: $n more clauses" "$BIN" documents \
        --rules "$(rules_with "$WORK/clauses$n.toml" "c$n")" --max-bytes 64M
done

# 3. An argument not in UTF-8.
measure "non-UTF-8 argument" "$BIN" check $'\xff.toml'

# 4. Reads with no end, special files.
measure "check /dev/zero" "$BIN" check /dev/zero
STDIN=/dev/zero measure "check - < /dev/zero" "$BIN" check -
measure "check --batch /dev/zero" "$BIN" check --batch /dev/zero
STDIN=/dev/zero measure "check --batch - < /dev/zero (limit 1M a line)" \
    timeout 3 "$BIN" check --batch -
SPECIAL="$WORK/special"
mkdir -p "$SPECIAL"
cp -r rules seeds "$SPECIAL/"
mkfifo "$SPECIAL/rules/x.toml"
ln -s /dev/zero "$SPECIAL/rules/zero.toml"
measure "--rules with a FIFO and a link to /dev/zero" "$BIN" documents --rules "$SPECIAL/rules"

# 5. Output lost.
measure "check > /dev/full" sh -c "'$BIN' check examples/rural_housing.toml > /dev/full"
measure "catalogue > /dev/full" sh -c "'$BIN' catalogue > /dev/full"
measure "catalogue | head -1" sh -c "'$BIN' catalogue | head -1"
