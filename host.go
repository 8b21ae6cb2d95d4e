package adapters

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"runtime"
)

// HostProbeOptions chooses what Probe may reveal.
type HostProbeOptions struct {
	// IncludeHostnameHash asks for HostInfo.HostnameHash. The hostname
	// itself is never reported.
	IncludeHostnameHash bool
}

// HostInfo fingerprints a machine. It marshals to the HostInfo object of
// perfgate's perfgate.run.v1 receipt schema.
type HostInfo struct {
	// OS is the operating system in perfgate's (Rust's) naming: "linux",
	// "macos", "windows", "freebsd", ...; see PerfgateOS.
	OS string `json:"os"`
	// Arch is the CPU architecture in perfgate's naming: "x86_64",
	// "aarch64", ...; see PerfgateArch.
	Arch string `json:"arch"`
	// CPUCount is the number of logical CPUs this process may run on.
	CPUCount *uint32 `json:"cpu_count,omitempty"`
	// MemoryBytes is the total physical memory of the machine.
	MemoryBytes *uint64 `json:"memory_bytes,omitempty"`
	// HostnameHash is the lowercase hex SHA-256 of the hostname, present
	// only when HostProbeOptions.IncludeHostnameHash asked for it.
	HostnameHash *string `json:"hostname_hash,omitempty"`
}

// runtimeGOOS and runtimeGOARCH are variables so that tests can see the
// mapping applied; they never change in a running program.
var (
	runtimeGOOS   = runtime.GOOS
	runtimeGOARCH = runtime.GOARCH
)

// PerfgateOS maps a Go GOOS to the operating system name perfgate records,
// which is Rust's std::env::consts::OS, so that receipts written by Go and
// by perfgate on the same machine compare equal. Names both use alike are
// returned as they are.
func PerfgateOS(goos string) string {
	switch goos {
	case "darwin":
		return "macos"
	case "wasip1", "wasip2":
		return "wasi"
	default:
		return goos
	}
}

// PerfgateArch maps a Go GOARCH to the architecture name perfgate records,
// which is Rust's std::env::consts::ARCH. Rust names an architecture the
// same whatever its byte order, so mipsle is "mips" and ppc64le is
// "powerpc64". Names both use alike are returned as they are.
func PerfgateArch(goarch string) string {
	switch goarch {
	case "386":
		return "x86"
	case "amd64", "amd64p32":
		return "x86_64"
	case "arm", "armbe":
		return "arm"
	case "arm64", "arm64be":
		return "aarch64"
	case "loong64":
		return "loongarch64"
	case "mips", "mipsle":
		return "mips"
	case "mips64", "mips64le":
		return "mips64"
	case "ppc":
		return "powerpc"
	case "ppc64", "ppc64le":
		return "powerpc64"
	case "riscv":
		return "riscv32"
	case "wasm":
		return "wasm32"
	default:
		return goarch
	}
}

// hashHostname returns the lowercase hex SHA-256 of name.
func hashHostname(name string) string {
	sum := sha256.Sum256([]byte(name))
	return hex.EncodeToString(sum[:])
}

func hostnameHash() *string {
	name, err := os.Hostname()
	if err != nil || name == "" {
		return nil
	}
	h := hashHostname(name)
	return &h
}

// logicalCPUCount is the number of logical CPUs this process may use (on
// Linux, its CPU affinity mask).
func logicalCPUCount() *uint32 {
	n := runtime.NumCPU()
	if n <= 0 {
		return nil
	}
	count := uint32(n)
	return &count
}

// FakeHostProbe is a HostProbe for unit tests: it reports Host, whatever
// machine the test runs on. Both a FakeHostProbe and a pointer to one are
// HostProbes; it is safe for concurrent use as long as Host is not
// modified meanwhile.
type FakeHostProbe struct {
	// Host is what Probe reports. HostnameHash is reported only when the
	// options ask for it.
	Host HostInfo
}

var _ HostProbe = FakeHostProbe{}

// NewFakeHostProbe returns a FakeHostProbe that reports info.
func NewFakeHostProbe(info HostInfo) *FakeHostProbe {
	return &FakeHostProbe{Host: info}
}

// Probe returns a copy of p.Host that shares no pointer with it, with
// HostnameHash set to nil unless opts.IncludeHostnameHash asks for it, as
// StdHostProbe does.
func (p FakeHostProbe) Probe(opts HostProbeOptions) HostInfo {
	info := p.Host
	info.CPUCount = clonePtr(info.CPUCount)
	info.MemoryBytes = clonePtr(info.MemoryBytes)
	if opts.IncludeHostnameHash {
		info.HostnameHash = clonePtr(info.HostnameHash)
	} else {
		info.HostnameHash = nil
	}
	return info
}
