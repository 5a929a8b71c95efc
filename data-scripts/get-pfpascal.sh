#!/usr/bin/env bash
# PF-PASCAL (Ham et al., Proposal Flow, TPAMI 2018) with the train/val/test pair files of WeakAlign / NC-Net.
# Usage: data-scripts/get-pfpascal.sh DEST
# Needs, placed by hand (the kit knows no verified download address, so it downloads nothing):
#   DEST/archives/PF-dataset-PASCAL.zip   the dataset archive from the Proposal Flow authors
#   DEST/{train,val,test}_pairs_pf_pascal.csv   the pair files (header source_image,target_image,class,XA,YA,XB,YB)
# Result: DEST/PF-dataset-PASCAL/JPEGImages/*.jpg; checks val 308 and test 299 pairs (METHODS.md §7).
# In C#: PfPascal.Open("DEST", SemanticSplit.Val) for model selection, SemanticSplit.Test for the final number.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/common.sh"

[ $# -eq 1 ] || die "usage: $0 DEST"
dest="$1"
mkdir -p "$dest"
need unzip sha256sum find grep

# SHA-256 of PF-dataset-PASCAL.zip: none known to the kit; paste the value the script prints to pin it.
ARCHIVE_SHA256=""

need_archive "$dest/archives/PF-dataset-PASCAL.zip" "$ARCHIVE_SHA256" \
  "PF-dataset-PASCAL.zip, the PF-PASCAL archive of the Proposal Flow project (Ham, Cho, Schmid, Ponce;" \
  "project page at www.di.ens.fr/willow/research/proposalflow/, an address not verified offline)"
unpack "$dest/archives/PF-dataset-PASCAL.zip" "$dest"
images="$dest/PF-dataset-PASCAL/JPEGImages"
[ -d "$images" ] || die "expected folder missing after unpacking: $images (the archive's layout differs from what the kit reads)"
say "ok: $(find "$images" -maxdepth 1 -type f -name '*.jpg' | wc -l) JPEG images in $images"

for split in val test; do
  need_file "$dest/${split}_pairs_pf_pascal.csv" \
    "the PF-PASCAL $split pair file, as published with WeakAlign (Rocco et al. 2018; www.di.ens.fr/willow/research/weakalign/," \
    "not verified offline) or NC-Net, with image paths relative to DEST (PF-dataset-PASCAL/JPEGImages/...)"
done
expect_rows "$dest/val_pairs_pf_pascal.csv" 308
expect_rows "$dest/test_pairs_pf_pascal.csv" 299
[ -f "$dest/train_pairs_pf_pascal.csv" ] || say "note: no train_pairs_pf_pascal.csv; PfPascal.Open(DEST, SemanticSplit.Train) needs it"
say "done: PfPascal.Open(\"$dest\", SemanticSplit.Val) lists the validation pairs"
