#!/usr/bin/env bash
# Runs the xunit suite and ends with one line "N passed, N failed, N skipped". Extra arguments go to dotnet test
# (e.g. --filter "FullyQualifiedName~Torch").
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
results="$root/build/test-results"
rm -rf "$results"
mkdir -p "$results"
dotnet test "$root/tests/Tests.csproj" -c Release -nologo --logger "trx;LogFileName=tests.trx" --results-directory "$results" "$@"
rc=$?
trx="$results/tests.trx"
if [ -f "$trx" ]; then
  /usr/bin/python3 - "$trx" <<'PY'
import sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
c = ET.parse(sys.argv[1]).getroot().find(".//t:ResultSummary/t:Counters", ns)
total, passed, failed = int(c.get("total")), int(c.get("passed")), int(c.get("failed")) + int(c.get("error")) + int(c.get("timeout")) + int(c.get("aborted"))
skipped = int(c.get("total")) - int(c.get("executed"))  # the trx logger counts skipped tests as not executed
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
else
  echo "0 passed, 1 failed"
  [ $rc -ne 0 ] || rc=1
fi
exit $rc
