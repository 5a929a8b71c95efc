#!/usr/bin/env bash
# FlyingChairs (Dosovitskiy et al. 2015) and its official train/validation split file.
# Usage: data-scripts/get-flyingchairs.sh DEST
# Result: DEST/FlyingChairs_release/data/NNNNN_{img1,img2}.ppm + NNNNN_flow.flo (22,872 pairs) and
#         DEST/FlyingChairs_release/FlyingChairs_train_val.txt (22,232 train / 640 validation).
# In C#: FlyingChairs.Open("DEST", FlyingChairsSplit.Train). The archive is large (tens of GB); check the disk first.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/common.sh"

[ $# -eq 1 ] || die "usage: $0 DEST"
dest="$1"
mkdir -p "$dest"
need_tools

ARCHIVE_URL="https://lmb.informatik.uni-freiburg.de/data/FlyingChairs/FlyingChairs.zip"
SPLIT_URL="https://lmb.informatik.uni-freiburg.de/resources/datasets/FlyingChairs/FlyingChairs_train_val.txt"
# SHA-256 of FlyingChairs.zip: none is published by the authors and none is known to the kit. After a download you
# trust, paste the value the script prints here to pin it.
ARCHIVE_SHA256=""
# SHA-256 of FlyingChairs_train_val.txt: not known either (same procedure).
SPLIT_SHA256=""

fetch "$ARCHIVE_URL" "$dest/archives/FlyingChairs.zip" "$ARCHIVE_SHA256"
release="$dest/FlyingChairs_release"
mkdir -p "$release"
fetch "$SPLIT_URL" "$release/FlyingChairs_train_val.txt" "$SPLIT_SHA256"
unpack "$dest/archives/FlyingChairs.zip" "$dest"

expect_count "$release/data" '*_flow.flo' 22872
expect_count "$release/data" '*.ppm' 45744
split="$release/FlyingChairs_train_val.txt"
train=$(grep -c '^1' "$split" || true)
val=$(grep -c '^2' "$split" || true)
[ "$train" -eq 22232 ] && [ "$val" -eq 640 ] || die "$split: expected 22232 lines '1' and 640 lines '2', found $train and $val"
say "ok: split file has $train train and $val validation lines"
say "done: FlyingChairs.Open(\"$dest\") lists the pairs"
