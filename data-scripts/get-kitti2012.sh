#!/usr/bin/env bash
# KITTI 2012 stereo/flow benchmark: optical flow training pairs with ground truth and the test pairs; with
# --multiview also the multi-view extension (21 frames per sequence, unlabelled, for unsupervised training).
# Usage: data-scripts/get-kitti2012.sh [--multiview] DEST
# Result: DEST/{training,testing}/colored_0/NNNNNN_1{0,1}.png, DEST/training/flow_{occ,noc}/NNNNNN_10.png (194 pairs);
#         with --multiview: DEST/multiview/{training,testing}/colored_0/NNNNNN_XX.png.
# In C#: KittiFlow.Open("DEST", KittiVersion.Kitti2012); KittiMultiview.Open("DEST", KittiVersion.Kitti2012).
# Archives: data_stereo_flow.zip a few GB, data_stereo_flow_multiview.zip about 16.5 GB.
# The KITTI data is licensed CC BY-NC-SA 3.0 (see www.cvlibs.net/datasets/kitti); downloading means accepting it.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/common.sh"

multiview=0
if [ "${1:-}" = "--multiview" ]; then multiview=1; shift; fi
[ $# -eq 1 ] || die "usage: $0 [--multiview] DEST"
dest="$1"
mkdir -p "$dest"
need_tools

BASE_URL="https://s3.eu-central-1.amazonaws.com/avg-kitti"
# SHA-256 values: KITTI publishes none and none is known to the kit. After a download you trust, paste the values
# the script prints here to pin them.
FLOW_SHA256=""
MULTIVIEW_SHA256=""

fetch "$BASE_URL/data_stereo_flow.zip" "$dest/archives/data_stereo_flow.zip" "$FLOW_SHA256"
unpack "$dest/archives/data_stereo_flow.zip" "$dest"
expect_count "$dest/training/flow_occ" '*_10.png' 194
expect_count "$dest/training/flow_noc" '*_10.png' 194
expect_count "$dest/training/colored_0" '*_10.png' 194
expect_count "$dest/training/colored_0" '*_11.png' 194
expect_count "$dest/testing/colored_0" '*_10.png' 195

if [ "$multiview" -eq 1 ]; then
  fetch "$BASE_URL/data_stereo_flow_multiview.zip" "$dest/archives/data_stereo_flow_multiview.zip" "$MULTIVIEW_SHA256"
  unpack "$dest/archives/data_stereo_flow_multiview.zip" "$dest/multiview"
  for part in training testing; do
    dir="$dest/multiview/$part/colored_0"
    [ -d "$dir" ] || die "expected folder missing after unpacking: $dir"
    seqs=$(count_sequences "$dir")
    want=194; [ "$part" = testing ] && want=195
    [ "$seqs" -eq "$want" ] || die "$dir: expected $want sequences, found $seqs"
    say "ok: $seqs sequences, $(find "$dir" -maxdepth 1 -type f -name '*.png' | wc -l) frames in $dir"
  done
fi
say "done: KittiFlow.Open(\"$dest\", KittiVersion.Kitti2012) lists the training pairs"
