#!/usr/bin/env bash
# SPair-71k (Min, Lee, Ponce, Cho 2019): 70,958 pairs of 18 categories with keypoints, boxes and difficulty labels.
# Usage: data-scripts/get-spair71k.sh DEST
# Needs, placed by hand (the kit knows no verified download address, so it downloads nothing):
#   DEST/archives/SPair-71k.tar.gz   the dataset archive from its authors
# Result: DEST/SPair-71k/{JPEGImages,PairAnnotation/{trn,val,test},Layout/large}; checks 53,340 / 5,384 / 12,234 pairs
# (METHODS.md §7) in both the annotation folders and the large layout's split lists.
# In C#: Spair71k.Open("DEST", SemanticSplit.Test).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/common.sh"

[ $# -eq 1 ] || die "usage: $0 DEST"
dest="$1"
mkdir -p "$dest"
need tar gzip sha256sum find grep

# SHA-256 of SPair-71k.tar.gz: none known to the kit; paste the value the script prints to pin it.
ARCHIVE_SHA256=""

need_archive "$dest/archives/SPair-71k.tar.gz" "$ARCHIVE_SHA256" \
  "SPair-71k.tar.gz from the SPair-71k authors (POSTECH CVLab; project page at cvlab.postech.ac.kr/research/SPair-71k/," \
  "an address not verified offline)"
unpack_tar "$dest/archives/SPair-71k.tar.gz" "$dest"
root="$dest/SPair-71k"
[ -d "$root/JPEGImages" ] || die "expected folder missing after unpacking: $root/JPEGImages (the archive's layout differs from what the kit reads)"
for pair in "trn 53340" "val 5384" "test 12234"; do
  set -- $pair
  expect_count "$root/PairAnnotation/$1" '*.json' "$2"
  [ -f "$root/Layout/large/$1.txt" ] || die "expected file missing after unpacking: $root/Layout/large/$1.txt"
  expect_rows "$root/Layout/large/$1.txt" "$2" 0
done
say "done: Spair71k.Open(\"$dest\", SemanticSplit.Test) lists the test pairs"
