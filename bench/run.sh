#!/usr/bin/env bash
# Benchmark cargo-predeploy against its peers on real codebases fetched from the package
# registries, pinned by version. One command from a clean checkout:
#
#   bash bench/run.sh --install  # pip-install the peers into a venv, fetch corpora, build, measure
#   bash bench/run.sh            # same, with whatever peers are already installed
#   RUNS=5 bash bench/run.sh     # medians of 5 runs (default 3)
#
# Environment knobs:
#   RUNS=N          runs per measurement (median reported), default 3
#   SLOW_RUNS=N     runs for the slow peers (Semgrep, Bandit, foxguard, detect-secrets), default RUNS
#   TIMEOUT=S       give up on one run after S seconds (default 900), reported as a timeout
#   TREES="..."     which trees, default "python js rust small all lock"
#   TOOLS="..."     only these tools (names as in the table), default all
#   RESULTS=F       where the raw figures go, default bench/out/results.tsv
#   MAX_LOAD=X      before each measurement wait until the 1-minute load average is below X...
#   WAIT_UNTIL=T    ...but not past time T (anything `date -d` reads, e.g. 15:10); default 15 min
#   BENCH_CORPUS=D  where the corpora live (default ~/.cache/cargo-predeploy-bench/corpus)
#   ADVISORY_DB=D   a RustSec advisory-db checkout for the `lock` tree (default ~/.cargo/advisory-db)
#
# Prints, for each tree and tool: median wall time, CPU time (user+sys), peak RSS, files/s, MB/s,
# MB per CPU-second (throughput per core), the ratio to cargo-predeploy and the 1-minute load
# average when the measurement started. Results also go to bench/out/results.tsv.
# Nothing here is a test: the figures live in bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$ROOT/bench/out
# The corpora live OUTSIDE this git repository: inside it, the repository's .gitignore (which
# ignores bench/out/) applies to them, and gitignore-aware tools (ours, Semgrep, ruff, foxguard)
# would silently scan nothing.
CORPUS=${BENCH_CORPUS:-${XDG_CACHE_HOME:-$HOME/.cache}/cargo-predeploy-bench/corpus}
DL=$CORPUS/../downloads
RUNS=${RUNS:-3}
SLOW_RUNS=${SLOW_RUNS:-$RUNS}
TIMEOUT=${TIMEOUT:-900}
TREES=${TREES:-python js rust small all lock}
MAX_LOAD=${MAX_LOAD:-}
WAIT_UNTIL=${WAIT_UNTIL:-}
ADVISORY_DB=${ADVISORY_DB:-$HOME/.cargo/advisory-db}
mkdir -p "$WORK" "$CORPUS" "$DL"

INSTALL=0
[ "${1:-}" = "--install" ] && INSTALL=1

die() { echo "error: $*" >&2; exit 1; }

# ---------------------------------------------------------------- peers
# Python peers go into their own virtualenv: Semgrep pins dependency versions (jsonschema...) that
# conflict with other packages of a shared interpreter. foxguard ships as a PyPI wheel too.
VENV=$WORK/peers
if [ $INSTALL = 1 ]; then
  echo "installing the peers into $VENV..."
  [ -x "$VENV/bin/pip" ] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --upgrade semgrep bandit ruff detect-secrets foxguard
  # cargo-audit is a cargo install (minutes of compiling): only if asked.
  if [ "${INSTALL_CARGO_AUDIT:-0}" = 1 ]; then cargo install --locked cargo-audit; fi
fi
[ -d "$VENV/bin" ] && export PATH=$VENV/bin:$PATH

# ---------------------------------------------------------------- corpora (pinned)
PY_PKGS=(Django==5.1.4 flask==3.0.3 requests==2.32.3 sqlalchemy==2.0.36)
NPM_PKGS=(express@4.21.2 @nestjs/core@10.4.15 typeorm@0.3.20 knex@3.1.0 sequelize@6.37.5 axios@1.7.9)
CRATES='tokio = "=1.41.1"
axum = "=0.7.9"
actix-web = "=4.9.0"
sqlx = { version = "=0.8.2", default-features = false, features = ["macros", "postgres", "runtime-tokio"] }
diesel = { version = "=2.2.6", features = ["postgres"] }
reqwest = { version = "=0.12.9", default-features = false }
serde_json = "=1.0.133"
regex = "=1.11.1"'

