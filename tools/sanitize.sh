#!/usr/bin/env bash
# Build verbs with AddressSanitizer and UndefinedBehaviorSanitizer in a copy of the tree
# (the in-place build is left alone) and run the tests and the differential fuzzer on it.
#
# usage: tools/sanitize.sh [options] [pytest arguments...]
#   --dir DIR        where the copy and its build go (default: build/sanitize)
#   --no-build       reuse the instrumented build already in DIR
#   --no-tests       skip pytest
#   --conformance    also run the Ethereum state tests (tests/conformance; slow)
#   --fuzz N         run N programs of the differential fuzzer against revm (default 10000;
#                    0 skips it)
#   --seed S         the fuzzer's seed (default 7000)
# Pytest arguments choose a subset (default: tests, without tests/conformance).
# Exits non-zero if the build fails, a test fails, the fuzzer finds a mismatch, or a
# sanitizer reports anything (a report aborts the process; reports also go to DIR/logs/).
set -euo pipefail
# All in one function: bash has read it whole before it runs, so editing this file during a
# long run does not derail that run.
main() {
REPO="$(cd "$(dirname "$0")/.." && pwd)"
DIR="$REPO/build/sanitize"
BUILD=1 TESTS=1 CONFORMANCE=0 FUZZ=10000 SEED=7000
PYTEST_ARGS=()
while (($#)); do
  case "$1" in
    --dir) DIR="$(realpath -m "$2")"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --no-tests) TESTS=0; shift ;;
    --conformance) CONFORMANCE=1; shift ;;
    --fuzz) FUZZ="$2"; shift 2 ;;
    --seed) SEED="$2"; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) PYTEST_ARGS+=("$1"); shift ;;
  esac
done
SHARED="${VERBS_SHARED:-$(realpath -m "$REPO/../shared")}"
LOGS="$DIR/logs/$(date +%Y%m%d-%H%M%S)-$$"  # one folder per run: runs may overlap

if ((BUILD)); then
  # A fresh copy of the sources (tracked and untracked, not ignored), the generated .c files
  # with their times (setup.py translates again only where they are stale), and no .so.
  rm -rf "$DIR/src"
  mkdir -p "$DIR/src"
  (cd "$REPO" && { git ls-files -co --exclude-standard; ls verbs/_evm/*.c 2>/dev/null || true; } \
    | sort -u | while read -r f; do [[ -e "$f" || -L "$f" ]] && echo "$f"; done \
    | tar -cf - --no-recursion -T - | tar -xf - -C "$DIR/src")
  # Installed helpers that some tests use (anvil and solc-js, the original verbs' venv).
  for p in node_modules benchmarks/.venv-verbs04; do
    if [[ -e "$REPO/$p" ]]; then ln -s "$(realpath "$REPO/$p")" "$DIR/src/$p"; fi
  done
  echo "building with -fsanitize=address,undefined in $DIR/src"
  (cd "$DIR/src" && VERBS_SANITIZE=address,undefined nice -n 10 \
    python setup.py build_ext --inplace --force >"$DIR/build.log" 2>&1) \
    || { tail -30 "$DIR/build.log"; echo "sanitize: build failed ($DIR/build.log)"; exit 1; }
fi
[[ -d "$DIR/src/verbs" ]] || { echo "sanitize: no build in $DIR (run without --no-build)"; exit 1; }

mkdir -p "$LOGS"
LIBASAN="$(gcc -print-file-name=libasan.so)"
[[ -e "$LIBASAN" ]] || { echo "sanitize: libasan.so not found (gcc -print-file-name)"; exit 1; }
# CPython's own allocations look leaked at exit: leaks are not checked. A 1024-deep call
# chain needs about 10 MB of stack under ASan.
export LD_PRELOAD="$LIBASAN"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:halt_on_error=1:log_path=$LOGS/asan"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$LOGS/ubsan"
# pycryptodome opens its libraries with RTLD_DEEPBIND, which the ASan runtime refuses.
export PYCRYPTODOME_DISABLE_DEEPBIND=1
export PYTHONPATH="$DIR/src" VERBS_SHARED="$SHARED" PYTHONFAULTHANDLER=1
# The state tests: the instrumented EVM is too slow for their usual time budget.
export VERBS_ETHTESTS="${VERBS_ETHTESTS:-$SHARED/ethtests}"
export VERBS_CONFORMANCE_BUDGET="${VERBS_CONFORMANCE_BUDGET:-0}"
ulimit -s 65536

check_reports() {
  local reports
  reports=$(ls "$LOGS"/asan.* "$LOGS"/ubsan.* 2>/dev/null || true)
  if [[ -n "$reports" ]]; then
    echo "sanitize: sanitizer reports:"
    for r in $reports; do echo "== $r"; head -60 "$r"; done
    return 1
  fi
}

status=0
cd "$DIR/src"
python -c 'import verbs._evm.evm as m; assert b"__asan_init" in open(m.__file__, "rb").read(), m.__file__' \
  || { echo "sanitize: verbs._evm is not the instrumented build"; exit 1; }
if ((TESTS)); then
  if ((${#PYTEST_ARGS[@]} == 0)); then
    PYTEST_ARGS=(tests)
    ((CONFORMANCE)) || PYTEST_ARGS+=(--ignore=tests/conformance)
  elif ((CONFORMANCE)); then
    PYTEST_ARGS+=(tests/conformance)
  fi
  # --capture=sys: a report written to fd 2 by a process that then aborts must not vanish
  # with pytest's capture file.
  echo "pytest ${PYTEST_ARGS[*]}"
  SECONDS=0
  nice -n 10 python -m pytest -q --capture=sys -p no:cacheprovider "${PYTEST_ARGS[@]}" || status=1
  echo "pytest: exit $status after ${SECONDS}s"
  check_reports || status=1
fi
if ((FUZZ > 0)); then
  echo "fuzz: $FUZZ programs against revm, seed $SEED"
  SECONDS=0
  nice -n 10 python -m tests.fuzz run --oracle revm --seed "$SEED" --count "$FUZZ" \
    --every 1000 || status=1
  echo "fuzz: exit $status after ${SECONDS}s"
  check_reports || status=1
fi
exit $status
}
main "$@"
