#!/usr/bin/env bash
# Repairs TorchSharp's native library in one build-output folder for systems whose libstdc++ predates GCC 13.
# libLibTorchSharp.so (TorchSharp 0.107) needs exactly one symbol under GLIBCXX_3.4.32,
# std::ios_base_library_init(); Debian 12's libstdc++ stops at GLIBCXX_3.4.30. The repair (on the copy in DIR, never
# the NuGet cache): mark that version requirement weak, and add build/native/libdkstdcompat.so, which defines the
# symbol, as a needed library beside it. Idempotent; prints one line when it changes something.
# Usage: repair-torchsharp.sh DIR
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${1%/}"
lib="$dir/libLibTorchSharp.so"
[ -f "$lib" ] || { echo "repair-torchsharp: $lib not found" >&2; exit 1; }

# Nothing to do where the library does not ask for GLIBCXX_3.4.32, or the system libstdc++ provides it.
objdump -T "$lib" 2>/dev/null | grep -q 'GLIBCXX_3\.4\.32' || exit 0
stdcxx="$(/sbin/ldconfig -p | awk '/libstdc\+\+\.so\.6 .*x86-64/ {print $NF; exit}')"
if [ -n "$stdcxx" ] && grep -aq 'GLIBCXX_3\.4\.32' "$stdcxx"; then exit 0; fi

compat="$root/build/native/libdkstdcompat.so"
if [ ! -f "$compat" ] || [ "$root/lib/Native/dkstdcompat.cpp" -nt "$compat" ]; then
  mkdir -p "$root/build/native"
  g++ -O2 -fPIC -shared "$root/lib/Native/dkstdcompat.cpp" -o "$compat.tmp" && mv "$compat.tmp" "$compat"
fi
cmp -s "$compat" "$dir/libdkstdcompat.so" || cp "$compat" "$dir/libdkstdcompat.so"

if readelf -d "$lib" | grep -q 'libdkstdcompat.so'; then exit 0; fi   # already repaired
command -v patchelf >/dev/null || { echo "repair-torchsharp: patchelf is missing (apt-get install patchelf; environment/setup.sh does)" >&2; exit 1; }
tmp="$lib.repair"
cp "$lib" "$tmp"
/usr/bin/python3 "$root/environment/elf_weak_version.py" "$tmp" GLIBCXX_3.4.32 >/dev/null
patchelf --add-needed libdkstdcompat.so "$tmp"
mv "$tmp" "$lib"
echo "DistillKit: repaired $lib for libstdc++ without GLIBCXX_3.4.32 (requirement made weak, libdkstdcompat.so added)"
