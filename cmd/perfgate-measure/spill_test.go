package main

import (
	"bufio"
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The fast escaping of a spilled output is encoding/json's, as the
// library writes a RunResult's stdout.
func TestWriteJSONStringContent(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "plain", "q\"b\\s/ <&> \b\f\n\r\t\x00\x01\x1f\x7f", "é ✓ \u2028 \u2029 𝄞"} {
		var b bytes.Buffer
		w := bufio.NewWriter(&b)
		writeJSONStringContent(w, []byte(s))
		require.NoError(t, w.Flush())
		want, err := escapedOutput([]byte(s))
		if s == "" {
			assert.Empty(t, b.String())
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, string(want), b.String(), "%q", s)
	}
}
