package powercap_test

import (
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/perfgate/adapters/internal/powercap"
)

func TestCounterDelta(t *testing.T) {
	const maxU = math.MaxUint64
	tests := []struct {
		name                 string
		before, after, maxUJ uint64
		want                 uint64
		wantOK               bool
	}{
		{name: "forward", before: 100, after: 350, maxUJ: 1000, want: 250, wantOK: true},
		{name: "unchanged", before: 7, after: 7, maxUJ: 1000, want: 0, wantOK: true},
		{name: "forward to max", before: 0, after: 1000, maxUJ: 1000, want: 1000, wantOK: true},
		{name: "forward, range unknown", before: 100, after: 350, maxUJ: 0, want: 250, wantOK: true},
		// The range is [0, max] inclusive: max -> 0 is one step.
		{name: "max to zero", before: 1000, after: 0, maxUJ: 1000, want: 1, wantOK: true},
		{name: "wrap", before: 900, after: 50, maxUJ: 1000, want: 100 + 50 + 1, wantOK: true},
		{name: "one short of a full lap", before: 1, after: 0, maxUJ: 1000, want: 1000, wantOK: true},
		{name: "wrap to just below before", before: 500, after: 499, maxUJ: 1000, want: 1000, wantOK: true},
		{name: "wrap, real RAPL range", before: 262143328000, after: 1000, maxUJ: 262143328850, want: 1851, wantOK: true},
		{name: "wrap, range unknown", before: 900, after: 50, maxUJ: 0, wantOK: false},
		{name: "before above range", before: 1001, after: 1002, maxUJ: 1000, wantOK: false},
		{name: "after above range", before: 10, after: 1001, maxUJ: 1000, wantOK: false},
		{name: "uint64 range, max to zero", before: maxU, after: 0, maxUJ: maxU, want: 1, wantOK: true},
		{name: "uint64 range, longest wrap", before: maxU, after: maxU - 1, maxUJ: maxU, want: maxU, wantOK: true},
		{name: "uint64 range, forward", before: 0, after: maxU, maxUJ: maxU, want: maxU, wantOK: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := powercap.CounterDelta(tt.before, tt.after, tt.maxUJ)
			assert.Equal(t, tt.wantOK, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

// TestCounterDeltaIsModular checks the wrap against a counter simulated
// step by step over the range [0, max].
func TestCounterDeltaIsModular(t *testing.T) {
	const maxUJ = 12
	for start := uint64(0); start <= maxUJ; start++ {
		counter := start
		// Up to one full lap minus nothing: beyond that a wrap is lost.
		for steps := uint64(0); steps <= maxUJ; steps++ {
			got, ok := powercap.CounterDelta(start, counter, maxUJ)
			require.True(t, ok)
			require.Equal(t, steps, got, "start %d after %d steps (counter %d)", start, steps, counter)
			if counter == maxUJ {
				counter = 0
			} else {
				counter++
			}
		}
	}
}

func TestParseCounter(t *testing.T) {
	tests := []struct {
		in     string
		want   uint64
		wantOK bool
	}{
		{in: "0\n", want: 0, wantOK: true},
		{in: "262143328850\n", want: 262143328850, wantOK: true},
		{in: "42", want: 42, wantOK: true},
		{in: "007\n", want: 7, wantOK: true},
		{in: "18446744073709551615\n", want: math.MaxUint64, wantOK: true},
		{in: "18446744073709551616\n"},
		{in: ""},
		{in: "\n"},
		{in: "12\n\n"},
		{in: "12 \n"},
		{in: " 12\n"},
		{in: "12\r\n"},
		{in: "+12\n"},
		{in: "-12\n"},
		{in: "0x12\n"},
		{in: "1_000\n"},
		{in: "１２\n"}, // full-width digits
	}
	for _, tt := range tests {
		t.Run(strconv.Quote(tt.in), func(t *testing.T) {
			got, err := powercap.ParseCounter([]byte(tt.in))
			if !tt.wantOK {
				require.ErrorIs(t, err, powercap.ErrBadCounter)
				assert.Zero(t, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

var counterGrammar = regexp.MustCompile(`^([0-9]+)\n?$`)

func FuzzParseCounter(f *testing.F) {
	for _, seed := range []string{
		"0\n", "262143328850\n", "18446744073709551615\n", "18446744073709551616\n",
		"", "\n", "12\n\n", "-1\n", "0x1f\n", " 1\n", "1_0\n", "00000000000000000000000000001\n",
	} {
		f.Add([]byte(seed))
	}
	maxUint64 := new(big.Int).SetUint64(math.MaxUint64)
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := powercap.ParseCounter(data)
		m := counterGrammar.FindSubmatch(data)
		if m == nil {
			require.ErrorIs(t, err, powercap.ErrBadCounter)
			require.Zero(t, got)
			return
		}
		want, _ := new(big.Int).SetString(string(m[1]), 10)
		if want.Cmp(maxUint64) > 0 {
			require.ErrorIs(t, err, powercap.ErrBadCounter)
			require.Zero(t, got)
			return
		}
		require.NoError(t, err)
		require.Equal(t, want.Uint64(), got)
		// What was parsed prints back as the input less leading zeros.
		require.Equal(t, strings.TrimLeft(string(m[1]), "0"), strings.TrimLeft(strconv.FormatUint(got, 10), "0"))
	})
}
