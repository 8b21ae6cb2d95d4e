//go:build linux

package spawner

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// BenchmarkStateCheck is what the caller adds to each run through the
// spawner to compare its state with the spawner's and to send an
// absolute directory.
func BenchmarkStateCheck(b *testing.B) {
	st, err := readCallerState()
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		if what, _ := st.changedSince(); what != "" {
			b.Fatal(what)
		}
		if _, err := childDir(""); err != nil {
			b.Fatal(err)
		}
	}
}
