#!/usr/bin/env bash
# Benchmark cargo-predeploy against its peers on real codebases fetched from the package
# registries, pinned by version. One command from a clean checkout:
#
#   bash bench/run.sh            # fetch corpora, build release, run what is installed
#   bash bench/run.sh --install  # also pip-install the Python peers (semgrep, bandit, ruff, detect-secrets)
#   RUNS=5 bash bench/run.sh     # medians of 5 runs (default 3)
#
# Prints, for each tool and tree: median wall time, CPU time (user+sys), peak RSS, files/s, MB/s and
# the ratio to cargo-predeploy; plus a parse-only figure for our own parsers. Results are also
# written to bench/work/results.tsv. Nothing here is a test: timings live in bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$ROOT/bench/work
RUNS=${RUNS:-3}
mkdir -p "$WORK/corpus" "$WORK/dl"

INSTALL=0
[ "${1:-}" = "--install" ] && INSTALL=1

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

fetch_python() {
  local d=$WORK/corpus/python
  [ -d "$d" ] && return
  mkdir -p "$d"
  for p in "${PY_PKGS[@]}"; do
    pip download --quiet --no-binary :all: --no-deps -d "$WORK/dl" "$p" || echo "warning: could not download $p" >&2
  done
  shopt -s nullglob
  for f in "$WORK"/dl/*.tar.gz; do tar -xzf "$f" -C "$d"; done
}

fetch_js() {
  local d=$WORK/corpus/js
  [ -d "$d" ] && return
  mkdir -p "$d"
  for p in "${NPM_PKGS[@]}"; do
    (cd "$WORK/dl" && npm pack --silent "$p" >/dev/null) || echo "warning: could not pack $p" >&2
  done
  shopt -s nullglob
  for f in "$WORK"/dl/*.tgz; do
    local n; n=$(basename "$f" .tgz)
    mkdir -p "$d/$n" && tar -xzf "$f" -C "$d/$n"
  done
}

fetch_rust() {
  local d=$WORK/corpus/rust
  [ -d "$d" ] && return
  local proj=$WORK/rust-vendor
  mkdir -p "$proj/src"
  printf '[package]\nname = "bench-vendor"\nversion = "0.0.0"\nedition = "2021"\n[workspace]\n[dependencies]\n%s\n' "$CRATES" > "$proj/Cargo.toml"
  echo 'fn main() {}' > "$proj/src/main.rs"
  (cd "$proj" && cargo vendor --quiet "$d" >/dev/null)
}

echo "fetching corpora into $WORK/corpus (cached after the first run)..."
fetch_python
fetch_js
fetch_rust
# A secrets-heavy tree: everything above plus non-code text files already inside the packages.

echo "building cargo-predeploy (release)..."
cargo build --release --quiet -p cargo-predeploy -p predeploy-rules --example parse_only
BIN=$ROOT/target/release/cargo-predeploy
PARSE=$ROOT/target/release/examples/parse_only

if [ $INSTALL = 1 ]; then
  pip install --quiet semgrep bandit ruff detect-secrets || true
fi

# ---------------------------------------------------------------- measuring
RESULTS=$WORK/results.tsv
printf 'tree\ttool\twall_s\tcpu_s\tpeak_mb\tfiles\tmb\n' > "$RESULTS"

files_of() { find "$1" -type f \( -name '*.py' -o -name '*.js' -o -name '*.ts' -o -name '*.tsx' -o -name '*.jsx' -o -name '*.mjs' -o -name '*.cjs' -o -name '*.rs' \) | wc -l; }
mb_of() { du -sm "$1" | cut -f1; }

# run TREE TOOL CMD...: median of $RUNS runs of wall/cpu/peak.
run() {
  local tree=$1 tool=$2; shift 2
  local walls=() cpus=() peaks=()
  for _ in $(seq "$RUNS"); do
    local out
    out=$( { /usr/bin/time -f '%e %U %S %M' "$@" >/dev/null 2>/dev/null; } 2>&1 | tail -1 ) || true
    read -r w u s m <<<"$out"
    walls+=("$w"); cpus+=("$(echo "$u + $s" | bc)"); peaks+=("$((m / 1024))")
  done
  local mw mc mp
  mw=$(printf '%s\n' "${walls[@]}" | sort -g | sed -n "$(( (RUNS + 1) / 2 ))p")
  mc=$(printf '%s\n' "${cpus[@]}" | sort -g | sed -n "$(( (RUNS + 1) / 2 ))p")
  mp=$(printf '%s\n' "${peaks[@]}" | sort -g | sed -n "$(( (RUNS + 1) / 2 ))p")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tree" "$tool" "$mw" "$mc" "$mp" "$(files_of "$WORK/corpus/$tree")" "$(mb_of "$WORK/corpus/$tree")" >> "$RESULTS"
}

have() { command -v "$1" >/dev/null 2>&1; }

for tree in python js rust; do
  dir=$WORK/corpus/$tree
  echo "measuring $tree ($(files_of "$dir") code files, $(mb_of "$dir") MB)..."
  run "$tree" cargo-predeploy "$BIN" check --no-cache --format json --fail-on critical "$dir"
  run "$tree" parse-only "$PARSE" "$dir"
  have semgrep && run "$tree" semgrep semgrep scan --metrics=off --disable-version-check --config "$ROOT/bench/semgrep-rules.yml" --json --quiet "$dir"
  if [ $tree = python ]; then
    have bandit && run "$tree" bandit bandit -r -q -f json "$dir"
    have ruff && run "$tree" "ruff-S" ruff check --no-cache --select S --exit-zero --quiet "$dir"
  fi
  have detect-secrets && run "$tree" detect-secrets detect-secrets scan --all-files "$dir"
  have foxguard && run "$tree" foxguard foxguard "$dir"
done
if have cargo-audit; then
  lock=$WORK/rust-vendor/Cargo.lock
  [ -f "$lock" ] && run rust cargo-audit cargo-audit audit --no-fetch --file "$lock"
fi

# ---------------------------------------------------------------- report
python3 - "$RESULTS" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
ours = {r["tree"]: float(r["wall_s"] or 0) for r in rows if r["tool"] == "cargo-predeploy"}
print(f"{'tree':8} {'tool':16} {'wall s':>8} {'cpu s':>8} {'peak MB':>8} {'files/s':>9} {'MB/s':>7} {'x ours':>7}")
for r in rows:
    w = float(r["wall_s"] or 0) or 1e-9
    f, mb = int(r["files"]), float(r["mb"])
    ratio = w / ours.get(r["tree"], w) if ours.get(r["tree"]) else 0
    print(f"{r['tree']:8} {r['tool']:16} {w:8.2f} {float(r['cpu_s'] or 0):8.2f} {r['peak_mb']:>8} {f / w:9.0f} {mb / w:7.1f} {ratio:7.1f}")
PY
