#!/usr/bin/env bash
# The batch mode end to end, and one `check` as a whole process, with the release binary.
#   benches/batch.sh            # a million generated cases (BATCH_CASES=N for another count)
# Prints cases per second and peak memory (/usr/bin/time -v), then `check` on one example
# (hyperfine when installed, else a loop timed by the shell), then the hand-written workload
# loop's rate: this shared VM's speed drifts, and that rate says how fast it ran just then.
# Not part of `cargo test`.
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
echo
rate=$(cargo bench --quiet --bench engine -- 1_hand_written 2>&1 \
  | grep -A1 '1_hand_written' | tail -n 1 | awk -F'│' '{gsub(/^ +| +$/, "", $3); print $3}')
echo "the VM's speed just then: the hand-written workload loop at ${rate:-?} (median)"