# Each tree is fetched into DIR.partial and renamed when complete, so an interrupted fetch is
# retried instead of leaving a half tree that later runs would measure.
fetch_python() {
  local d=$CORPUS/python tmp=$CORPUS/python.partial
  [ -d "$d" ] && return
  rm -rf "$tmp" && mkdir -p "$tmp"
  local p name ver f
  for p in "${PY_PKGS[@]}"; do
    name=${p%%==*} ver=${p##*==}
    # Source only for the package itself (`--no-binary NAME`): with `--no-binary :all:` pip also
    # builds the build backends' own sdists (setuptools, Cython...) just to read the metadata.
    python3 -m pip download --quiet --no-deps --no-binary "$name" -d "$DL" "$p" ||
      die "could not download the sdist of $p"
    f=$(find "$DL" -maxdepth 1 \( -iname "${name}-${ver}.tar.gz" -o -iname "${name}-${ver}.zip" \) | head -1)
    [ -n "$f" ] || die "pip saved no sdist for $p in $DL"
    case $f in
      *.zip) python3 -m zipfile -e "$f" "$tmp" ;;
      *) tar -xzf "$f" -C "$tmp" ;;
    esac
  done
  mv "$tmp" "$d"
}

fetch_js() {
  local d=$CORPUS/js tmp=$CORPUS/js.partial
  [ -d "$d" ] && return
  rm -rf "$tmp" && mkdir -p "$tmp"
  local p f
  for p in "${NPM_PKGS[@]}"; do
    f=$(cd "$DL" && npm pack --silent "$p" | tail -1) || die "could not pack $p"
    [ -f "$DL/$f" ] || die "npm pack saved no tarball for $p"
    mkdir -p "$tmp/${f%.tgz}" && tar -xzf "$DL/$f" -C "$tmp/${f%.tgz}"
  done
  mv "$tmp" "$d"
}

# Crates: a throwaway project depending on the pinned crates, vendored with the committed lock
# file (bench/corpus-rust.lock) so transitive versions are pinned too. Its Cargo.lock is also the
# `lock` tree (dependency audit: ours against cargo-audit).
fetch_rust() {
  local d=$CORPUS/rust tmp=$CORPUS/rust.partial proj=$CORPUS/lock
  [ -d "$d" ] && return
  rm -rf "$tmp" "$proj" && mkdir -p "$proj/src"
  printf '[package]\nname = "bench-vendor"\nversion = "0.0.0"\nedition = "2021"\npublish = false\n[workspace]\n[dependencies]\n%s\n' "$CRATES" >"$proj/Cargo.toml"
  echo 'fn main() {}' >"$proj/src/main.rs"
  cp "$ROOT/bench/corpus-rust.lock" "$proj/Cargo.lock"
  (cd "$proj" && cargo vendor --locked --quiet "$tmp" >/dev/null) || die "cargo vendor failed"
  mv "$tmp" "$d"
}

# Every tool gets the same files: remove what cargo-predeploy skips by default (build output,
# vendored and minified bundles: `DEFAULT_EXCLUDED_DIRS` and `is_minified_name` in
# rules/src/discover.rs), and give each tree an empty .semgrepignore, which turns off Semgrep's
# built-in ignore list (it skips tests/ and test/ directories otherwise).
prune() {
  local d=$1
  [ -f "$d/.pruned" ] && return
  find "$d" -mindepth 1 -depth -type d \( -name .git -o -name target -o -name node_modules \
    -o -name dist -o -name build -o -name out -o -name coverage -o -name .venv -o -name venv \
    -o -name env -o -name __pycache__ -o -name site-packages -o -name vendor -o -name third_party \
    -o -name .cargo -o -name .idea -o -name .yarn -o -name bower_components \) -exec rm -rf {} +
  find "$d" -type f \( -name '*.min.js' -o -name '*.min.css' -o -name '*.bundle.js' -o -name '*.map' \
    -o -name '*-lock.json' -o -name pnpm-lock.yaml -o -name yarn.lock \) -delete
  : >"$d/.semgrepignore"
  : >"$d/.pruned"
}

echo "fetching corpora into $CORPUS (cached after the first run)..."
fetch_python
fetch_js
fetch_rust
for t in python js rust; do prune "$CORPUS/$t"; done
: >"$CORPUS/.semgrepignore"

