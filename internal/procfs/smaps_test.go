package procfs_test

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/perfgate/adapters/internal/procfs"
)

// The fixture is the first six mappings of a real process's smaps: the
// executable's text and read-only data (clean), its RELRO page (read-only
// but privately dirtied by relocation), its data and the heap.
func TestParseSmapsFixture(t *testing.T) {
	data, err := os.ReadFile("../../testdata/procfs/smaps/smaps")
	require.NoError(t, err)
	maps := procfs.ParseSmaps(data)
	require.Len(t, maps, 6)
	const exe = "/root/.pyenv/versions/3.11.7/bin/python3.11"
	assert.Equal(t, procfs.Mapping{Start: 0x55a3d1232000, End: 0x55a3d1233000, Perms: "r--p", Inode: 18500, Path: exe}, maps[0])
	type summary struct {
		perms           string
		private, roFile bool
	}
	var got []summary
	for _, m := range maps {
		got = append(got, summary{m.Perms, m.Private, m.ReadOnlyFile()})
	}
	assert.Equal(t, []summary{
		{"r--p", false, true},
		{"r-xp", false, true}, // text: readable, not writable
		{"r--p", false, true},
		{"r--p", true, true}, // RELRO: read-only but with a private copy
		{"rw-p", true, false},
		{"rw-p", true, false},
	}, got)
	assert.Equal(t, "[heap]", maps[5].Path)
}

func TestParseSmapsMalformed(t *testing.T) {
	in := "zz-10 r--p 0 fe:00 5 /bad\nAnonymous: 4 kB\n" +
		"10-20 r--p 00000000 fe:00 7 /lib/a b.so\nPrivate_Dirty: 0 kB\n" +
		"30-20 r--p 0 fe:00 7 /backwards\n"
	maps := procfs.ParseSmaps([]byte(in))
	require.Len(t, maps, 1)
	assert.Equal(t, procfs.Mapping{Start: 0x10, End: 0x20, Perms: "r--p", Inode: 7, Path: "/lib/a b.so"}, maps[0])
}

func FuzzParseSmaps(f *testing.F) {
	if data, err := os.ReadFile("../../testdata/procfs/smaps/smaps"); err == nil {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, m := range procfs.ParseSmaps(data) {
			if m.End < m.Start || len(m.Perms) != 4 {
				t.Fatalf("impossible mapping %+v", m)
			}
		}
	})
}
