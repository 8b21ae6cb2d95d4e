//go:build linux

package testcap

import "testing"

func TestUnescapeOctal(t *testing.T) {
	for in, want := range map[string]string{
		"/sys/fs/cgroup":     "/sys/fs/cgroup",
		`/mnt/a\040b`:        "/mnt/a b",
		`/mnt/back\134slash`: `/mnt/back\slash`,
		`/mnt/trailing\04`:   `/mnt/trailing\04`,
		`/mnt/not\999octal`:  `/mnt/not\999octal`,
	} {
		if got := unescapeOctal(in); got != want {
			t.Errorf("unescapeOctal(%q) = %q, want %q", in, got, want)
		}
	}
}

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
