#!/usr/bin/env bash
# Regenerate reports/benchmarks/: benchmark every installed light target beside torch, then report.
#
#   scripts/bench-report.sh                       # every light target that is installed
#   BENCH_TARGETS="torch mygrad" scripts/bench-report.sh
#   scripts/bench-report.sh --benchmark-sizes=3,100,1000    # extra arguments go to each pytest run
#
# A target whose engine is not installed is left out with a line saying so; one that clashes with this
# environment but has a tox environment (dezero) runs there, tox creating it on first use. Each run
# times the spec programs and every catalogue operator the target offers (--benchmark-operators=none
# leaves the operators out, --benchmark-operators=exp,sum picks some) and writes its --benchmark-json
# into a scratch folder; the report command keeps them, without raw timings, in
# reports/benchmarks/runs/ and writes report.md, time_vs_size.{png,svg}, ratio_to_torch.{png,svg} and
# operators_ratio.{png,svg}.
# Needs the bench extra for the plots: pip install -e '.[bench]'. Keep the machine otherwise idle.
#
# OMP_NUM_THREADS defaults to 1: on a small shared machine, other work starves OpenMP's worker threads
# and torch's rounds from ~32k elements up jump from microseconds to hundreds of milliseconds, which
# measures the scheduler, not the engine. Set it (OMP_NUM_THREADS=16 scripts/bench-report.sh) to let
# the engines use their threads; the report shows the value each run had.
set -euo pipefail
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
cd "$(dirname "$0")/.."

out=reports/benchmarks
targets=${BENCH_TARGETS:-"torch tinygrad mygrad dezero autograd jax mlx micrograd"}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

for target in $targets; do
  run=(python)
  if ! problem=$(python -m conformance.resolve "$target" 2>&1); then
    # an engine that clashes with this environment (dezero: numpy<1.24) runs in its tox environment
    if grep -q "^\[testenv:$target\]" tox.ini && command -v tox >/dev/null \
      && tox exec -q -e "$target" -- python -m conformance.resolve "$target" >/dev/null 2>&1; then
      run=(tox exec -q -e "$target" -- python)
    else
      echo "bench-report: leaving out $target: $problem"
      continue
    fi
  fi
  echo "bench-report: benchmarking $target beside torch${run[1]:+ (in tox -e $target)}"
  "${run[@]}" -m pytest --target="$target" --device=cpu --benchmark-only --benchmark-json="$scratch/$target.json" \
    -p no:cacheprovider -q -rs --benchmark-max-time=0.5 "$@"
done

shopt -s nullglob
runs=("$scratch"/*.json)
if [ ${#runs[@]} -eq 0 ]; then
  echo "bench-report: no target could be benchmarked" >&2
  exit 1
fi
rm -rf "$out/runs"
python -m conformance.benchmarks.report "${runs[@]}" --out "$out"
