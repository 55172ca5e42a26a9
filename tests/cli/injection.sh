#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Injection test: hostile text through every path by which user text reaches a compiled
# script. Each value is either refused (exit 1, a diagnostic, nothing on stdout, no raw
# control character on stderr) or compiled into a script where it is inert: inside an
# escaped string literal or on a // comment line, never in code, never in a printf format.
# Accepted scripts that combine every path are then checked by real bpftrace
# (--emit-elf: parsed, type-checked and compiled, not loaded) when it is there and we are root.
set -u
: "${OVSTRACE:?}"
work=$(mktemp -d /tmp/ovstrace-inject.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail=0 accepted=0 refused=0

# Every value holds PWN so that a leak is easy to find, and is short enough for a literal.
hostile=(
    'PWN"); system("rm -rf /"); PWN //'
    'PWN"} END { exit(); } PWN /*'
    'PWN\'
    'PWN\" arg0 PWN "\\'
    'PWN $1 @m[1] = 1; $arg2'
    'PWN */ %s %n %d %% `id` ${x} { }'
    $'PWN\nBEGIN { exit(); } PWN'
    $'PWN\r\t\x1b[2J'
    'PWN é ü 漢字 ✓'
    $'PWN\xff\xfe'
    "PWN ' '' '"
    $'PWN \xe2\x80\xae bidi \xe2\x81\xa6 isolate'
)

# YAML double-quoted scalar: every byte survives (control bytes as \xNN escapes).
yaml_dq() {
    local s=$1 out= c i
    for ((i = 0; i < ${#s}; i++)); do
        c=${s:i:1}
        case $c in
            '\') out+='\\' ;;
            '"') out+='\"' ;;
            $'\n') out+='\n' ;;
            $'\t') out+='\t' ;;
            [$'\x01'-$'\x1f'$'\x7f']) out+=$(printf '\\x%02x' "'$c") ;;
            *) out+=$c ;;
        esac
    done
    printf '"%s"' "$out"
}

# An expression string literal ("..." with \\ \" \n \t), inside a YAML single-quoted scalar.
expr_str() {
    local s=$1
    s=${s//\\/\\\\}; s=${s//\"/\\\"}; s=${s//$'\n'/\\n}; s=${s//$'\t'/\\t}
    s="\"$s\""
    printf "'%s'" "${s//\'/\'\'}"
}

# A raw line or paragraph separator, or a bidirectional control (which shows a line as other
# than it is), in FILE.
unicode_control() { LC_ALL=C grep -qaP '\xe2\x80[\x8e\x8f\xa8-\xae]|\xe2\x81[\xa6-\xa9]|\xd8\x9c' "$1"; }

# check LABEL: judge $work/out, $work/err and $status.
check() {
    local label=$1
    if [ "$status" = 1 ] || [ "$status" = 2 ]; then
        refused=$((refused + 1))
        if [ -s "$work/out" ]; then echo "FAIL $label: refused but wrote to stdout"; fail=1; fi
        if ! grep -q 'error' "$work/err"; then echo "FAIL $label: refused without a diagnostic"; fail=1; fi
        if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$work/err"; then
            echo "FAIL $label: a raw control character in the diagnostic"; fail=1
        fi
        if unicode_control "$work/err"; then echo "FAIL $label: a raw separator or bidi control in the diagnostic"; fail=1; fi
        return
    fi
    if [ "$status" != 0 ]; then
        echo "FAIL $label: exit status $status"; head -5 "$work/err"; fail=1; return
    fi
    accepted=$((accepted + 1))
    # Take out string literals (escapes included), then comments: nothing of PWN may remain.
    if LC_ALL=C sed -E 's/"([^"\\]|\\.)*"/""/g; s#//.*$##' "$work/out" | LC_ALL=C grep -q PWN; then
        echo "FAIL $label: hostile text outside a string literal or comment:"
        LC_ALL=C sed -E 's/"([^"\\]|\\.)*"/""/g; s#//.*$##' "$work/out" | LC_ALL=C grep -a PWN | head -3
        fail=1
    fi
    if LC_ALL=C grep -aoE 'printf\("([^"\\]|\\.)*"' "$work/out" | LC_ALL=C grep -q PWN; then
        echo "FAIL $label: hostile text in a printf format"; fail=1
    fi
    if unicode_control "$work/out"; then echo "FAIL $label: a raw separator or bidi control in the script"; fail=1; fi
    # A comment line that holds it is one line: no raw CR or other control byte.
    if LC_ALL=C grep -a PWN "$work/out" | LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f\r]'; then
        echo "FAIL $label: a raw control character next to hostile text"; fail=1
    fi
}