# tree name -> directory
tree_dir() {
  case $1 in
    small) echo "$CORPUS/python/flask-3.0.3" ;; # a small tree, to see memory against tree size
    all) echo "$CORPUS" ;;                      # everything at once
    *) echo "$CORPUS/$1" ;;
  esac
}

echo "building cargo-predeploy (release)..."
cargo build --release --quiet -p cargo-predeploy -p predeploy-rules --bins --example parse_only
# Where cargo put them: CARGO_TARGET_DIR (or a build.target-dir setting) moves the target dir.
TARGET=$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps 2>/dev/null |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])' 2>/dev/null ||
  echo "${CARGO_TARGET_DIR:-$ROOT/target}")
BIN=$TARGET/release/cargo-predeploy
PARSE=$TARGET/release/examples/parse_only

# A configuration with every rule off except the secrets family (checklist point 5), to measure the
# text pass alone: with no code rule enabled, code files are read but not parsed.
SECRETS_CFG=$WORK/secrets-only.toml
SECRET_RULES=$("$BIN" rules --format json | python3 -c '
import json, sys
rules = json.load(sys.stdin)
rules = rules.get("rules", rules) if isinstance(rules, dict) else rules
with open(sys.argv[1], "w") as out:
    out.write("[rules]\n")
    for r in rules:
        if r["checklist"] != 5:
            out.write("\"%s\" = \"off\"\n" % r["id"])
print(sum(r["checklist"] == 5 for r in rules))
' "$SECRETS_CFG")

# No tool may use the network: run everything in an empty network namespace where possible.
NONET=()
if unshare -n true 2>/dev/null; then NONET=(unshare -n); else echo "note: unshare -n unavailable; peers may reach the network" >&2; fi

# ---------------------------------------------------------------- measuring
RESULTS=${RESULTS:-$WORK/results.tsv}
TOOLS=${TOOLS:-}
printf 'tree\ttool\twall_s\tcpu_s\tpeak_mb\tfiles\tcode_files\tmb\tload1\n' >"$RESULTS"

count_files() { find "$1" -type f ! -name .semgrepignore ! -name .pruned | wc -l; }
count_code() { find "$1" -type f \( -name '*.py' -o -name '*.js' -o -name '*.ts' -o -name '*.tsx' -o -name '*.jsx' -o -name '*.mjs' -o -name '*.cjs' -o -name '*.rs' \) | wc -l; }
size_mb() { find "$1" -type f -printf '%s\n' | awk '{s += $1} END {printf "%.1f", s / 1048576}'; }
load1() { cut -d' ' -f1 /proc/loadavg; }

deadline=$(date -d "${WAIT_UNTIL:-+15 min}" +%s)
wait_for_quiet() {
  [ -n "$MAX_LOAD" ] || return 0
  while awk -v l="$(load1)" -v m="$MAX_LOAD" 'BEGIN {exit !(l >= m)}' && [ "$(date +%s)" -lt "$deadline" ]; do
    sleep 20
  done
}

# run TREE TOOL CMD...: median of $RUNS runs of wall/cpu/peak, run from inside the tree.
run() {
  local tree=$1 tool=$2; shift 2
  local dir n=$RUNS walls=() cpus=() peaks=() load
  dir=$(tree_dir "$tree")
  if [ -n "$TOOLS" ] && [[ " $TOOLS " != *" $tool "* ]]; then return 0; fi
  case $tool in semgrep | bandit | foxguard | detect-secrets) n=$SLOW_RUNS ;; esac
  wait_for_quiet
  load=$(load1)
  for _ in $(seq "$n"); do
    local rc w u s m
    (cd "$dir" && /usr/bin/time -o "$WORK/time.out" -f '%x %e %U %S %M' timeout "$TIMEOUT" "${NONET[@]}" "$@" >/dev/null 2>"$WORK/last.err") || true
    read -r rc w u s m < <(tail -1 "$WORK/time.out")
    if [ "$rc" = 124 ]; then
      echo "warning: $tool on $tree timed out after ${TIMEOUT}s" >&2
      tool="$tool (timeout)" walls=("$w") cpus=("$(echo "$u + $s" | bc)") peaks=("$((m / 1024))") n=1
      break
    fi
    if ! [[ $m =~ ^[0-9]+$ ]]; then
      echo "warning: $tool on $tree failed: $(tail -3 "$WORK/last.err")" >&2
      return 0
    fi
    walls+=("$w")
    cpus+=("$(echo "$u + $s" | bc)")
    peaks+=("$((m / 1024))")
  done
  local mid=$(((n + 1) / 2))
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tree" "$tool" \
    "$(printf '%s\n' "${walls[@]}" | sort -g | sed -n "${mid}p")" \
    "$(printf '%s\n' "${cpus[@]}" | sort -g | sed -n "${mid}p")" \
    "$(printf '%s\n' "${peaks[@]}" | sort -g | sed -n "${mid}p")" \
    "$(count_files "$dir")" "$(count_code "$dir")" "$(size_mb "$dir")" "$load" >>"$RESULTS"
}

