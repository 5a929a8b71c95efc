#!/usr/bin/env bash
# Real footage and photographs for the `laptop` preset, from Debian packages (no internet beyond the package mirror):
# the videos and photographs that `opencv-doc` ships (OpenCV's sample data, /usr/share/doc/opencv-doc/examples/data).
# Usage: data-scripts/get-footage.sh [DEST]        (default: the kit's data/ folder, ignored by git)
# Result:
#   DEST/Footage/{tree,vtest,Megamind}.avi   links to the videos (444, 795 and 270 frames; a moving camera through
#                                            trees, pedestrians under a static camera, an animated film scene)
#   DEST/Photos/*.jpg|png                     links to 27 photographs (textures of the real-texture synthetic pairs)
# and decodes every video once into the frame cache (~/.cache/distillkit/frames, or $DISTILLKIT_CACHE/frames) with
# progress, so that training starts at once. Installs opencv-doc and ffmpeg with apt-get when they are missing (as
# root, or through sudo). The kit finds DEST/Footage and DEST/Photos by themselves (DataRoots: data/NAME); elsewhere
# pass --data Footage=DIR --data Photos=DIR, or train on your own footage with ./kit train stage1 --video PATH.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
source "$here/common.sh"

[ $# -le 1 ] || die "usage: $0 [DEST]"
dest="${1:-$root/data}"
src=/usr/share/doc/opencv-doc/examples/data

missing=()
[ -f "$src/tree.avi" ] || missing+=(opencv-doc)
command -v ffmpeg >/dev/null 2>&1 || missing+=(ffmpeg)
if [ ${#missing[@]} -gt 0 ]; then
  command -v apt-get >/dev/null 2>&1 || die "missing ${missing[*]}: install them with your package manager (Debian/Ubuntu names)"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  say "installing ${missing[*]} (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
    || { $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; } \
    || die "apt-get could not install ${missing[*]}"
fi

videos=(tree.avi vtest.avi Megamind.avi)
photos=(aero1.jpg aero3.jpg aloeL.jpg apple.jpg baboon.jpg basketball1.png blox.jpg board.jpg box_in_scene.png
        building.jpg butterfly.jpg fruits.jpg graf1.png graf3.png HappyFish.jpg home.jpg leuvenA.jpg
        leuvenB.jpg messi5.jpg orange.jpg rubberwhale1.png smarties.png squirrel_cls.jpg starry_night.jpg stuff.jpg
        Blender_Suzanne1.jpg pic3.png)
mkdir -p "$dest/Footage" "$dest/Photos"
for v in "${videos[@]}"; do
  [ -f "$src/$v" ] || die "$src/$v is missing (is opencv-doc complete? reinstall it)"
  ln -sfn "$src/$v" "$dest/Footage/$v"
done
n=0
for p in "${photos[@]}"; do
  if [ -f "$src/$p" ]; then ln -sfn "$src/$p" "$dest/Photos/$p"; n=$((n + 1)); else say "note: $src/$p is not in this opencv-doc; left out"; fi
done
[ "$n" -ge 8 ] || die "only $n photographs found in $src (expected about ${#photos[@]})"
say "footage: ${#videos[@]} videos in $dest/Footage; photographs: $n in $dest/Photos"

# decode once into the frame cache (the kit reuses it); prints progress
# (DISTILLKIT_KIT: how set-up calls the kit it has just built)
${DISTILLKIT_KIT:-"$root/kit"} footage "$dest/Footage"
