#!/usr/bin/env bash
# MPI Sintel (Butler et al. 2012), the complete package: training and test, clean and final passes, flow,
# occlusions and invalid masks.
# Usage: data-scripts/get-sintel.sh DEST
# Result: DEST/training/{clean,final,flow,occlusions,...}/<scene>/frame_%04d.*, DEST/test/{clean,final}/<scene>/...
# In C#: MpiSintel.Open("DEST", SintelPass.Clean). Archive about 5.3 GB.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/common.sh"

[ $# -eq 1 ] || die "usage: $0 DEST"
dest="$1"
mkdir -p "$dest"
need_tools

# Official host (sintel.is.tue.mpg.de links to it); the US mirror is http://sintel.cs.washington.edu/MPI-Sintel-complete.zip
ARCHIVE_URL="https://files.is.tue.mpg.de/sintel/MPI-Sintel-complete.zip"
# SHA-256 of MPI-Sintel-complete.zip: none is published and none is known to the kit. After a download you trust,
# paste the value the script prints here to pin it.
ARCHIVE_SHA256=""

fetch "$ARCHIVE_URL" "$dest/archives/MPI-Sintel-complete.zip" "$ARCHIVE_SHA256"
unpack "$dest/archives/MPI-Sintel-complete.zip" "$dest"

# 23 training scenes, 1,064 frames per pass, 1,041 pairs (one flow and one occlusion mask per pair)
expect_count "$dest/training/flow" '*.flo' 1041
expect_count "$dest/training/occlusions" '*.png' 1041
expect_count "$dest/training/clean" '*.png' 1064
expect_count "$dest/training/final" '*.png' 1064
for pass in clean final; do
  [ -d "$dest/test/$pass" ] || die "expected folder missing after unpacking: $dest/test/$pass"
  say "info: $(find "$dest/test/$pass" -type f -name '*.png' | wc -l) test frames in $dest/test/$pass"
done
say "done: MpiSintel.Open(\"$dest\", SintelPass.Clean) lists the training pairs"
