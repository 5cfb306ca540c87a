#!/usr/bin/env bash
# Measures faldash at fal's scale (issue 9), before and after a change, in
# one run: builds faldash from a commit ("before") and from this working
# tree ("after"), runs internal/perfprobe on both against the synthetic
# controller (internal/synthctl), times the listing of every runner against
# fal's own client, then runs the Go benchmarks in both trees and compares
# them with benchstat. Prints one table of the probe's figures and
# benchstat's; everything is also kept in the output directory.
#
#   scripts/perf.sh                 # the full run: 100k runners, 90 s soak (about half an hour)
#   scripts/perf.sh --quick         # 2,000 runners, short windows, no benchmarks (under a minute)
#
# Flags: --before COMMIT (default: the commit before the issue-9 work),
# --after COMMIT (default: the working tree as it is), --runners N,
# --soak DURATION, --idle DURATION, --presses N, --count N (benchmark
# runs per tree), --bench-limit DURATION (per package and tree, default
# 20m), --bench / --no-bench, --no-tui, --no-list, --no-fal, --out DIR
# (default: a new temporary directory).
#
# The harness itself (synthctl, perfprobe) and the benchmark files of
# this tree replace a measured tree's own, so both trees are measured by
# the same code; a benchmark package that does not compile there is
# reported and measured where it does. fal's CLI is ../shared/falcli/fal
# (or $FALDASH_FALCLI); without it the listing is timed for faldash alone.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

before=fed22fb426d031e7504dc1b6461fa79782fb7a5c
runners=100000 soak=90s idle=20s presses=100 count=5 repeat=3 benchlimit=20m
bench=1 tui=1 list=1 fal=1 out="" after=""
while [ $# -gt 0 ]; do
  case $1 in
    --quick) runners=2000 soak=6s idle=3s presses=20 repeat=1 bench=0 ;;
    --before) before=$2; shift ;;
    --after) after=$2; shift ;;
    --runners) runners=$2; shift ;;
    --soak) soak=$2; shift ;;
    --idle) idle=$2; shift ;;
    --presses) presses=$2; shift ;;
    --count) count=$2; shift ;;
    --bench-limit) benchlimit=$2; shift ;;
    --bench) bench=1 ;;
    --no-bench) bench=0 ;;
    --no-tui) tui=0 ;;
    --no-list) list=0 ;;
    --no-fal) fal=0 ;;
    --out) out=$2; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "perf.sh: unknown flag $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

falcli=${FALDASH_FALCLI:-$repo/../shared/falcli/fal}
if [ "$fal" = 1 ] && [ ! -x "$falcli" ]; then
  echo "perf.sh: no fal CLI at $falcli; timing faldash's listing alone" >&2
  fal=0
fi
out=${out:-$(mktemp -d -t faldash-perf-XXXXXX)}
mkdir -p "$out"
work=$(mktemp -d -t faldash-perf-build-XXXXXX)
trap 'rm -rf "$work"' EXIT

# Packages that moved in issue 12's relayout, as NEW:OLD. A tree from
# before the move (the default --before is one) has them at OLD: this
# tree's harness and benchmark files go there with their imports
# rewritten, and the benchmarks of a moved package are run there.
moved=(internal/ui/table:tui/table internal/ui/lineedit:tui/lineedit
  internal/ui/sanitize:tui/sanitize internal/ui/theme:tui/theme
  internal/names:names internal/scaling:scaling internal/demo:demo
  internal/samplerunner:samplerunner internal/apitest:apitest internal/e2e:e2e
  server/localctl:localctl)

