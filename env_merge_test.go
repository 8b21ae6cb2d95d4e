package adapters

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMergeEnv(t *testing.T) {
	tests := []struct {
		name     string
		base     []string
		extra    []EnvVar
		foldCase bool
		want     []string
	}{
		{
			name: "no extra returns base", base: []string{"A=1", "B=2"},
			want: []string{"A=1", "B=2"},
		},
		{
			name: "nil everything", want: nil,
		},
		{
			name: "added at the end", base: []string{"A=1"}, extra: []EnvVar{{"B", "2"}},
			want: []string{"A=1", "B=2"},
		},
		{
			name: "nil base", extra: []EnvVar{{"B", "2"}},
			want: []string{"B=2"},
		},
		{
			name: "inherited replaced", base: []string{"A=old", "B=b", "C=c"}, extra: []EnvVar{{"B", "new"}},
			want: []string{"A=old", "C=c", "B=new"},
		},
		{
			name: "later extra wins", base: []string{"X=x"}, extra: []EnvVar{{"A", "1"}, {"A", "2"}, {"A", "3"}},
			want: []string{"X=x", "A=3"},
		},
		{
			name:  "order of first occurrence, value of last",
			base:  []string{"X=x"},
			extra: []EnvVar{{"B", "1"}, {"A", "1"}, {"B", "2"}, {"C", "1"}, {"A", "2"}},
			want:  []string{"X=x", "B=2", "A=2", "C=1"},
		},
		{
			name: "inherited duplicates of a replaced key all go", base: []string{"A=1", "B=b", "A=2"}, extra: []EnvVar{{"A", "3"}},
			want: []string{"B=b", "A=3"},
		},
		{
			name: "inherited duplicates of other keys are kept", base: []string{"A=1", "A=2"}, extra: []EnvVar{{"B", "3"}},
			want: []string{"A=1", "A=2", "B=3"},
		},
		{
			name: "empty value", base: []string{"A=1"}, extra: []EnvVar{{"A", ""}},
			want: []string{"A="},
		},
		{
			name: "value with =", base: []string{"A=1"}, extra: []EnvVar{{"A", "b=c="}},
			want: []string{"A=b=c="},
		},
		{
			name: "inherited value with = matched by key", base: []string{"A=x=y", "AB=1"}, extra: []EnvVar{{"A", "z"}},
			want: []string{"AB=1", "A=z"},
		},
		{
			name: "inherited entry without =", base: []string{"WEIRD", "A=1"}, extra: []EnvVar{{"B", "2"}},
			want: []string{"WEIRD", "A=1", "B=2"},
		},
		{
			name: "inherited entry without = replaced", base: []string{"WEIRD", "A=1"}, extra: []EnvVar{{"WEIRD", "now"}},
			want: []string{"A=1", "WEIRD=now"},
		},
		{
			name: "case-sensitive by default", base: []string{"Path=/a", "PATH=/b"}, extra: []EnvVar{{"path", "/c"}},
			want: []string{"Path=/a", "PATH=/b", "path=/c"},
		},
		{
			name: "case-sensitive replaces exact key", base: []string{"Path=/a", "PATH=/b"}, extra: []EnvVar{{"PATH", "/c"}},
			want: []string{"Path=/a", "PATH=/c"},
		},
		{
			name: "foldCase replaces every spelling", base: []string{"Path=C:\\Windows", "TEMP=t", "PATH=x"}, extra: []EnvVar{{"PATH", "C:\\bin"}},
			foldCase: true,
			want:     []string{"TEMP=t", "PATH=C:\\bin"},
		},
		{
			name: "foldCase keeps the spelling of the last extra", base: []string{"A=1"}, extra: []EnvVar{{"path", "1"}, {"A", "2"}, {"Path", "2"}},
			foldCase: true,
			want:     []string{"Path=2", "A=2"},
		},
		{
			name: "drive entries kept", base: []string{"=C:=C:\\dir", "=D:=D:\\", "=ExitCode=00000001", "A=1"}, extra: []EnvVar{{"A", "2"}},
			want: []string{"=C:=C:\\dir", "=D:=D:\\", "=ExitCode=00000001", "A=2"},
		},
		{
			name: "drive entries kept with foldCase", base: []string{"=C:=C:\\dir", "a=1"}, extra: []EnvVar{{"A", "2"}, {"C:", "x"}},
			foldCase: true,
			want:     []string{"=C:=C:\\dir", "A=2", "C:=x"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := slices.Clone(tt.base)
			got := mergeEnv(base, tt.extra, tt.foldCase)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.base, base, "mergeEnv modified base")
		})
	}
}

func TestMergeEnvDoesNotAliasBase(t *testing.T) {
	base := make([]string, 2, 10)
	base[0], base[1] = "A=1", "B=2"
	got := mergeEnv(base, []EnvVar{{"C", "3"}}, false)
	require.Equal(t, []string{"A=1", "B=2", "C=3"}, got)
	got[0] = "changed"
	assert.Equal(t, "A=1", base[0])
	assert.Equal(t, "", base[:3][2], "mergeEnv wrote into base's spare capacity")
}

