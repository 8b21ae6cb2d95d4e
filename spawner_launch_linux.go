//go:build linux

package adapters

// The spawner: a small long-lived process that starts the children of
// process-scope runs, so that the address space a child inherits at exec
// (golang/go#32054) is the spawner's few MiB, not the caller's. See
// docs/spawner.md.
//
// It is this very executable (/proc/self/exe) started with
// PERFGATE_ADAPTERS_SPAWNER set: the package's init function sees the
// variable before the program's main package initializes and never
// returns. A launcher copy starts the spawner and exits at once, so the
// spawner is not a child of the caller; it exits when its control socket
// reaches end of file, that is when the caller has exited. This file holds
// the init hook and the launcher; spawner_client_linux.go the caller's
// side, spawner_server_linux.go the spawner's, spawner_codec.go the wire.

import (
	"encoding/hex"
	"os"
	"runtime/debug"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

const (
	// spawnerEnvKey puts the executable in spawner mode; its value is
	// "launch:TOKEN" (start the spawner, then exit) or "serve:TOKEN"
	// (serve), TOKEN being spawnerTokenLen random bytes in lower-case hex
	// that the spawner echoes in its hello.
	spawnerEnvKey = "PERFGATE_ADAPTERS_SPAWNER"
	// spawnerFD is the control socket's descriptor in the launcher and
	// the spawner.
	spawnerFD       = 3
	spawnerTokenLen = 16
	spawnerReady    = "perfgate-spawner-ready"
	killRequest     = 'k'
)

func init() {
	v, ok := syscall.Getenv(spawnerEnvKey)
	if !ok {
		return
	}
	mode, token, ok := parseSpawnerEnv(v)
	if !ok || !isSeqpacketSocket(spawnerFD) {
		// Not written by a caller of this package: an ordinary program
		// that happens to have the variable runs normally, and the
		// variable stays as it was.
		return
	}
	_ = syscall.Unsetenv(spawnerEnvKey)
	if mode == "launch" {
		os.Exit(launchSpawner(token))
	}
	serveSpawner(spawnerFD, token)
	os.Exit(0)
}

// parseSpawnerEnv accepts exactly the values the caller and the launcher
// write: "launch:" or "serve:" then the token in lower-case hex.
func parseSpawnerEnv(v string) (mode string, token []byte, ok bool) {
	mode, text, found := strings.Cut(v, ":")
	if !found || (mode != "launch" && mode != "serve") || len(text) != 2*spawnerTokenLen ||
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

// launchSpawner starts the spawner in its own process group with the
// control socket as descriptor 3, and exits: the spawner is reparented.
func launchSpawner(token []byte) int {
	env := append(os.Environ(), spawnerEnvKey+"=serve:"+hex.EncodeToString(token))
	// What the launcher's address space holds at the spawner's exec stays
	// in the spawner's own ru_maxrss, which bounds its children's floor
	// (spawnerPeak): shrink it first, as the spawner shrinks itself.
	debug.FreeOSMemory()
	dropFilePages(readOnlyFileRanges())
	if fd, err := unix.Open("/proc/self/clear_refs", unix.O_WRONLY|unix.O_CLOEXEC, 0); err == nil {
		_, _ = unix.Write(fd, []byte("5"))
		unix.Close(fd)
	}
	_, _, err := syscall.StartProcess("/proc/self/exe", []string{os.Args[0]}, &syscall.ProcAttr{
		Env:   env,
		Files: []uintptr{0, 1, 2, spawnerFD},
		Sys:   &syscall.SysProcAttr{Setpgid: true},
	})
	if err != nil {
		return 1
	}
	return 0
}
