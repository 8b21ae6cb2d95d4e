package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// processAlive reports whether pid is a process that has not ended: not
// gone and not a zombie (which a killed orphan is until it is reaped).
func processAlive(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// pid (comm) S ...: the state follows the last ')'.
	fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	return len(fields) > 0 && fields[0] != "Z" && fields[0] != "X"
}

// SIGHUP (a closed terminal) and SIGQUIT kill the measured command in
// every mode and end perfgate-measure with 129 and 131. Before, without
// the spawner or in tree scope the command kept running after
// perfgate-measure died of the signal.
func TestHangUpAndQuitKillTheCommand(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	for _, sig := range []struct {
		sig  syscall.Signal
		want int
	}{{syscall.SIGHUP, exitHangUp}, {syscall.SIGQUIT, exitQuit}} {
		for _, mode := range [][]string{nil, {"-spawner=false"}, {"-tree"}} {
			name := sig.sig.String() + " " + strings.Join(mode, " ")
			ready := filepath.Join(t.TempDir(), "pid")
			flags := append([]string{"-env", readyEnvKey + "=" + ready}, mode...)
			cmd := cliCommand(t, nil, helperArgs(t, "pid-sleep", flags, "10m")...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			require.NoError(t, cmd.Start())
			done := make(chan struct{})
			go func() {
				defer close(done)
				cmd.Wait()
			}()
			if !awaitReadyFile(ready, done) {
				cmd.Process.Kill()
				<-done
				t.Fatalf("%s: the command never started: %s", name, stderr.String())
			}
			data, err := os.ReadFile(ready)
			require.NoError(t, err)
			pid, err := strconv.Atoi(string(data))
			require.NoError(t, err)
			require.NoError(t, cmd.Process.Signal(sig.sig))
			<-done
			alive := processAlive(pid)
			if alive {
				syscall.Kill(pid, syscall.SIGKILL) // not left for the rest of the tests
			}
			assert.False(t, alive, "%s: the measured command outlived perfgate-measure", name)
			assert.Equal(t, sig.want, cmd.ProcessState.ExitCode(), "%s: %s", name, stderr.String())
			assert.Contains(t, stderr.String(), "signal received) during run 1/1, which is not reported", name)
		}
	}
}
