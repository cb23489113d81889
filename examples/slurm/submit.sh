#!/usr/bin/env bash
# Submit a sharded flow run: a SLURM job array drawing the proposal shards, and a merge job that
# starts when every shard succeeded. The run is what
#   gaugeflow sample --sampler flow --model $MODEL --seed $SEED --chains $CHAINS --n $N --therm $THERM --batch $BATCH
# computes on one machine, to the last bit.
#
#   MODEL=model.json OUT=/scratch/run1 SHARDS=64 examples/slurm/submit.sh [extra sbatch flags...]
#
# Settings (environment): MODEL, OUT (required); SHARDS [4]; SEED [1]; CHAINS [4]; N [1000];
# THERM [200]; BATCH [256]; RESULT [$OUT/result.json]; GAUGEFLOW [npx gaugeflow] (the command
# that runs gaugeflow on the compute nodes). Extra arguments go to both sbatch calls (e.g.
# --partition=..., --account=...). Logs go to $OUT/logs/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${MODEL:?set MODEL to the model file}" "${OUT:?set OUT to the shard directory}"
SHARDS=${SHARDS:-4}
[[ "$SHARDS" =~ ^[1-9][0-9]*$ ]] || { echo "submit: SHARDS must be a positive integer, got '$SHARDS'" >&2; exit 2; }
[ -r "$MODEL" ] || { echo "submit: cannot read MODEL $MODEL" >&2; exit 2; }
MODEL=$(cd "$(dirname "$MODEL")" && pwd)/$(basename "$MODEL")
mkdir -p "$OUT/logs"
OUT=$(cd "$OUT" && pwd)
RESULT=${RESULT:-$OUT/result.json}
[ ! -e "$RESULT" ] || { echo "submit: $RESULT exists; choose another RESULT or move it away" >&2; exit 2; }
export MODEL OUT RESULT SEED CHAINS N THERM BATCH GAUGEFLOW

array=$(sbatch --parsable --array="0-$((SHARDS - 1))" --output="$OUT/logs/propose-%A_%a.out" "$@" "$here/propose.sbatch")
array=${array%%;*}
merge=$(sbatch --parsable --dependency="afterok:$array" --kill-on-invalid-dep=yes --output="$OUT/logs/merge-%j.out" "$@" "$here/merge.sbatch")
merge=${merge%%;*}
echo "propose array job $array ($SHARDS tasks), merge job $merge -> $RESULT"
