package capture

import (
	"strings"
	"unicode/utf8"
)

// LossyUTF8 converts b to a string the way Rust's String::from_utf8_lossy
// does, so that captured output reads the same in Go's and perfgate's
// receipts: each maximal invalid subpart (the start of a sequence that
// cannot be completed, such as a character cut by the output cap) becomes
// one U+FFFD. encoding/json alone would write one U+FFFD per byte.
func LossyUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var out strings.Builder
	out.Grow(len(b) + 8)
	for i := 0; i < len(b); {
		if r, size := utf8.DecodeRune(b[i:]); r != utf8.RuneError || size > 1 {
			out.Write(b[i : i+size])
			i += size
			continue
		}
		out.WriteRune(utf8.RuneError)
		i += invalidSubpartLen(b[i:])
	}
	return out.String()
}

// invalidSubpartLen returns the length of the maximal invalid subpart at
// the start of b, which starts with an invalid sequence: its lead byte and
// the continuation bytes that could still have completed it (Unicode's
// "U+FFFD substitution of maximal subparts", as Rust implements it).
func invalidSubpartLen(b []byte) int {
	lead := b[0]
	// secondLow..secondHigh bounds the second byte for this lead byte;
	// the continuation bytes after it are 0x80..0xBF.
	var width int
	var secondLow, secondHigh byte = 0x80, 0xBF
	switch {
	case lead >= 0xC2 && lead <= 0xDF:
		width = 2
	case lead == 0xE0:
		width, secondLow = 3, 0xA0
	case lead == 0xED:
		width, secondHigh = 3, 0x9F
	case lead >= 0xE1 && lead <= 0xEF:
		width = 3
	case lead == 0xF0:
		width, secondLow = 4, 0x90
	case lead == 0xF4:
		width, secondHigh = 4, 0x8F
	case lead >= 0xF1 && lead <= 0xF3:
		width = 4
	default:
		return 1
	}
	n := 1
	if n >= len(b) || b[n] < secondLow || b[n] > secondHigh {
		return n
	}
	for n++; n < width; n++ {
		if n >= len(b) || b[n] < 0x80 || b[n] > 0xBF {
			return n
		}
	}
	return n // unreachable for an invalid sequence; kept total
}
