package adapters

// The descriptors a process keeps once it has run commands, checked
// against the list docs/method.md gives, so that neither drifts.

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/perfgate/adapters/internal/spawner/program"
)

// longLived names each kind of descriptor a process keeps after its
// first runs, with the words docs/method.md's Descriptors item uses for
// it.
var longLived = map[string]string{
	"null device":     "`/dev/null`",
	"own status":      "`/proc/self/status`",
	"own stat":        "`/proc/self/stat`",
	"own cgroup":      "`/proc/self/cgroup`",
	"own limits":      "`/proc/self/limits`",
	"control socket":  "control socket",
	"spawner pidfd":   "its pidfd",
	"spawner program": "executable",
}

// descriptorKind classifies what /proc/self/fd/N links to.
func descriptorKind(target string) string {
	switch {
	case target == "/dev/null":
		return "null device"
	case regexp.MustCompile(`^/proc/\d+/(status|stat|cgroup|limits)$`).MatchString(target):
		return "own " + target[strings.LastIndexByte(target, '/')+1:]
	case strings.HasPrefix(target, "socket:"):
		return "control socket"
	case target == "anon_inode:[pidfd]":
		return "spawner pidfd"
	case strings.HasSuffix(target, "(deleted)"): // a memfd or an O_TMPFILE file
		return "spawner program"
	}
	return "unexpected: " + target
}

// openTargets maps each open descriptor to what it links to.
func openTargets() map[string]string {
	entries, _ := os.ReadDir("/proc/self/fd")
	targets := map[string]string{}
	for _, e := range entries {
		if target, err := os.Readlink("/proc/self/fd/" + e.Name()); err == nil {
			targets[e.Name()] = target
		}
	}
	return targets
}

// helperLongLivedDescriptors runs a command through the spawner and one
// directly, twice, and prints the kind of every descriptor that was not
// open before and is open after, one per line, sorted.
func helperLongLivedDescriptors([]string) int {
	before := openTargets()
	for range 2 {
		for _, direct := range []bool{false, true} {
			spec := CommandSpec{Argv: []string{helperExe()}, Env: []EnvVar{{helperEnvKey, "exit"}}}
			if _, err := (StdProcessRunner{Direct: direct}).Run(context.Background(), spec); err != nil {
				return helperUsage("run: %v", err)
			}
		}
	}
	var kinds []string
	for fd, target := range openTargets() {
		switch {
		case before[fd] == target, strings.HasSuffix(target, "/fd"): // ReadDir's own
		case target == "anon_inode:[eventpoll]", target == "anon_inode:[eventfd]":
			// The Go runtime's poller, which the first pollable file
			// starts, whoever opens it.
		default:
			kinds = append(kinds, descriptorKind(target))
		}
	}
	slices.Sort(kinds)
	kinds = slices.Compact(kinds)
	fmt.Println(strings.Join(kinds, "\n"))
	return 0
}

func TestLongLivedDescriptorsAreTheDocumentedOnes(t *testing.T) {
	if !program.Supported || emulated() {
		t.Skip("no spawner on this architecture; the list is the spawner's")
	}
	res := mustRun(t, helperSpec("long-lived-descriptors"))
	require.Equal(t, 0, res.ExitCode, "stderr: %s", res.Stderr)
	var want []string
	for kind := range longLived {
		want = append(want, kind)
	}
	slices.Sort(want)
	assert.Equal(t, want, strings.Split(strings.TrimSpace(string(res.Stdout)), "\n"),
		"the kinds of descriptor kept after runs through the spawner and direct")

	doc, err := os.ReadFile("docs/method.md")
	require.NoError(t, err)
	_, item, _ := strings.Cut(string(doc), "- **Descriptors.**")
	item, _, _ = strings.Cut(item, "\n- **")
	item = strings.Join(strings.Fields(item), " ")
	for kind, words := range longLived {
		assert.Contains(t, item, words, "docs/method.md's Descriptors item names the %s", kind)
	}
}
