package adapters

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/perfgate/adapters/internal/testcap"
)

// hostRustOS is Rust's std::env::consts::OS for every GOOS of
// `go tool dist list` (Go 1.26). js and plan9 have no Rust target and keep
// their Go name.
var hostRustOS = map[string]string{
	"aix":       "aix",
	"android":   "android",
	"darwin":    "macos",
	"dragonfly": "dragonfly",
	"freebsd":   "freebsd",
	"illumos":   "illumos",
	"ios":       "ios",
	"js":        "js",
	"linux":     "linux",
	"netbsd":    "netbsd",
	"openbsd":   "openbsd",
	"plan9":     "plan9",
	"solaris":   "solaris",
	"wasip1":    "wasi",
	"windows":   "windows",
}

// hostRustArch is Rust's std::env::consts::ARCH for every GOARCH of
// `go tool dist list` (Go 1.26). Rust names an architecture the same in
// either byte order.
var hostRustArch = map[string]string{
	"386":      "x86",
	"amd64":    "x86_64",
	"arm":      "arm",
	"arm64":    "aarch64",
	"loong64":  "loongarch64",
	"mips":     "mips",
	"mipsle":   "mips",
	"mips64":   "mips64",
	"mips64le": "mips64",
	"ppc64":    "powerpc64",
	"ppc64le":  "powerpc64",
	"riscv64":  "riscv64",
	"s390x":    "s390x",
	"wasm":     "wasm32",
}

// hostDistList is `go tool dist list` of Go 1.26.
var hostDistList = []string{
	"aix/ppc64",
	"android/386", "android/amd64", "android/arm", "android/arm64",
	"darwin/amd64", "darwin/arm64",
	"dragonfly/amd64",
	"freebsd/386", "freebsd/amd64", "freebsd/arm", "freebsd/arm64",
	"illumos/amd64",
	"ios/amd64", "ios/arm64",
	"js/wasm",
	"linux/386", "linux/amd64", "linux/arm", "linux/arm64", "linux/loong64",
	"linux/mips", "linux/mips64", "linux/mips64le", "linux/mipsle",
	"linux/ppc64", "linux/ppc64le", "linux/riscv64", "linux/s390x",
	"netbsd/386", "netbsd/amd64", "netbsd/arm", "netbsd/arm64",
	"openbsd/386", "openbsd/amd64", "openbsd/arm", "openbsd/arm64",
	"openbsd/ppc64", "openbsd/riscv64",
	"plan9/386", "plan9/amd64", "plan9/arm",
	"solaris/amd64",
	"wasip1/wasm",
	"windows/386", "windows/amd64", "windows/arm64",
}

func TestPerfgateOSAndArchOverDistList(t *testing.T) {
	for _, port := range hostDistList {
		goos, goarch, ok := strings.Cut(port, "/")
		require.True(t, ok, port)
		t.Run(port, func(t *testing.T) {
			wantOS, known := hostRustOS[goos]
			require.True(t, known, "no Rust OS name for GOOS %s", goos)
			wantArch, known := hostRustArch[goarch]
			require.True(t, known, "no Rust ARCH name for GOARCH %s", goarch)
			assert.Equal(t, wantOS, PerfgateOS(goos))
			assert.Equal(t, wantArch, PerfgateArch(goarch))
		})
	}
}

// TestPerfgateOSAndArchReservedNames covers names Go reserves for ports
// it does not (or no longer) build, mapped the way Rust names them.
func TestPerfgateOSAndArchReservedNames(t *testing.T) {
	for goos, want := range map[string]string{"wasip2": "wasi", "hurd": "hurd", "zos": "zos"} {
		assert.Equal(t, want, PerfgateOS(goos), goos)
	}
	for goarch, want := range map[string]string{
		"amd64p32": "x86_64", "armbe": "arm", "arm64be": "aarch64",
		"ppc": "powerpc", "riscv": "riscv32", "sparc64": "sparc64",
	} {
		assert.Equal(t, want, PerfgateArch(goarch), goarch)
	}
}

