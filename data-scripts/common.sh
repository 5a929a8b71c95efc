# Shared helpers of the data-scripts (sourced, not run). Each get-*.sh script downloads one dataset's archives into
# DEST/archives (skipped when the archive is already there), checks the SHA-256 when the script pins one, unpacks
# into DEST once (a marker file DEST/.unpacked-<archive> records it) and verifies the expected file counts.
# The semantic-correspondence scripts download nothing (no verified address): need_archive says what to fetch and
# where to put it, then they unpack and verify the same way.

say() { printf '%s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# need_tools: every tool the scripts use must be installed
need_tools() {
  local t
  for t in unzip sha256sum find; do
    command -v "$t" >/dev/null 2>&1 || die "'$t' is not installed (Debian/Ubuntu: sudo apt-get install unzip coreutils findutils)"
  done
  command -v curl >/dev/null 2>&1 || command -v wget >/dev/null 2>&1 || die "neither curl nor wget is installed"
}

# fetch URL FILE SHA256: downloads URL to FILE unless FILE exists (a partial download is kept as FILE.part and resumed)
fetch() {
  local url="$1" file="$2" sha="$3"
  mkdir -p "$(dirname "$file")"
  if [ -f "$file" ]; then
    say "already downloaded: $file"
  else
    say "downloading $url"
    say "         to $file"
    if command -v curl >/dev/null 2>&1; then
      curl -fL --retry 3 -C - -o "$file.part" "$url" || die "download failed: $url (partial file kept: $file.part; run again to resume)"
    else
      wget -c -O "$file.part" "$url" || die "download failed: $url (partial file kept: $file.part; run again to resume)"
    fi
    mv "$file.part" "$file"
  fi
  if [ -n "$sha" ]; then
    say "checking the SHA-256 of $(basename "$file")"
    echo "$sha  $file" | sha256sum -c --quiet - || die "$file: SHA-256 mismatch (expected $sha); delete it and run again"
  else
    say "note: no published SHA-256 is pinned for $(basename "$file"); its SHA-256 is $(sha256sum "$file" | cut -d' ' -f1)"
  fi
}

# unpack FILE DEST: unzips FILE into DEST once
unpack() {
  local file="$1" dest="$2" marker
  marker="$dest/.unpacked-$(basename "$file")"
  if [ -f "$marker" ]; then
    say "already unpacked: $(basename "$file") into $dest"
    return
  fi
  say "unpacking $(basename "$file") into $dest"
  mkdir -p "$dest"
  unzip -q -o "$file" -d "$dest" || die "$file: unzip failed (a truncated download? delete it and run again)"
  touch "$marker"
}

# expect_count DIR NAME_PATTERN N: exactly N files named NAME_PATTERN under DIR
expect_count() {
  local dir="$1" pattern="$2" want="$3" have
  [ -d "$dir" ] || die "expected folder missing after unpacking: $dir (the archive's layout differs from what the kit reads)"
  have=$(find "$dir" -type f -name "$pattern" | wc -l)
  [ "$have" -eq "$want" ] || die "$dir: expected $want files named '$pattern', found $have (incomplete archive or download?)"
  say "ok: $have files named '$pattern' in $dir"
}

# count_sequences DIR: number of distinct NNNNNN prefixes of NNNNNN_XX.png files in DIR
count_sequences() {
  find "$1" -maxdepth 1 -type f -name '[0-9][0-9][0-9][0-9][0-9][0-9]_[0-9][0-9].png' -printf '%f\n' | cut -c1-6 | sort -u | wc -l
}

# need TOOL...: every tool named must be installed (for scripts that download nothing)
need() {
  local t
  for t in "$@"; do
    command -v "$t" >/dev/null 2>&1 || die "'$t' is not installed (Debian/Ubuntu: sudo apt-get install $t)"
  done
}

# need_archive FILE SHA256 LINE...: for datasets whose download address the kit cannot vouch for. When FILE is
# missing, prints the LINEs (what to fetch, from whom) and where to put it, and fails; when present, checks the pinned
# SHA-256 (or prints it so that it can be pinned), as fetch does.
need_archive() {
  local file="$1" sha="$2" line
  shift 2
  if [ ! -f "$file" ]; then
    say "missing: $file"
    say "the kit downloads nothing for this dataset (no verified public URL is known to it). Fetch by hand:"
    for line in "$@"; do say "  $line"; done
    say "put the archive at $file and run this script again"
    exit 1
  fi
  say "found: $file"
  if [ -n "$sha" ]; then
    echo "$sha  $file" | sha256sum -c --quiet - || die "$file: SHA-256 mismatch (expected $sha)"
  else
    say "note: no SHA-256 is pinned for $(basename "$file"); its SHA-256 is $(sha256sum "$file" | cut -d' ' -f1)"
  fi
}

# unpack_tar FILE DEST: extracts a .tar.gz FILE into DEST once (marker DEST/.unpacked-<archive>)
unpack_tar() {
  local file="$1" dest="$2" marker
  marker="$dest/.unpacked-$(basename "$file")"
  if [ -f "$marker" ]; then
    say "already unpacked: $(basename "$file") into $dest"
    return
  fi
  say "unpacking $(basename "$file") into $dest"
  mkdir -p "$dest"
  tar -xzf "$file" -C "$dest" || die "$file: tar failed (a truncated download? delete it and run again)"
  touch "$marker"
}

# need_file FILE LINE...: FILE must exist (a pair list not inside any archive); otherwise prints the LINEs and fails
need_file() {
  local file="$1" line
  shift
  if [ ! -f "$file" ]; then
    say "missing: $file"
    for line in "$@"; do say "  $line"; done
    exit 1
  fi
}

# expect_rows FILE N [HEADER_LINES]: FILE has exactly N non-blank lines after its HEADER_LINES (default 1; 0 for a list)
expect_rows() {
  local file="$1" want="$2" header="${3:-1}" have
  have=$(grep -c '[^[:space:]]' "$file" || true)
  have=$((have - header))
  [ "$have" -eq "$want" ] || die "$file: expected $want rows, found $have (an incomplete or different version of the file?)"
  say "ok: $have rows in $file"
}
