package adapters

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFakeHostProbe(t *testing.T) {
	cpus := uint32(8)
	mem := uint64(16 << 30)
	hash := "abc123"
	host := HostInfo{OS: "linux", Arch: "x86_64", CPUCount: &cpus, MemoryBytes: &mem, HostnameHash: &hash}

	probes := map[string]HostProbe{
		"value":       FakeHostProbe{Host: host},
		"pointer":     &FakeHostProbe{Host: host},
		"constructor": NewFakeHostProbe(host),
	}
	for name, probe := range probes {
		t.Run(name, func(t *testing.T) {
			got := probe.Probe(HostProbeOptions{})
			assert.Equal(t, HostInfo{OS: "linux", Arch: "x86_64", CPUCount: &cpus, MemoryBytes: &mem}, got)
			assert.Nil(t, got.HostnameHash)

			got = probe.Probe(HostProbeOptions{IncludeHostnameHash: true})
			assert.Equal(t, host, got)
			require.NotNil(t, got.HostnameHash)
			assert.Equal(t, "abc123", *got.HostnameHash)

			// The result shares no pointer with the configured host.
			assert.NotSame(t, &cpus, got.CPUCount)
			assert.NotSame(t, &mem, got.MemoryBytes)
			assert.NotSame(t, &hash, got.HostnameHash)
			*got.CPUCount = 1
			*got.MemoryBytes = 2
			*got.HostnameHash = "mutated"
			assert.Equal(t, host, probe.Probe(HostProbeOptions{IncludeHostnameHash: true}))
			assert.Equal(t, uint32(8), cpus)
			assert.Equal(t, "abc123", hash)
		})
	}
}

func TestFakeHostProbeNilFields(t *testing.T) {
	probe := FakeHostProbe{Host: HostInfo{OS: "windows", Arch: "aarch64"}}
	got := probe.Probe(HostProbeOptions{IncludeHostnameHash: true})
	assert.Equal(t, HostInfo{OS: "windows", Arch: "aarch64"}, got)
	assert.Nil(t, got.CPUCount)
	assert.Nil(t, got.MemoryBytes)
	assert.Nil(t, got.HostnameHash)

	assert.Equal(t, HostInfo{}, FakeHostProbe{}.Probe(HostProbeOptions{IncludeHostnameHash: true}))

	// Changing Host later changes what a pointer probe reports.
	p := NewFakeHostProbe(HostInfo{OS: "linux"})
	p.Host.Arch = "riscv64"
	assert.Equal(t, HostInfo{OS: "linux", Arch: "riscv64"}, p.Probe(HostProbeOptions{}))
}
