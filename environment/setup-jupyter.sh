#!/usr/bin/env bash
# The .NET Interactive Jupyter kernel (`.net-csharp`), so the kit's notebooks also execute in Jupyter
# (`jupyter nbconvert --execute`). Idempotent; called by environment/setup.sh. Installs the pinned tool
# Microsoft.dotnet-interactive into ~/.dotnet/tools and registers its kernels with `dotnet interactive jupyter install`
# when `jupyter` is on the PATH. Where it cannot, it prints one line saying why and exits 0: the kit's own runner
# (`./kit notebook run`) hosts the same kernel in-process and needs none of this.
#
# Options (environment variables):
#   DISTILLKIT_SKIP_JUPYTER=1   do nothing
set -uo pipefail
version="1.0.712001"
tools="$HOME/.dotnet/tools"

say() { echo "DistillKit set-up (Jupyter kernel): $*" >&2; }

if [ -n "${DISTILLKIT_SKIP_JUPYTER:-}" ]; then say "skipped (DISTILLKIT_SKIP_JUPYTER is set)"; exit 0; fi
if ! command -v dotnet >/dev/null 2>&1; then say "skipped: no dotnet on the PATH"; exit 0; fi
case ":$PATH:" in *":$tools:"*) ;; *) export PATH="$PATH:$tools" ;; esac

installed="$(dotnet tool list -g 2>/dev/null | awk 'tolower($1) == "microsoft.dotnet-interactive" { print $2 }')"
if [ "$installed" != "$version" ]; then
  if [ -n "$installed" ]; then
    out="$(dotnet tool update -g Microsoft.dotnet-interactive --version "$version" 2>&1)"
  else
    out="$(dotnet tool install -g Microsoft.dotnet-interactive --version "$version" 2>&1)"
  fi
  if [ $? -ne 0 ]; then
    say "skipped: could not install Microsoft.dotnet-interactive $version ($(echo "$out" | grep -m1 -i error || echo "$out" | tail -n1))"
    exit 0
  fi
  say "installed Microsoft.dotnet-interactive $version in $tools"
fi

jupyter="$(command -v jupyter || true)"
if [ -z "$jupyter" ]; then say "tool installed; no jupyter on the PATH, so no kernel registered (Debian: apt-get install jupyter-nbconvert)"; exit 0; fi

kernel_json() { "$jupyter" kernelspec list 2>/dev/null | awk '$1 == ".net-csharp" { print $2 "/kernel.json" }'; }
spec="$(kernel_json)"
if [ -n "$spec" ] && [ -f "$spec" ] && grep -q "\"$tools/dotnet-interactive\"" "$spec"; then
  exit 0 # already registered by this script
fi
if ! out="$(DOTNET_INTERACTIVE_CLI_TELEMETRY_OPTOUT=1 dotnet interactive jupyter install 2>&1)"; then
  say "skipped: 'dotnet interactive jupyter install' failed ($(echo "$out" | tail -n1))"
  exit 0
fi
# The kernel spec starts `dotnet interactive ...`, which finds the tool only when ~/.dotnet/tools is on the PATH of
# whoever starts Jupyter; point it at the tool itself (the same program) so that it starts from any shell.
spec="$(kernel_json)"
if [ -n "$spec" ] && [ -f "$spec" ] && [ -x /usr/bin/python3 ]; then
  /usr/bin/python3 - "$spec" "$tools/dotnet-interactive" <<'PY'
import json, sys
path, tool = sys.argv[1], sys.argv[2]
spec = json.load(open(path))
if spec["argv"][:2] == ["dotnet", "interactive"]:
    spec["argv"] = [tool] + spec["argv"][2:]
    json.dump(spec, open(path, "w"), indent=2)
PY
fi
say "registered the .net-csharp kernel with $jupyter ($spec)"
exit 0
