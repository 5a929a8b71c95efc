#!/usr/bin/env bash
# Builds the native shim lib/Native/dkshim.cpp into build/native/libdkshim.so.
# Against Debian's libtorch-dev by default; set DISTILLKIT_LIBTORCH to the root of another libtorch
# (a folder holding include/ and lib/, e.g. a CUDA libtorch from the PyTorch site, or the one inside a
# PyTorch pip install: python3 -c "import torch, os; print(os.path.dirname(torch.__file__))").
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$root/lib/Native/dkshim.cpp"
out_dir="$root/build/native"
out="$out_dir/libdkshim.so"
mkdir -p "$out_dir"
if [ -n "${DISTILLKIT_LIBTORCH:-}" ]; then
  lt="$DISTILLKIT_LIBTORCH"
  [ -d "$lt/include" ] && [ -d "$lt/lib" ] || { echo "DISTILLKIT_LIBTORCH=$lt must hold include/ and lib/ (a libtorch distribution)" >&2; exit 1; }
  inc=(-I"$lt/include" -I"$lt/include/torch/csrc/api/include")
  libs=(-L"$lt/lib" -Wl,-rpath,"$lt/lib")
  # pip wheels of PyTorch built before the C++11 ABI switch export no __cxx11 symbols: match their ABI
  if nm -D "$lt/lib/libc10.so" 2>/dev/null | grep -q __cxx11; then abi=1; else abi=0; fi
  extra=(-D_GLIBCXX_USE_CXX11_ABI=$abi ${DISTILLKIT_CXXFLAGS:-})
else
  [ -f /usr/include/torch/script.h ] || [ -d /usr/include/torch/csrc ] || { echo "libtorch headers not found: install Debian's libtorch-dev (environment/setup.sh does)" >&2; exit 1; }
  inc=(-I/usr/include -I/usr/include/torch/csrc/api/include)
  libs=()
  extra=()
fi
# --no-as-needed keeps libtorch (and libtorch_cuda in a CUDA build) linked even though the shim calls few of their
# symbols directly: their static initialisers register the operators and the CUDA kernels.
cuda_libs=()
for d in "${libs[@]}" /usr/lib/x86_64-linux-gnu; do
  dir="${d#-L}"; [ -f "$dir/libtorch_cuda.so" ] && cuda_libs=(-ltorch_cuda -lc10_cuda) && break
done
g++ -std=c++17 -O2 -fPIC -shared -fvisibility=hidden -w "${inc[@]}" "${extra[@]}" "$src" -o "$out.tmp" \
  "${libs[@]}" -Wl,--no-as-needed -ltorch -ltorch_cpu -lc10 "${cuda_libs[@]}" -Wl,--as-needed
mv "$out.tmp" "$out"
echo "built $out"

# Second library: lib/Native/dkimage.c, a small C shim over libpng and libjpeg-turbo (Debian libpng-dev,
# libturbojpeg0-dev) used by DistillKit.Imaging.
img_out="$out_dir/libdkimage.so"
gcc -O2 -fPIC -shared "$root/lib/Native/dkimage.c" -o "$img_out.tmp" -lpng -lturbojpeg
mv "$img_out.tmp" "$img_out"
echo "built $img_out"
