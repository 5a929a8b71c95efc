#!/usr/bin/env bash
# PF-WILLOW (Ham et al., Proposal Flow, CVPR 2016): 900 test pairs of 10 classes.
# Usage: data-scripts/get-pfwillow.sh DEST
# Needs, placed by hand (the kit knows no verified download address, so it downloads nothing):
#   DEST/archives/PF-dataset.zip   the dataset archive from the Proposal Flow authors
#   DEST/test_pairs_pf.csv         the pair file (header imageA,imageB,XA1..XA10,YA1..YA10,XB1..XB10,YB1..YB10)
# Result: DEST/PF-dataset/<class>/*.png; checks 900 pairs (METHODS.md §7).
# In C#: PfWillow.Open("DEST").
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/common.sh"

[ $# -eq 1 ] || die "usage: $0 DEST"
dest="$1"
mkdir -p "$dest"
need unzip sha256sum find grep

# SHA-256 of PF-dataset.zip: none known to the kit; paste the value the script prints to pin it.
ARCHIVE_SHA256=""

need_archive "$dest/archives/PF-dataset.zip" "$ARCHIVE_SHA256" \
  "PF-dataset.zip, the PF-WILLOW archive of the Proposal Flow project (Ham, Cho, Schmid, Ponce;" \
  "project page at www.di.ens.fr/willow/research/proposalflow/, an address not verified offline)"
unpack "$dest/archives/PF-dataset.zip" "$dest"
[ -d "$dest/PF-dataset" ] || die "expected folder missing after unpacking: $dest/PF-dataset (the archive's layout differs from what the kit reads)"
say "ok: $(find "$dest/PF-dataset" -type f -name '*.png' | wc -l) PNG images in $dest/PF-dataset"
need_file "$dest/test_pairs_pf.csv" \
  "the PF-WILLOW pair file test_pairs_pf.csv, as published with WeakAlign (Rocco et al. 2018; not verified offline)," \
  "with image paths relative to DEST (PF-dataset/<class>/...)"
expect_rows "$dest/test_pairs_pf.csv" 900
say "done: PfWillow.Open(\"$dest\") lists the pairs"
