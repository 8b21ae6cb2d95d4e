#!/usr/bin/env bash
# qemu-arm64-test.sh: run the linux/arm64 tests on an amd64 Linux machine
# under qemu-user (issue 18).
#
#     scripts/qemu-arm64-test.sh [go test arguments]
#
# With no arguments it runs, with GOARCH=arm64 and -count=1,
#   - ./internal/spawner/... : the spawner and its assembly program, whole;
#   - the root package (.), whole but for the tests that check figures
#     against the real machine (peak memory, CPU, wall time: -skip
#     $PERFGATE_QEMU_ROOT_SKIP, default below). Under qemu every process
#     is an emulator: a child's max_rss is qemu's (7-25 MiB for /bin/true),
#     its CPU and start-up 10-30 times a native one's, so those tests would
#     fail for qemu's reasons, not the library's. They run on amd64. What
#     runs here is behaviour: starts, exit statuses, output, deadlines,
#     kills, fallbacks (the CLONE_PIDFD refusal in particular). Also
#     skipped: what qemu-user does not emulate (seccomp: ENOSYS;
#     PR_SET_CHILD_SUBREAPER: EINVAL), which the subreaper and seccomp
#     tests of the spawner need; and the two load tests of the spawner's
#     reply time (64 runs killed at once, 400 contexts ending as children
#     exit): a spawner that has not replied within a second of a kill is
#     taken for hung and killed, and under emulation on a loaded machine
#     its replies take longer (seen with two CPU burners beside it, the
#     code before issue 21 as well), so they would test qemu's speed.
#   The root suite takes about 2.5 minutes natively, most of it waiting;
#   under qemu each start of a Go helper costs about 0.1-0.2 s more, so
#   expect several minutes (the timeout is 30 minutes).
# With arguments, it runs `go test` with them instead (GOARCH=arm64 set).
#
# How the arm64 binaries run: the kernel's binfmt_misc hands every aarch64
# ELF to Debian's qemu-user-static, so `go test` runs the test binary, the
# helper processes it re-executes and the spawner program's ELF (executed
# from a sealed memfd) under qemu without any wrapper. The registration
# must carry the flags
#   F (fix binary): the interpreter is opened at registration, so it works
#     in any mount namespace and in every child;
#   O (open binary): the kernel opens the program and hands qemu the open
#     descriptor (AT_EXECFD). Without it qemu reopens the path it is given,
#     and the spawner program's path, /proc/self/fd/N of a close-on-exec
#     memfd, no longer exists in the new process: every start of the
#     spawner would fail with qemu's "Error while loading" (exit 1);
#   P (preserve argv[0]).
# Debian's own registration (update-binfmts) has only P and F, so this
# script registers qemu-aarch64 itself with POF when its flags lack O.
# binfmt_misc is global to the machine (the registration outlives this
# script): that is what CI's throwaway machine wants; on a workstation it
# replaces Debian's entry for qemu-aarch64 until the next update-binfmts.
#
# Needs: root (for binfmt_misc) or a registration already in place; Go.
# When qemu-user-static is missing and this runs as root with apt-get (CI),
# it installs qemu-user-static and binfmt-support (apt-get update first).
#
# qemu-user's own differences, which the library must absorb and the tests
# must allow for: clone with CLONE_PIDFD fails with EINVAL (the spawner
# clones without it and uses pidfd_open; Go's os/exec falls back as on an
# old kernel); vfork is a fork; a process's /proc/PID/status shows qemu's
# memory (VmHWM of several MiB) and qemu's host signal dispositions (qemu
# catches every default-fatal signal itself, so SigIgn does not show a
# guest's ignored SIGHUP, SIGINT, SIGTERM...).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
start=$(date +%s)

qemu=/usr/bin/qemu-aarch64-static
if [ ! -x "$qemu" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "qemu-arm64-test: installing qemu-user-static and binfmt-support" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-user-static binfmt-support >/dev/null
  else
    echo "qemu-arm64-test: needs qemu-user-static (Debian: apt-get install qemu-user-static binfmt-support)" >&2
    exit 1
  fi
fi

# binfmt_misc: mounted, enabled, and qemu-aarch64 registered with O and F.
misc=/proc/sys/fs/binfmt_misc
entry=$misc/qemu-aarch64
if [ ! -e "$misc/register" ]; then
  mount -t binfmt_misc binfmt_misc "$misc" 2>/dev/null || {
    echo "qemu-arm64-test: binfmt_misc is not mounted and cannot be (not root?)" >&2
    exit 1
  }
fi
if [ "$(cat "$misc/status" 2>/dev/null)" != enabled ]; then
  echo 1 >"$misc/status"
fi
flags() { sed -n 's/^flags: *//p' "$entry" 2>/dev/null; }
if [ ! -e "$entry" ] && command -v update-binfmts >/dev/null; then
  update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || true
fi
case "$(flags)" in
*O*F* | *F*O*) ;;
*)
  # The interpreter Debian registers (a symlink to qemu-aarch64-static
  # whose name makes qemu take argv[0] from the kernel, for P).
  interp=/usr/libexec/qemu-binfmt/aarch64-binfmt-P
  [ -x "$interp" ] || interp=$qemu
  pflag=P
  [ "$interp" = "$qemu" ] && pflag=
  [ -e "$entry" ] && echo -1 >"$entry"
  magic='\x7f\x45\x4c\x46\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00'
  mask='\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff'
  printf ':qemu-aarch64:M:0:%s:%s:%s:%sOF\n' "$magic" "$mask" "$interp" "$pflag" >"$misc/register"
  ;;
esac
if [ "$(sed -n 1p "$entry")" != enabled ]; then
  echo 1 >"$entry"
fi
echo "qemu-arm64-test: $($qemu --version | head -1); binfmt qemu-aarch64 flags: $(flags)" >&2

export GOARCH=arm64
status=0
if [ $# -gt 0 ]; then
  go test "$@" || status=$?
else
  # The root package but its figure-checking tests (see the top).
  skip=${PERFGATE_QEMU_ROOT_SKIP:-'^(TestPeakRSSStress|TestRunMaxRSS.*|TestSpawnerFloorIsSmall|TestRunFigures|TestRunWallTime.*|TestRunCPUCoversTheTree|TestTreeFiguresOfASimpleChild|TestTreeScopeCPUCrossCheck|TestCgroupCPUPlausible|TestSpawnerPeakOfEveryCommand|TestSpawnerSeesANewSeccompFilter|TestSpawnerLeavesNoZombieToASubreaper|TestSpawnerReapedByASubreaperWhenItDies|TestSpawnerConcurrentDeadlinesFromChildStart|TestSpawnerContextEndsAsChildExits)$'}
  go test -count=1 -timeout 30m ./internal/spawner/... || status=$?
  go test -count=1 -timeout 30m -skip "$skip" . || status=$?
fi
echo "qemu-arm64-test: $(($(date +%s) - start)) s, exit $status" >&2
exit $status