# run LABEL RECIPE_TEXT [ARGS...]
run() {
    local label=$1 text=$2
    shift 2
    printf '%s' "$text" > "$work/r.recipe"
    "$OVSTRACE" compile "$work/r.recipe" "$@" >"$work/out" 2>"$work/err" </dev/null
    status=$?
    check "$label"
}

head_='name: inject
summary: Hostile text through every path.
'
ev='events:
  - on: usdt:main:run_start
    columns:
      - TID: tid
'
params='params:
  s:
    type: string
  e:
    type: enum
    values: [a, b]
    default: a
  pr:
    type: probe
    default: usdt:main:run_start
  f:
    type: odp_flow
events:
  - on: $pr
    where: comm != $s && $e == "a"
    columns:
      - TID: tid
      - S: $s
  - on: usdt:dpif_recv:recv_upcall
    where: match(key, $f)
    columns:
      - TID: tid
'

for i in "${!hostile[@]}"; do
    v=${hostile[$i]}
    dq=$(yaml_dq "$v")
    es=$(expr_str "$v")
    n="#$i"
    run "$n summary" "name: inject
summary: $dq
$ev"
    run "$n param help" "${head_}params:
  p:
    type: bool
    help: $dq
$ev"
    run "$n event title" "${head_}events:
  - on: usdt:main:run_start
    title: $dq
    columns:
      - TID: tid
"
    run "$n column name" "${head_}events:
  - on: usdt:main:run_start
    columns:
      - {name: $dq, value: tid}
"
    run "$n column name, short form" "${head_}events:
  - on: usdt:main:run_start
    columns:
      - $dq: tid
"
    run "$n where literal" "${head_}events:
  - on: usdt:main:run_start
    where: 'comm != ${es:1:${#es}-2} && tid > 0'
    columns:
      - TID: tid
"
    run "$n literal after a backslash literal" "${head_}events:
  - on: usdt:main:run_start
    where: 'comm != \"x\\\\\" && comm != \"arg0\" && comm != ${es:1:${#es}-2} && tid > 0'
    columns:
      - TID: tid
"
    run "$n column value literal" "${head_}events:
  - on: usdt:main:run_start
    columns:
      - TID: tid
      - {name: WHAT, value: $es}
"
    run "$n aggregate title and by literal" "${head_}aggregates:
  calls:
    on: usdt:main:run_start
    value: count()
    by: [tid, $es]
    title: $dq
"
    run "$n table title and total" "${head_}aggregates:
  calls:
    on: usdt:main:run_start
    title: $dq
    columns:
      - THREAD: tid
      - CALLS: count()
    total: {label: $dq, except: $dq}
"
    run "$n string default" "${head_}params:
  s:
    type: string
    default: $dq
events:
  - on: usdt:main:run_start
    where: comm != \$s
    columns:
      - TID: tid
      - S: \$s
"
    run "$n enum value" "${head_}params:
  e:
    type: enum
    values: [$dq, plain]
    default: $dq
events:
  - on: usdt:main:run_start
    where: \$e != \"plain\"
    columns:
      - E: \$e
"
    run "$n -p string" "$head_$params" -p "s=$v"
    run "$n -p enum" "$head_$params" -p "e=$v"
    run "$n -p probe" "$head_$params" -p "pr=$v"
    run "$n -p flow" "$head_$params" -p "f=$v"
    run "$n flow default" "${head_}params:
  f:
    type: odp_flow
    default: $dq
events:
  - on: usdt:dpif_recv:recv_upcall
    where: match(key, \$f)
    columns:
      - TID: tid
