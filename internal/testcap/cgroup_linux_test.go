//go:build linux

package testcap

import "testing"

func TestUnderRoot(t *testing.T) {
	for _, tt := range []struct {
		p, root, want string
		ok            bool
	}{
		{"/a/b", "/", "/a/b", true},
		{"/a/b", "/a", "/b", true},
		{"/a", "/a", "/", true},
		{"/ab", "/a", "", false},
	} {
		got, ok := underRoot(tt.p, tt.root)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("underRoot(%q, %q) = %q, %v", tt.p, tt.root, got, ok)
		}
	}
}