# tree_path DIR PATH: where PATH (a path of this layout) is in the tree in
# DIR: its old path when DIR has the package only there.
tree_path() {
  local m new old
  for m in "${moved[@]}"; do
    new=${m%%:*} old=${m#*:}
    case $2 in
      "$new"|"$new"/*)
        if [ ! -d "$1/$new" ] && [ -d "$1/$old" ]; then
          echo "$old${2#"$new"}"
          return
        fi ;;
    esac
  done
  echo "$2"
}

# export COMMIT DIR: the tree of COMMIT in DIR, measured by the same code
# as the other tree: this tree's harness and benchmark files replace its
# own, and packages the harness needs are added where it lacks them.
export_tree() {
  mkdir -p "$2"
  git archive "$1" | tar -x -C "$2"
  local same=(internal/synthctl internal/perfprobe internal/panetest/bench.go client/perf_bench_test.go)
  local p f m rewrite=()
  for f in views/*/bench_test.go; do same+=("$f"); done
  # The copied files import the moved packages by their new paths; in an
  # older tree they import them by the old.
  for m in "${moved[@]}"; do
    if [ "$(tree_path "$2" "${m%%:*}")" != "${m%%:*}" ]; then
      rewrite+=(-e "s#\"github.com/faldash/faldash/${m%%:*}\([\"/]\)#\"github.com/faldash/faldash/${m#*:}\1#g")
    fi
  done
  # copy_in FILE DIR: this tree's FILE into the tree in DIR, at its path there.
  copy_in() {
    local to
    to=$2/$(tree_path "$2" "$1")
    mkdir -p "$(dirname "$to")"
    cp "$1" "$to"
    if [ ${#rewrite[@]} -gt 0 ]; then sed -i "${rewrite[@]}" "$to"; fi
  }
  for p in "${same[@]}"; do
    [ -e "$p" ] || continue
    if [ -d "$p" ]; then
      for f in "$p"/*.go; do
        case $f in *_test.go) ;; *) copy_in "$f" "$2" ;; esac
      done
    else
      copy_in "$p" "$2"
    fi
  done
  if [ ! -d "$2/internal/procfs" ]; then
    mkdir -p "$2/internal/procfs"
    for f in internal/procfs/*.go; do
      case $f in *_test.go) ;; *) cp "$f" "$2/$f" ;; esac
    done
  fi
}

export_tree "$before" "$work/before"
if [ -n "$after" ]; then
  export_tree "$after" "$work/after"
  afterdir=$work/after
  echo "== trees: before $(git rev-parse --short "$before"), after $(git rev-parse --short "$after")"
else
  afterdir=$repo
  echo "== trees: before $(git rev-parse --short "$before"), after: the working tree at $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . || echo ', with changes')"
fi

echo "== build"
for tree in before after; do
  dir=$work/before
  [ "$tree" = after ] && dir=$afterdir
  (cd "$dir" && go build -o "$work/faldash-$tree" . && go build -o "$work/perfprobe-$tree" ./internal/perfprobe)
done
probe=$work/perfprobe-after

: > "$out/perf.txt"
if [ "$tui" = 1 ]; then
  echo "== the dashboard in a terminal, ${runners} runners (soak ${soak})"
  "$probe" tui --bin before="$work/faldash-before" --bin after="$work/faldash-after" \
    --runners "$runners" --soak "$soak" --idle "$idle" --presses "$presses" --keep "$out" \
    | tee -a "$out/perf.txt" | grep '^PERF' || echo "perf.sh: the terminal measurement failed (see above)" >&2
fi

if [ "$list" = 1 ]; then
  echo "== listing every runner, faldash and fal's own client, one controller"
  listargs=(list --runners "$runners" --repeat "$repeat" --lister before="$work/perfprobe-before" --lister after="$work/perfprobe-after")
  [ "$fal" = 1 ] && listargs+=(--fal "$falcli")
  "$probe" "${listargs[@]}" | tee -a "$out/perf.txt" | grep '^PERF' || echo "perf.sh: the listing comparison failed (see above)" >&2
fi

if [ "$bench" = 1 ]; then
  echo "== Go benchmarks, -count $count, both trees"
  # package:pattern:benchtime; client's logs benchmark is left out. The
  # panes' benchmarks prepare every iteration untimed (a new listing), so
  # a fixed count bounds them where go's default 1s of timed work would
  # take thousands of preparations once the timed part is fast.
  benches=(./client:Runners:1s ./internal/ui/table:.:1s ./views/runners:.:10x ./views/apps:.:10x ./views/envs:.:10x ./views/secrets:.:10x)
  # Each package's benchmarks run from a compiled test binary under
  # timeout: go test's own -timeout does not cover benchmarks.
  for tree in before after; do
    dir=$work/before
    [ "$tree" = after ] && dir=$afterdir
    : > "$out/bench-$tree.txt"
    : > "$out/bench-$tree.err"
    for b in "${benches[@]}"; do
      IFS=: read -r pkg re benchtime <<< "$b"
      # A moved package runs where the tree has it, and its figures are
      # named by this layout's path, so benchstat sets the trees side by
      # side (it groups benchmarks by their pkg: line).
      name=${pkg#./}
      pkg=./$(tree_path "$dir" "$name")
      [ -d "$dir/$pkg" ] || continue
      bin=$work/bench-$tree-$(basename "$pkg").test
      if ! (cd "$dir" && go test -c -o "$bin" "$pkg") 2>> "$out/bench-$tree.err"; then
        echo "perf.sh: $pkg's benchmarks do not compile in the $tree tree (see $out/bench-$tree.err)" >&2
        continue
      fi
      [ -x "$bin" ] || continue # no tests there
      if ! (cd "$dir/$pkg" && timeout --kill-after=10s "$benchlimit" "$bin" -test.run '^$' -test.bench "$re" \
          -test.benchtime "$benchtime" -test.benchmem -test.count "$count" |
          sed "s#^pkg: github.com/faldash/faldash/${pkg#./}\$#pkg: github.com/faldash/faldash/$name#") >> "$out/bench-$tree.txt" 2>> "$out/bench-$tree.err"; then
        echo "perf.sh: $pkg's benchmarks failed or ran over $benchlimit in the $tree tree" >&2
      fi
    done
  done
  if ! go run golang.org/x/perf/cmd/benchstat@latest "$out/bench-before.txt" "$out/bench-after.txt" > "$out/benchstat.txt" 2>&1; then
    echo "perf.sh: benchstat is not available; the raw figures are in $out/bench-*.txt" >&2
  fi
fi

echo
echo "== results (also in $out)"
"$probe" table < "$out/perf.txt"
[ -s "$out/benchstat.txt" ] && { echo; cat "$out/benchstat.txt"; }
exit 0
