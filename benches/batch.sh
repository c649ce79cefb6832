#!/usr/bin/env bash
# The batch mode end to end, and one `check` as a whole process, with the release binary.
#   benches/batch.sh            # a million generated cases (BATCH_CASES=N for another count)
# Prints cases per second and peak memory (/usr/bin/time -v), then `check` on one example
# (hyperfine when installed, else a loop timed by the shell). Not part of `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
cargo test --release --quiet --test tests batch::end_to_end_million -- --ignored --nocapture 2>&1 \
  | grep -E '^(batch end|  )'
echo
if command -v hyperfine >/dev/null; then
  hyperfine --warmup 5 --runs 100 --style basic -N \
    'target/release/policy-calc check examples/building_project.toml' 2>&1 | grep -E 'Time|Range'
else
  n=200
  s=$(date +%s%N)
  for _ in $(seq $n); do target/release/policy-calc check examples/building_project.toml >/dev/null; done
  e=$(date +%s%N)
  echo "check examples/building_project.toml: $(( (e - s) / n / 1000 )) µs a process (mean of $n)"
fi