"
    run "$n -p name" "$head_$params" -p "$v=1"
    run "$n probe in on:" "${head_}events:
  - on: $dq
    columns:
      - TID: tid
"
    run "$n span name" "${head_}spans:
  $dq:
    from: usdt:main:run_start
    to: usdt:main:poll_block
    key: tid
$ev"
    run "$n capture name" "${head_}spans:
  run:
    from: usdt:main:run_start
    to: usdt:main:poll_block
    key: tid
    capture:
      $dq: tid
$ev"
    run "$n watch list id" "${head_}params:
  f:
    type: odp_flow
watch:
  flows:
    id: $dq
    follow: match(key, \$f)
events:
  - on: usdt:revalidate:flow_result
    where: watched(flows, ukey)
    columns:
      - TID: tid
"
    run "$n --target" "$head_$ev" --target "/tmp/$v"
    # The recipe's file name is in the script's header.
    fname=${v//\//_}
    printf '%s%s' "$head_" "$ev" > "$work/$fname.recipe" 2>/dev/null || continue
    (cd "$work" && "$OVSTRACE" compile "./$fname.recipe" >"$work/out" 2>"$work/err" </dev/null)
    status=$?
    check "$n file name"
    rm -f "$work/$fname.recipe"
done

# Many refusals are expected (names are identifiers, values printable); a path that
# accepted nothing at all would mean the test no longer reaches the script.
echo "hostile values: ${#hostile[@]}; compiled and inert: $accepted; refused with a diagnostic: $refused"
[ "$accepted" -ge 60 ] || { echo "FAIL: only $accepted hostile values compiled; the test lost its reach"; fail=1; }

# Real bpftrace: scripts with every accepting path at once must be valid bpftrace.
if [ "$(id -u)" = 0 ] && command -v bpftrace >/dev/null && [ -n "${STANDIN:-}" ] && [ -x "${STANDIN:-}" ]; then
    for i in 0 1 2 3 4 5 8 10; do
        v=${hostile[$i]}
        dq=$(yaml_dq "$v")
        es=$(expr_str "$v")
        cat > "$work/all.recipe" <<EOF
name: inject_all
summary: $dq
params:
  s:
    type: string
    default: $dq
  e:
    type: enum
    values: [$dq, plain]
    default: $dq
events:
  - on: usdt:main:run_start
    title: $dq
    where: 'comm != "x\\\\" && comm != "arg0" && comm != \$s && \$e != "plain" && comm != ${es:1:${#es}-2} && tid > 0'
    columns:
      - {name: $dq, value: tid}
      - S: \$s
      - E: \$e
      - {name: WHAT, value: $es}
aggregates:
  calls:
    on: usdt:main:run_start
    value: count()
    by: [tid, $es]
    title: $dq
  table:
    on: usdt:main:poll_block
    title: $dq
    columns:
      - THREAD: tid
      - CALLS: count()
EOF
        if ! "$OVSTRACE" compile "$work/all.recipe" --target "$STANDIN" -p "s=${v:0:60}" -o "$work/all.bt" 2>"$work/err"; then
            # The -p value may be refused (control characters): compile with the default then.
            "$OVSTRACE" compile "$work/all.recipe" --target "$STANDIN" -o "$work/all.bt" 2>"$work/err" || {
                echo "FAIL bpftrace #$i: the combined recipe does not compile:"; head -5 "$work/err"; fail=1; continue; }
        fi
        cp "$work/all.bt" "$work/out"
        status=0
        check "#$i combined"
        # Not niced: at nice 15 beside four busy processes bpftrace gets about 2 % of a CPU
        # and its few seconds of LLVM would take minutes.
        if ! timeout 120 bpftrace --emit-elf "$work/all.elf" "$work/all.bt" >"$work/bt.out" 2>"$work/bt.err"; then
            echo "FAIL bpftrace #$i: bpftrace refuses the script:"
            grep -v "RLIMIT_MEMLOCK" "$work/bt.err" | head -5
            fail=1
        else
            echo "bpftrace accepts the combined script for #$i"
        fi
    done
else
    echo "bpftrace check skipped (needs root, bpftrace and STANDIN)"
fi
exit $fail
