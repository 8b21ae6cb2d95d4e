//go:build linux

package spawner

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Only the exact forms the caller and the launcher write are accepted.
func TestParseEnv(t *testing.T) {
	token := strings.Repeat("0123456789abcdef", 2)
	for v, want := range map[string]string{
		"launch:" + token: "launch", "serve:" + token: "serve",
		"": "", "x": "", "3": "", "launch:3": "", "serve:" + token[1:]: "", "serve:" + token + "0": "",
		"launch:" + strings.ToUpper(token): "", "run:" + token: "", "serve:" + token[2:] + "zz": "",
	} {
		mode, got, ok := parseEnv(v)
		assert.Equal(t, want != "", ok, v)
		assert.Equal(t, want, mode, v)
		if ok {
			assert.Len(t, got, tokenLen)
		}
	}
}

// BenchmarkStateCheck is what the caller adds to each run through the
// spawner to compare its state with the spawner's and to send an
// absolute directory.
func BenchmarkStateCheck(b *testing.B) {
	st, err := readCallerState()
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		if what := st.changedSince(); what != "" {
			b.Fatal(what)
		}
		if _, err := childDir(""); err != nil {
			b.Fatal(err)
		}
	}
}
