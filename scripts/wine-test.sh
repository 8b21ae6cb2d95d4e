#!/usr/bin/env bash
# wine-test.sh: run the Windows tests on Linux under Wine.
#
#     scripts/wine-test.sh [go test arguments]     (default: -count=1 ./...)
#
# It builds every test binary with GOOS=windows GOARCH=amd64 and runs it
# under Wine, so the Windows runner (job objects, suspended start, handle
# waits) is exercised for real, not only compiled. The plain `go test ./...`
# never needs Wine.
#
# Needs wine (8.0, Debian bookworm's) and the MinGW-w64 cross compiler.
# When they are missing and this runs as root with apt-get (CI), it installs
# them: wine64 and gcc-mingw-w64-x86-64-win32, about a minute and 950 MB.
#
# The Wine prefix is kept in $PERFGATE_WINEPREFIX (default
# ${XDG_CACHE_HOME:-$HOME/.cache}/perfgate-adapters/wine-prefix) and made
# once: wineboot, Windows 10 as the reported version, and a stand-in
# bcryptprimitives.dll built from scripts/wine/bcryptprimitives.c. Go 1.24
# and newer load ProcessPrng from that DLL at start, and Wine 8.0 lacks it,
# so without the stand-in every Go binary dies with "bcryptprimitives.dll
# not found". One wineserver is kept up for the prefix during the run (a
# cold start costs seconds per test binary) and stopped at exit. Runs on
# the same prefix wait for each other (flock).
set -euo pipefail
cd "$(dirname "$0")/.."
here=$PWD/scripts/wine

if ! command -v wine >/dev/null || ! command -v x86_64-w64-mingw32-gcc >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "wine-test: installing wine64 and gcc-mingw-w64-x86-64-win32" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wine64 gcc-mingw-w64-x86-64-win32 >/dev/null
  else
    echo "wine-test: needs wine and x86_64-w64-mingw32-gcc (Debian: apt-get install wine64 gcc-mingw-w64-x86-64-win32)" >&2
    exit 1
  fi
fi

export WINEPREFIX="${PERFGATE_WINEPREFIX:-${XDG_CACHE_HOME:-$HOME/.cache}/perfgate-adapters/wine-prefix}"
export WINEDEBUG=-all
# No display is needed; keep Wine from trying one.
unset DISPLAY WAYLAND_DISPLAY
mkdir -p "$(dirname "$WINEPREFIX")"
exec 9>"$WINEPREFIX.lock"
flock 9
# Our own wineserver for this prefix is stopped whatever happens (it would
# otherwise linger for a few seconds, or for ever with -p below).
work=$(mktemp -d)
trap 'wineserver -k 2>/dev/null && wineserver -w 2>/dev/null; rm -rf "$work"' EXIT

# The prefix is remade when Wine or the stand-in DLL's source changes.
stamp="$(wine --version 2>/dev/null) $(cat "$here/bcryptprimitives.c" "$here/bcryptprimitives.def" | sha256sum | cut -c1-16)"
if [ "$(cat "$WINEPREFIX/.perfgate-stamp" 2>/dev/null || true)" != "$stamp" ]; then
  echo "wine-test: preparing the prefix $WINEPREFIX" >&2
  rm -rf "$WINEPREFIX"
  x86_64-w64-mingw32-gcc -O2 -shared -s -nostdlib -e DllMain -o "$work/bcryptprimitives.dll" \
    "$here/bcryptprimitives.c" "$here/bcryptprimitives.def" -ladvapi32 -lkernel32
  # wineboot complains about the missing 32-bit loader; a 64-bit prefix
  # does not need it.
  wine wineboot --init >/dev/null 2>&1
  cp "$work/bcryptprimitives.dll" "$WINEPREFIX/drive_c/windows/system32/"
  wine reg add 'HKCU\Software\Wine' /v Version /t REG_SZ /d win10 /f >/dev/null 2>&1
  wineserver -w
  echo "$stamp" >"$WINEPREFIX/.perfgate-stamp"
fi

# One wineserver kept up between test binaries: a cold start costs
# seconds per binary.
wineserver -p
# The first Wine process of a server starts Wine's own services
# (services.exe, winedevice.exe, ...), which inherit its standard streams
# and live as long as the server. Started by a test binary, they would
# hold go test's output pipe, and go test would wait for it in vain. So
# they are started here, on the null device.
wine cmd.exe /c exit </dev/null >/dev/null 2>&1

# Go 1.26's os.RemoveAll deletes through FileDispositionInformationEx and
# falls back to the older call only on the status codes Windows returns
# for "unsupported"; Wine 8.0 answers STATUS_NOT_IMPLEMENTED instead, so
# RemoveAll, and with it the cleanup of every t.TempDir, fails with
# "Invalid function". The test build gets a copy of that one standard
# library file that falls back on STATUS_NOT_IMPLEMENTED too (go test
# -overlay); nothing of this module changes. Without a match (another Go
# version) the build goes on unpatched, with a warning.
overlay=()
at="$(go env GOROOT)/src/internal/syscall/windows/at_windows.go"
if [ -f "$at" ] && ! grep -q 'STATUS_NOT_IMPLEMENTED' "$at"; then
  sed 's|^\t\tSTATUS_NOT_SUPPORTED:|\t\tSTATUS_NOT_SUPPORTED, NTStatus(0xC0000002) /* STATUS_NOT_IMPLEMENTED: Wine 8.0 */:|' \
    "$at" >"$work/at_windows.go"
  if cmp -s "$at" "$work/at_windows.go"; then
    echo "wine-test: warning: cannot patch $at; os.RemoveAll may fail under Wine" >&2
  else
    printf '{"Replace":{"%s":"%s"}}\n' "$at" "$work/at_windows.go" >"$work/overlay.json"
    overlay=(-overlay "$work/overlay.json")
  fi
fi

# go test runs each test binary through go_windows_amd64_exec from PATH.
export PATH="$here:$PATH"
if [ $# -eq 0 ]; then
  set -- -count=1 ./...
fi
GOOS=windows GOARCH=amd64 go test "${overlay[@]}" "$@"
