package decimal_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/perfgate/adapters/internal/decimal"
)

func TestParseUint(t *testing.T) {
	for in, want := range map[string]uint64{"0": 0, "7": 7, "0012": 12, "18446744073709551615": 1<<64 - 1} {
		got, ok := decimal.ParseUint([]byte(in))
		assert.True(t, ok, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"", " 1", "1 ", "+1", "-1", "0x10", "1_000", "1.5", "18446744073709551616", "١"} {
		_, ok := decimal.ParseUint([]byte(in))
		assert.False(t, ok, "%q", in)
	}
}

func TestDigits(t *testing.T) {
	assert.Equal(t, 0, decimal.Digits(nil))
	assert.Equal(t, 0, decimal.Digits([]byte(" 12")))
	assert.Equal(t, 3, decimal.Digits([]byte("123 kB")))
	assert.Equal(t, 2, decimal.Digits([]byte("42")))
}

func FuzzParseUint(f *testing.F) {
	f.Add([]byte("123"))
	f.Fuzz(func(t *testing.T, b []byte) {
		n, ok := decimal.ParseUint(b)
		if ok && decimal.Digits(b) != len(b) {
			t.Fatalf("%q parsed as %d but is not all digits", b, n)
		}
	})
}
