#!/usr/bin/env bash
# Builds the kit's native code into build/native/:
#   libdkimage.so      lib/Native/dkimage.c, a small C binding over libpng and libjpeg-turbo (Debian libpng-dev,
#                      libturbojpeg0-dev) used by DistillKit.Imaging;
#   libdkstdcompat.so  lib/Native/dkstdcompat.cpp, std::ios_base_library_init() for TorchSharp on libstdc++ < 13
#                      (see environment/repair-torchsharp.sh);
#   libdktorchguard.so lib/Native/dktorchguard.c, stands between TorchSharp and libLibTorchSharp.so and delays the
#                      frees that race with TorchSharp's temporary Scalars (see that file and TorchRuntime). It is
#                      linked against a stub with libLibTorchSharp.so's soname (build/native/stub/, never copied), so
#                      that at run time the real library, already loaded by TorchRuntime, is its needed library.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out_dir="$root/build/native"
mkdir -p "$out_dir"
gcc -O2 -fPIC -shared "$root/lib/Native/dkimage.c" -o "$out_dir/libdkimage.so.tmp" -lpng -lturbojpeg
mv "$out_dir/libdkimage.so.tmp" "$out_dir/libdkimage.so"
g++ -O2 -fPIC -shared "$root/lib/Native/dkstdcompat.cpp" -o "$out_dir/libdkstdcompat.so.tmp"
mv "$out_dir/libdkstdcompat.so.tmp" "$out_dir/libdkstdcompat.so"
mkdir -p "$out_dir/stub"
echo 'void dk_stub(void) {}' | gcc -fPIC -shared -x c - -Wl,-soname,libLibTorchSharp.so -o "$out_dir/stub/libLibTorchSharp.so"
gcc -O2 -fPIC -shared "$root/lib/Native/dktorchguard.c" -o "$out_dir/libdktorchguard.so.tmp" \
  -Wl,--no-as-needed -L"$out_dir/stub" -lLibTorchSharp -Wl,-rpath,'$ORIGIN' -ldl -lpthread
mv "$out_dir/libdktorchguard.so.tmp" "$out_dir/libdktorchguard.so"
echo "built $out_dir/libdkimage.so, $out_dir/libdkstdcompat.so, $out_dir/libdktorchguard.so"
