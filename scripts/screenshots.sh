#!/usr/bin/env bash
# Regenerates screenshots/*.png from the real faldash binary in --demo:
# tmux runs it at 120x36, send-keys walks the panes as a person would,
# capture-pane -e keeps the colours, aha turns them into HTML, and headless
# Chromium renders each page to a PNG. Installs tmux, aha and Chromium from
# Debian's packages when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."

need() {
  command -v "$1" >/dev/null && return
  apt-get update -qq
  apt-get install -y -qq "$2" >/dev/null
}
need tmux tmux
need aha aha
need chromium chromium
fc-list | grep -qi "dejavu sans mono" || apt-get install -y -qq fonts-dejavu-core >/dev/null

out=screenshots
mkdir -p "$out"
work=$(mktemp -d)
session=faldash-shots-$$
cleanup() {
  tmux kill-session -t "$session" 2>/dev/null || true
  # the demo removes its runners and directory on SIGHUP; give it time
  sleep 6
  rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/faldash" .

cols=120 rows=36
tmux new-session -d -s "$session" -x $cols -y $rows \
  "env TERM=xterm-256color COLORTERM=truecolor XDG_CONFIG_HOME=$work/config $work/faldash --demo --refresh 1s"

screen() { tmux capture-pane -p -t "$session"; }

# wait_for TEXT: until the screen shows TEXT (at most 60 s).
wait_for() {
  for _ in $(seq 600); do
    screen | grep -qF -- "$1" && return 0
    sleep 0.1
  done
  echo "screenshots: the screen never showed '$1':" >&2
  screen >&2
  exit 1
}

keys() { tmux send-keys -t "$session" "$@"; }

# shot NAME: the current screen as $out/NAME.png.
shot() {
  local name=$1 html=$work/$1.html
  {
    echo '<!doctype html><meta charset="utf-8"><style>'
    echo 'body{margin:0;background:#16161e}'
    echo 'pre{margin:0;padding:12px;font:14px/17px "DejaVu Sans Mono",monospace;color:#c0caf5;background:#16161e}'
    echo '</style><pre>'
    tmux capture-pane -e -p -t "$session" | aha --no-header --black
    echo '</pre>'
  } >"$html"
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$work/chromium" --hide-scrollbars \
    --window-size=$((cols * 84 / 10 + 24)),$((rows * 17 + 24)) \
    --screenshot="$out/$name.png" "file://$html" >/dev/null 2>&1
  echo "wrote $out/$name.png"
}

wait_for "3 environments"
shot environments

keys Enter
wait_for "whisper"
sleep 3 # let the first runners come up
shot apps

keys Enter
wait_for "› runners"
sleep 8 # traffic makes runners start, serve and go idle
shot runners

# two separate presses: sent together, they read as alt+esc
keys Escape; sleep 0.5; keys Escape
wait_for "› environments"
keys Down
keys Enter
wait_for "llm-chat"
keys 4
wait_for "DATABASE_URL"
shot secrets

keys 1
wait_for "› environments"
keys d
wait_for "Delete environment"
keys -l "stag"
sleep 1
shot delete-environment
keys Escape

keys 2
wait_for "llm-chat"
keys s
sleep 1
shot scale-form
keys Escape