have() { command -v "$1" >/dev/null 2>&1; }
have /usr/bin/time || die "/usr/bin/time is needed (Debian package 'time')"

SEMGREP=(semgrep scan --metrics=off --disable-version-check --no-git-ignore --config "$ROOT/bench/semgrep-rules.yml" --json --quiet)
OURS=("$BIN" check --no-cache --format json --fail-on critical)

for tree in $TREES; do
  dir=$(tree_dir "$tree")
  echo "measuring $tree ($(count_files "$dir") files, $(count_code "$dir") code files, $(size_mb "$dir") MB; load $(load1))..."
  if [ "$tree" = lock ]; then
    # Dependency audit of one Cargo.lock against the same advisory database.
    if [ -d "$ADVISORY_DB" ]; then
      run lock cargo-predeploy "${OURS[@]}" --advisory-db "$ADVISORY_DB" .
      have cargo-audit && run lock cargo-audit cargo-audit audit --no-fetch --db "$ADVISORY_DB" --file Cargo.lock --json
    else
      echo "  skipped: no advisory database at $ADVISORY_DB (set ADVISORY_DB)" >&2
    fi
    continue
  fi
  run "$tree" cargo-predeploy "${OURS[@]}" .
  run "$tree" parse-only "$PARSE" .
  [ "$SECRET_RULES" -gt 0 ] && run "$tree" "ours-secrets-only" "${OURS[@]}" --config "$SECRETS_CFG" .
  case $tree in small | all) continue ;; esac
  have semgrep && run "$tree" semgrep "${SEMGREP[@]}" .
  if [ "$tree" = python ]; then
    have bandit && run "$tree" bandit bandit -r -q -f json .
    have ruff && run "$tree" "ruff-S" ruff check --isolated --no-cache --no-respect-gitignore --select S --exit-zero --output-format json .
  fi
  have foxguard && run "$tree" foxguard foxguard --format json .
done
# Secret scanners alone. detect-secrets is pure Python and single-threaded (about 0.1 MB/s here):
# it only gets the small tree.
for tree in $TREES; do
  case $tree in lock) continue ;; esac
  have foxguard && run "$tree" foxguard-secrets foxguard secrets .
  [ "$tree" = small ] && have detect-secrets && run "$tree" detect-secrets detect-secrets scan --all-files .
done

# ---------------------------------------------------------------- report
echo "machine: $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB RAM; runs: $RUNS (slow peers $SLOW_RUNS)"
python3 - "$RESULTS" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
ours = {r["tree"]: float(r["wall_s"]) for r in rows if r["tool"] == "cargo-predeploy"}
print(f"{'tree':7} {'tool':18} {'wall s':>7} {'cpu s':>7} {'peak MB':>7} {'files':>6} {'files/s':>8} {'MB':>6} {'MB/s':>6} {'MB/cpu-s':>8} {'x ours':>6} {'load1':>5}")
for r in rows:
    w = max(float(r["wall_s"]), 1e-3)
    c = max(float(r["cpu_s"]), 1e-3)
    f, mb = int(r["files"]), float(r["mb"])
    ratio = f"{w / ours[r['tree']]:6.1f}" if r["tree"] in ours else "     -"
    print(f"{r['tree']:7} {r['tool']:18} {w:7.2f} {c:7.2f} {r['peak_mb']:>7} {f:6d} {f / w:8.0f} {mb:6.1f} {mb / w:6.1f} {mb / c:8.1f} {ratio} {r['load1']:>5}")
PY
