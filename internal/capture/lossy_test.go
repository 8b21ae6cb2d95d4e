package capture

import (
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

// The vectors are those of Rust's own tests of String::from_utf8_lossy,
// which perfgate uses for stdout and stderr.
func TestLossyUTF8MatchesRust(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"hello", "hello"},
		{"ศไทย中华Việt Nam", "ศไทย中华Việt Nam"},
		{"Hello\xC2 There\xFF Goodbye", "Hello\uFFFD There\uFFFD Goodbye"},
		{"Hello\xC0\x80 There\xE6\x83 Goodbye", "Hello\uFFFD\uFFFD There\uFFFD Goodbye"},
		{"\xF5foo\xF5\x80bar", "\uFFFDfoo\uFFFD\uFFFDbar"},
		{"\xF1foo\xF1\x80bar\xF1\x80\x80baz", "\uFFFDfoo\uFFFDbar\uFFFDbaz"},
		{"\xF4foo\xF4\x80bar\xF4\xBFbaz", "\uFFFDfoo\uFFFDbar\uFFFD\uFFFDbaz"},
		{"\xF0\x80\x80\x80foo\xF0\x90\x80\x80bar", "\uFFFD\uFFFD\uFFFD\uFFFDfoo\U00010000bar"},
		{"\xF0\x90\x80foo", "\uFFFDfoo"},
		{"\xED\xA0\x80foo\xED\xBF\xBFbar", "\uFFFD\uFFFD\uFFFDfoo\uFFFD\uFFFD\uFFFDbar"},
		{"ok \xE2\x82", "ok \uFFFD"}, // "€" cut by an output cap
		{"\xEF\xBF\xBD", "\uFFFD"},   // a real U+FFFD stays one
	} {
		assert.Equal(t, tc.want, LossyUTF8([]byte(tc.in)), "%q", tc.in)
	}
}

func FuzzLossyUTF8(f *testing.F) {
	f.Add([]byte("Hello\xF0\x90\x80World"))
	f.Add([]byte("\xED\xA0\x80"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s := LossyUTF8(b)
		if !utf8.ValidString(s) {
			t.Fatalf("invalid output for %q", b)
		}
		if utf8.Valid(b) && s != string(b) {
			t.Fatalf("valid input changed: %q", b)
		}
		if utf8.RuneCountInString(s) > len(b) {
			t.Fatalf("more runes than input bytes: %q", b)
		}
	})
}