func TestLookupEnv(t *testing.T) {
	env := []string{"A=1", "B=", "C=x=y", "NOEQ", "Path=/p", "A=2", "=C:=C:\\"}
	tests := []struct {
		key      string
		foldCase bool
		want     string
		ok       bool
	}{
		{"A", false, "2", true},
		{"B", false, "", true},
		{"C", false, "x=y", true},
		{"NOEQ", false, "", false},
		{"Path", false, "/p", true},
		{"PATH", false, "", false},
		{"PATH", true, "/p", true},
		{"path", true, "/p", true},
		{"a", false, "", false},
		{"a", true, "2", true},
		{"MISSING", false, "", false},
		{"MISSING", true, "", false},
	}
	for _, tt := range tests {
		got, ok := lookupEnv(env, tt.key, tt.foldCase)
		assert.Equal(t, tt.ok, ok, "key %q fold %v", tt.key, tt.foldCase)
		assert.Equal(t, tt.want, got, "key %q fold %v", tt.key, tt.foldCase)
	}

	got, ok := lookupEnv(nil, "A", false)
	assert.False(t, ok)
	assert.Equal(t, "", got)
}

func TestLookupEnvAfterMergeEnv(t *testing.T) {
	base := []string{"PATH=/usr/bin", "HOME=/root", "Path=win"}
	merged := mergeEnv(base, []EnvVar{{"PATH", "/opt/bin"}, {"NEW", "1"}, {"PATH", "/final"}}, false)
	v, ok := lookupEnv(merged, "PATH", false)
	require.True(t, ok)
	assert.Equal(t, "/final", v)
	v, ok = lookupEnv(merged, "Path", false)
	require.True(t, ok)
	assert.Equal(t, "win", v)

	merged = mergeEnv(base, []EnvVar{{"path", "/folded"}}, true)
	assert.Equal(t, []string{"HOME=/root", "path=/folded"}, merged)
	v, ok = lookupEnv(merged, "PATH", true)
	require.True(t, ok)
	assert.Equal(t, "/folded", v)
}

// FuzzMergeEnv checks mergeEnv's invariants on arbitrary environments:
// base is newline-separated KEY=VALUE entries, extra newline-separated
// KEY=VALUE pairs whose keys validate would accept.
func FuzzMergeEnv(f *testing.F) {
	f.Add("A=1\nB=2", "B=3\nC=4", false)
	f.Add("Path=x\nPATH=y\n=C:=C:\\", "path=z\nPath=w", true)
	f.Add("A=1\nA=2\nNOEQ\n=", "A=\nA=x=y", false)
	f.Add("", "", false)
	f.Add("K=v", "", true)
	f.Add("ß=1\nSS=2", "ss=3", true)
	f.Fuzz(func(t *testing.T, baseText, extraText string, foldCase bool) {
		var base []string
		if baseText != "" {
			base = strings.Split(baseText, "\n")
		}
		var extra []EnvVar
		if extraText != "" {
			for _, line := range strings.Split(extraText, "\n") {
				key, value, _ := strings.Cut(line, "=")
				if key == "" {
					continue // validate rejects it before mergeEnv is called
				}
				extra = append(extra, EnvVar{key, value})
			}
		}
		normalize := func(key string) string {
			if foldCase {
				return strings.ToUpper(key)
			}
			return key
		}
		baseCopy := slices.Clone(base)

		got := mergeEnv(base, extra, foldCase)

		if !slices.Equal(baseCopy, base) {
			t.Fatalf("base modified: %q -> %q", baseCopy, base)
		}
		if len(extra) == 0 {
			if !slices.Equal(got, base) {
				t.Fatalf("no extra: got %q, want base %q", got, base)
			}
			return
		}

		// The last occurrence of each extra key, and the keys in order of
		// first occurrence.
		last := make(map[string]EnvVar)
		var order []string
		for _, kv := range extra {
			k := normalize(kv.Key)
			if _, seen := last[k]; !seen {
				order = append(order, k)
			}
			last[k] = kv
		}

		// Every extra key appears exactly once, with its last value.
		count := make(map[string]int)
		for _, entry := range got {
			key, _, _ := strings.Cut(entry, "=")
			if key == "" {
				continue
			}
			count[normalize(key)]++
		}
		for _, k := range order {
			if count[k] != 1 {
				t.Fatalf("key %q appears %d times in %q", k, count[k], got)
			}
		}

		// The result is base without the replaced entries, in order,
		// followed by the extra variables in order of first occurrence.
		var kept []string
		for _, entry := range base {
			key, _, _ := strings.Cut(entry, "=")
			if _, replaced := last[normalize(key)]; key != "" && replaced {
				continue
			}
			kept = append(kept, entry)
		}
		want := slices.Clone(kept)
		for _, k := range order {
			want = append(want, last[k].Key+"="+last[k].Value)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("mergeEnv(%q, %q, %v) = %q, want %q", base, extra, foldCase, got, want)
		}

		// Without case folding, lookupEnv sees the last value of every
		// extra key.
		if !foldCase {
			for _, k := range order {
				v, ok := lookupEnv(got, k, false)
				if !ok || v != last[k].Value {
					t.Fatalf("lookupEnv(%q, %q) = %q, %v; want %q", got, k, v, ok, last[k].Value)
				}
			}
		}
	})
}
