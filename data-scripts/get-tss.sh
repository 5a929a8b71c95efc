#!/usr/bin/env bash
# TSS (Taniai, Sinha, Sato, CVPR 2016): dense flow ground truth and foreground masks for pairs of the FG3DCar, JODS
# and PASCAL groups, evaluated by dense PCK at 0.05 in both directions.
# Usage: data-scripts/get-tss.sh DEST
# Needs, placed by hand (the kit knows no verified download address, so it downloads nothing):
#   DEST/archives/TSS_CVPR2016.zip   the dataset archive from its authors
# Result: DEST/TSS_CVPR2016/<group>/<pair>/{image1.png,image2.png,flow1.flo,flow2.flo,mask1.png,mask2.png}; checks that
# every pair folder is complete and prints the pair count per group (METHODS.md gives no official counts to check).
# In C#: Tss.Open("DEST").
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/common.sh"
shopt -s nullglob

[ $# -eq 1 ] || die "usage: $0 DEST"
dest="$1"
mkdir -p "$dest"
need unzip sha256sum find

# SHA-256 of TSS_CVPR2016.zip: none known to the kit; paste the value the script prints to pin it.
ARCHIVE_SHA256=""

need_archive "$dest/archives/TSS_CVPR2016.zip" "$ARCHIVE_SHA256" \
  "TSS_CVPR2016.zip from the TSS authors (Taniai et al., 'Joint recovery of dense correspondence and cosegmentation';" \
  "project page at taniai.space/projects/cvpr16_dccs/, an address not verified offline)"
unpack "$dest/archives/TSS_CVPR2016.zip" "$dest"
root="$dest/TSS_CVPR2016"
[ -d "$root" ] || die "expected folder missing after unpacking: $root (the archive's layout differs from what the kit reads)"
total=0
for group in "$root"/*/; do
  group="${group%/}"
  pairs=0
  for pair in "$group"/*/; do
    pair="${pair%/}"
    for f in image1.png image2.png flow1.flo flow2.flo mask1.png mask2.png; do
      [ -f "$pair/$f" ] || die "$pair/$f: missing (every pair folder needs all six files)"
    done
    pairs=$((pairs + 1))
  done
  [ "$pairs" -gt 0 ] || die "$group: no pair folder"
  say "ok: $pairs complete pair folders in $group"
  total=$((total + pairs))
done
[ "$total" -gt 0 ] || die "$root: no group folder"
say "done: Tss.Open(\"$dest\") lists $total pairs"
