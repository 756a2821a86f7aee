#!/usr/bin/env bash
# Regenerate reports/conformance/: run the suite on every installed target, then write the matrix.
#
#   scripts/conformance-matrix.sh                         # every target whose engine is installed
#   MATRIX_TARGETS="torch mygrad" scripts/conformance-matrix.sh
#   MATRIX_TOX="dezero paddle tensorflow" scripts/conformance-matrix.sh   # these run in their tox env
#   MATRIX_TARGETS= MATRIX_TOX= scripts/conformance-matrix.sh             # only re-render the matrix
#
# Each target writes reports/conformance/TARGET.json (--conformance-report); the matrix
# (matrix.md, matrix.html) and the README's per-engine summary are generated from those files,
# never edited by hand. A target whose engine is not installed is left out with a line saying so.
# The HTML page embeds the benchmark plots of reports/benchmarks/ (scripts/bench-report.sh) if present.
set -uo pipefail
cd "$(dirname "$0")/.."

out=reports/conformance
targets=${MATRIX_TARGETS-"torch tinygrad mygrad micrograd autograd jax mlx"}
tox_targets=${MATRIX_TOX-"dezero"}
mkdir -p "$out"

for target in $targets; do
  if ! problem=$(python -m conformance.resolve "$target" 2>&1); then
    echo "conformance-matrix: leaving out $target: $problem"
    continue
  fi
  echo "conformance-matrix: running the suite on $target"
  python -m pytest --target="$target" --device=cpu --hypothesis-profile=ci -p no:cacheprovider -q -n 2 \
    --conformance-report="$out/$target.json" >"$out/$target.log" 2>&1
  tail -n 1 "$out/$target.log"
done

for target in $tox_targets; do
  if ! command -v tox >/dev/null; then
    echo "conformance-matrix: leaving out $target: tox is not installed"
    continue
  fi
  echo "conformance-matrix: running the suite on $target (tox -e $target)"
  tox -e "$target" -- --device=cpu --conformance-report="$PWD/$out/$target.json" >"$out/$target.log" 2>&1
  tail -n 1 "$out/$target.log"
done
rm -f "$out"/*.log

shopt -s nullglob
plots=(reports/benchmarks/time_vs_size.png reports/benchmarks/ratio_to_torch.png reports/benchmarks/operators_ratio.png)
images=()
for plot in "${plots[@]}"; do
  [ -f "$plot" ] && images+=("$plot")
done
python -m conformance.reports.render "$out"/*.json --markdown "$out/matrix.md" --html "$out/matrix.html" \
  ${images[@]:+--images "${images[@]}"}
python -m conformance.reports.readme
echo "conformance-matrix: wrote $out/matrix.md, $out/matrix.html and the README summary"