// TestEveryDistListPortIsNamed runs PerfgateOS and PerfgateArch over the
// ports of the Go toolchain on PATH, which may know ports newer than
// hostDistList: every port must get a name (a port no rule names keeps
// its Go name, which is what Rust calls most), and a port of hostDistList
// the exact name TestPerfgateOSAndArchOverDistList pins. A new port is
// logged, never a failure: it is named by the same rules.
func TestEveryDistListPortIsNamed(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		testcap.SkipUnlessCapable(t, "go-command", "no go command on PATH: "+err.Error())
	}
	cmd := exec.Command(goTool, "tool", "dist", "list")
	cmd.Dir = t.TempDir() // outside the module: no toolchain switch
	out, err := cmd.Output()
	require.NoError(t, err)
	ports := strings.Fields(string(out))
	require.NotEmpty(t, ports)
	known := make(map[string]bool, len(hostDistList))
	for _, port := range hostDistList {
		known[port] = true
	}
	name := regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	for _, port := range ports {
		goos, goarch, ok := strings.Cut(port, "/")
		require.True(t, ok, "port %q of `go tool dist list`", port)
		gotOS, gotArch := PerfgateOS(goos), PerfgateArch(goarch)
		assert.Regexp(t, name, gotOS, "OS name of %s", port)
		assert.Regexp(t, name, gotArch, "architecture name of %s", port)
		if !known[port] {
			t.Logf("port %s is not in hostDistList: named %s/%s by the rules", port, gotOS, gotArch)
			continue
		}
		assert.Equal(t, hostRustOS[goos], gotOS, port)
		assert.Equal(t, hostRustArch[goarch], gotArch, port)
	}
}

func TestHashHostname(t *testing.T) {
	// Computed independently: printf %s example-host | sha256sum
	assert.Equal(t, "8f1f0466fc41bb150b4a15c1bc827805b86d72882bf2a2aaea2698dae6018027", hashHostname("example-host"))
	// SHA-256 of the empty string (FIPS 180-2 test vector).
	assert.Equal(t, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", hashHostname(""))
}

func TestProbeHostnameHashIsOptIn(t *testing.T) {
	without := StdHostProbe{}.Probe(HostProbeOptions{})
	assert.Nil(t, without.HostnameHash)

	with := StdHostProbe{}.Probe(HostProbeOptions{IncludeHostnameHash: true})
	name, err := os.Hostname()
	if err != nil || name == "" {
		assert.Nil(t, with.HostnameHash, "no hostname, so no hash")
		return
	}
	require.NotNil(t, with.HostnameHash)
	assert.Equal(t, hashHostname(name), *with.HostnameHash)
	assert.Regexp(t, `^[0-9a-f]{64}$`, *with.HostnameHash)

	// The hash is all the option changes.
	with.HostnameHash = nil
	assert.Equal(t, without, with)
}

func TestProbeFigures(t *testing.T) {
	info := StdHostProbe{}.Probe(HostProbeOptions{})
	assert.Equal(t, PerfgateOS(runtime.GOOS), info.OS)
	assert.Equal(t, PerfgateArch(runtime.GOARCH), info.Arch)
	require.NotNil(t, info.CPUCount)
	assert.Equal(t, uint32(runtime.NumCPU()), *info.CPUCount)

	switch runtime.GOOS {
	case "linux", "android":
		require.NotNil(t, info.MemoryBytes)
		assert.Equal(t, hostMemTotalFromProc(t), *info.MemoryBytes)
	case "js", "wasip1", "plan9":
		assert.Nil(t, info.MemoryBytes, "no source of total memory here")
	default:
		require.NotNil(t, info.MemoryBytes)
		// At least 64 MiB: a figure in kB or pages would fail this.
		assert.GreaterOrEqual(t, *info.MemoryBytes, uint64(64<<20))
	}
}

// hostMemTotalFromProc reads MemTotal from /proc/meminfo without the
// package under test.
func hostMemTotalFromProc(t *testing.T) uint64 {
	t.Helper()
	f, err := os.Open("/proc/meminfo")
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var kib uint64
		if n, _ := fmt.Sscanf(sc.Text(), "MemTotal: %d kB", &kib); n == 1 {
			return kib * 1024
		}
	}
	require.NoError(t, sc.Err())
	t.Fatal("no MemTotal line in /proc/meminfo")
	return 0
}

func TestProbeConcurrentAndZeroValue(t *testing.T) {
	var probe HostProbe = StdHostProbe{}
	want := probe.Probe(HostProbeOptions{IncludeHostnameHash: true})
	var wg sync.WaitGroup
	got := make([]HostInfo, 8)
	for i := range got {
		wg.Go(func() { got[i] = probe.Probe(HostProbeOptions{IncludeHostnameHash: true}) })
	}
	wg.Wait()
	for _, g := range got {
		assert.Equal(t, want, g)
	}
}

func hostU32(v uint32) *uint32 { return &v }
func hostU64(v uint64) *uint64 { return &v }
func hostStr(v string) *string { return &v }

