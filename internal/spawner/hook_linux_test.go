//go:build linux

package spawner

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
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
