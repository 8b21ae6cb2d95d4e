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
	"os"
	"strconv"
	"strings"
	"syscall"
)

const (
	// spawnerEnvKey puts the executable in spawner mode; its value is
	// "launch:FD" (start the spawner on FD, then exit) or "FD" (serve).
	spawnerEnvKey = "PERFGATE_ADAPTERS_SPAWNER"
	// spawnerFD is the control socket's descriptor in the spawner.
	spawnerFD    = 3
	spawnerReady = "perfgate-spawner-ready"
	killRequest  = 'k'
)

func init() {
	v, ok := syscall.Getenv(spawnerEnvKey)
	if !ok {
		return
	}
	_ = syscall.Unsetenv(spawnerEnvKey)
	if rest, ok := strings.CutPrefix(v, "launch:"); ok {
		os.Exit(launchSpawner(rest))
	}
	fd, err := strconv.Atoi(v)
	if err != nil {
		os.Exit(2)
	}
	serveSpawner(fd)
	os.Exit(0)
}

// launchSpawner starts the spawner in its own process group with the
// control socket as descriptor 3, and exits: the spawner is reparented.
func launchSpawner(fdText string) int {
	fd, err := strconv.Atoi(fdText)
	if err != nil {
		return 2
	}
	env := append(os.Environ(), spawnerEnvKey+"="+strconv.Itoa(spawnerFD))
	_, _, err = syscall.StartProcess("/proc/self/exe", []string{os.Args[0]}, &syscall.ProcAttr{
		Env:   env,
		Files: []uintptr{0, 1, 2, uintptr(fd)},
		Sys:   &syscall.SysProcAttr{Setpgid: true},
	})
	if err != nil {
		return 1
	}
	return 0
}