func TestHostInfoJSON(t *testing.T) {
	tests := []struct {
		name string
		info HostInfo
		want string
	}{
		{
			name: "every field",
			info: HostInfo{
				OS: "linux", Arch: "x86_64",
				CPUCount: hostU32(8), MemoryBytes: hostU64(17179869184),
				HostnameHash: hostStr("8f1f0466fc41bb150b4a15c1bc827805b86d72882bf2a2aaea2698dae6018027"),
			},
			want: `{"os":"linux","arch":"x86_64","cpu_count":8,"memory_bytes":17179869184,` +
				`"hostname_hash":"8f1f0466fc41bb150b4a15c1bc827805b86d72882bf2a2aaea2698dae6018027"}`,
		},
		{
			name: "nil omitted",
			info: HostInfo{OS: "macos", Arch: "aarch64"},
			want: `{"os":"macos","arch":"aarch64"}`,
		},
		{
			// A known zero is a figure, not a missing one.
			name: "zero kept",
			info: HostInfo{OS: "windows", Arch: "x86", CPUCount: hostU32(0), MemoryBytes: hostU64(0)},
			want: `{"os":"windows","arch":"x86","cpu_count":0,"memory_bytes":0}`,
		},
		{
			name: "largest values",
			info: HostInfo{OS: "linux", Arch: "s390x", CPUCount: hostU32(4294967295), MemoryBytes: hostU64(18446744073709551615)},
			want: `{"os":"linux","arch":"s390x","cpu_count":4294967295,"memory_bytes":18446744073709551615}`,
		},
		{
			// Required by the schema, so present even when empty.
			name: "empty required strings",
			info: HostInfo{},
			want: `{"os":"","arch":""}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.Marshal(tt.info)
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(got))

			var back HostInfo
			dec := json.NewDecoder(bytes.NewReader(got))
			dec.DisallowUnknownFields()
			require.NoError(t, dec.Decode(&back))
			assert.Equal(t, tt.info, back)
		})
	}
}

func TestHostInfoUnmarshalNull(t *testing.T) {
	// perfgate writes None as an absent key, but the schema allows null.
	var info HostInfo
	require.NoError(t, json.Unmarshal([]byte(`{"os":"linux","arch":"x86_64","cpu_count":null,"memory_bytes":null,"hostname_hash":null}`), &info))
	assert.Equal(t, HostInfo{OS: "linux", Arch: "x86_64"}, info)
}

// hostExampleReceipt is perfgate's example receipt; testdata/perfgate holds
// it with the schema, and the tests read only that copy.
var hostExampleReceipt = filepath.Join("testdata", "perfgate", "perfgate.run.v1.example.json")

func TestHostInfoMatchesPerfgateExample(t *testing.T) {
	data, err := os.ReadFile(hostExampleReceipt)
	require.NoError(t, err)
	var receipt struct {
		Run struct {
			Host json.RawMessage `json:"host"`
		} `json:"run"`
	}
	require.NoError(t, json.Unmarshal(data, &receipt))
	require.NotEmpty(t, receipt.Run.Host)

	var info HostInfo
	dec := json.NewDecoder(bytes.NewReader(receipt.Run.Host))
	dec.DisallowUnknownFields() // every key perfgate writes is a field
	require.NoError(t, dec.Decode(&info))
	assert.Equal(t, HostInfo{OS: "linux", Arch: "x86_64", CPUCount: hostU32(8), MemoryBytes: hostU64(17179869184)}, info)

	back, err := json.Marshal(info)
	require.NoError(t, err)
	assert.JSONEq(t, string(receipt.Run.Host), string(back))
}

// HostInfo conforms to the HostInfo of perfgate's schema, the copy in
// testdata: every key is the schema's, with the schema's type and integer
// format, and the required ones are always there.
func TestHostInfoConformsToPerfgateSchema(t *testing.T) {
	schema := decodeJSONObject(t, readPerfgateTestdata(t, "perfgate.run.v1.schema.json"))
	def := schema["$defs"].(map[string]any)["HostInfo"].(map[string]any)
	require.Equal(t, "object", def["type"])
	props := def["properties"].(map[string]any)
	assert.ElementsMatch(t, []any{"os", "arch"}, def["required"])

	full := HostInfo{
		OS: "linux", Arch: "x86_64", CPUCount: hostU32(4294967295), MemoryBytes: hostU64(18446744073709551615),
		HostnameHash: hostStr("8f1f0466fc41bb150b4a15c1bc827805b86d72882bf2a2aaea2698dae6018027"),
	}
	for _, info := range []HostInfo{full, {}, {CPUCount: hostU32(0), MemoryBytes: hostU64(0)}} {
		data, err := json.Marshal(info)
		require.NoError(t, err)
		obj := decodeJSONObject(t, data)
		checkAgainstSampleSchema(t, def, obj)
		for key := range obj {
			assert.Contains(t, props, key, "key %s is not in the schema's HostInfo", key)
		}
	}
	// Not vacuous: a fully populated HostInfo writes every schema key.
	data, err := json.Marshal(full)
	require.NoError(t, err)
	obj := decodeJSONObject(t, data)
	for key := range props {
		assert.Contains(t, obj, key, "schema key %s is never written", key)
	}
}
