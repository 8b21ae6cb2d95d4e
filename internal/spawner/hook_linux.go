//go:build linux

package spawner

// The init hook that turns the program into a launcher or a spawner, and
// the launcher.

import (
	"encoding/hex"
	"os"
	"runtime/debug"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

func init() {
	v, ok := syscall.Getenv(EnvKey)
	if !ok {
		return
	}
	mode, token, ok := parseEnv(v)
	if !ok || !isSeqpacketSocket(controlFD) {
		// Not written by a caller of this package: an ordinary program
		// that happens to have the variable runs normally, and the
		// variable stays as it was.
		return
	}
	_ = syscall.Unsetenv(EnvKey)
	if mode == "launch" {
		os.Exit(launch(token))
	}
	serve(controlFD, token)
	os.Exit(0)
}

// parseEnv accepts exactly the values the caller and the launcher write:
// "launch:" or "serve:" then the token in lower-case hex.
func parseEnv(v string) (mode string, token []byte, ok bool) {
	mode, text, found := strings.Cut(v, ":")
	if !found || (mode != "launch" && mode != "serve") || len(text) != 2*tokenLen ||
		strings.ToLower(text) != text {
		return "", nil, false
	}
	token, err := hex.DecodeString(text)
	if err != nil {
		return "", nil, false
	}
	return mode, token, true
}

// isSeqpacketSocket says whether fd is an AF_UNIX SOCK_SEQPACKET socket,
// as the caller's control socket is; a program started with the variable
// by mistake has no such descriptor there.
func isSeqpacketSocket(fd int) bool {
	typ, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TYPE)
	if err != nil || typ != unix.SOCK_SEQPACKET {
		return false
	}
	domain, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_DOMAIN)
	return err == nil && domain == unix.AF_UNIX
}

// launch starts the spawner in its own process group with the control
// socket as descriptor 3, and exits: the spawner is reparented.
func launch(token []byte) int {
	env := append(os.Environ(), EnvKey+"=serve:"+hex.EncodeToString(token))
	// What the launcher's address space holds at the spawner's exec stays
	// in the spawner's own ru_maxrss, which bounds its children's floor
	// (peak.Reading): shrink it first, as the spawner shrinks itself.
	debug.FreeOSMemory()
	dropFilePages(readOnlyFileRanges())
	if fd, err := unix.Open("/proc/self/clear_refs", unix.O_WRONLY|unix.O_CLOEXEC, 0); err == nil {
		_, _ = unix.Write(fd, []byte("5"))
		unix.Close(fd)
	}
	_, _, err := syscall.StartProcess("/proc/self/exe", []string{os.Args[0]}, &syscall.ProcAttr{
		Env:   env,
		Files: []uintptr{0, 1, 2, controlFD},
		Sys:   &syscall.SysProcAttr{Setpgid: true},
	})
	if err != nil {
		return 1
	}
	return 0
}
