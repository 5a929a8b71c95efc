#!/usr/bin/env bash
# Builds the kit's native code into build/native/:
#   libdkimage.so      lib/Native/dkimage.c, a small C binding over libpng and libjpeg-turbo (Debian libpng-dev,
#                      libturbojpeg0-dev) used by DistillKit.Imaging;
#   libdkstdcompat.so  lib/Native/dkstdcompat.cpp, std::ios_base_library_init() for TorchSharp on libstdc++ < 13
#                      (see environment/repair-torchsharp.sh).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out_dir="$root/build/native"
mkdir -p "$out_dir"
gcc -O2 -fPIC -shared "$root/lib/Native/dkimage.c" -o "$out_dir/libdkimage.so.tmp" -lpng -lturbojpeg
mv "$out_dir/libdkimage.so.tmp" "$out_dir/libdkimage.so"
g++ -O2 -fPIC -shared "$root/lib/Native/dkstdcompat.cpp" -o "$out_dir/libdkstdcompat.so.tmp"
mv "$out_dir/libdkstdcompat.so.tmp" "$out_dir/libdkstdcompat.so"
echo "built $out_dir/libdkimage.so, $out_dir/libdkstdcompat.so"
