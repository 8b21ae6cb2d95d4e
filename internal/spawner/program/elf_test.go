package program

import (
	"bytes"
	"debug/elf"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The image parses as the minimal executable buildELF promises, on every OS.
func TestBuildELF(t *testing.T) {
	code := []byte{0xde, 0xad, 0xbe, 0xef, 1, 2, 3}
	for _, tc := range []struct {
		machine uint16
		want    elf.Machine
	}{{emX86_64, elf.EM_X86_64}, {emAArch64, elf.EM_AARCH64}} {
		img := buildELF(tc.machine, code)
		require.Len(t, img, elfCodeOffset+len(code))
		f, err := elf.NewFile(bytes.NewReader(img))
		require.NoError(t, err)
		assert.Equal(t, elf.ELFCLASS64, f.Class)
		assert.Equal(t, elf.ELFDATA2LSB, f.Data)
		assert.Equal(t, elf.ET_EXEC, f.Type)
		assert.Equal(t, tc.want, f.Machine)
		assert.Equal(t, elf.ELFOSABI_NONE, f.OSABI)
		assert.Equal(t, uint64(0x10000+192), f.Entry)
		assert.Empty(t, f.Sections)
		require.Len(t, f.Progs, 2)

		load := f.Progs[0]
		assert.Equal(t, elf.ProgHeader{Type: elf.PT_LOAD, Flags: elf.PF_R | elf.PF_X, Off: 0,
			Vaddr: 0x10000, Paddr: 0x10000, Filesz: uint64(len(img)), Memsz: uint64(len(img)), Align: 0x1000},
			load.ProgHeader)
		stack := f.Progs[1]
		assert.Equal(t, elf.PT_GNU_STACK, stack.Type)
		assert.Equal(t, elf.PF_R|elf.PF_W, stack.Flags, "the stack is not executable")

		// The entry point's bytes are the code.
		got := make([]byte, len(code))
		_, err = load.ReadAt(got, int64(f.Entry-load.Vaddr))
		require.NoError(t, err)
		assert.Equal(t, code, got)
	}
}

// Image is the platform's ELF where there is a spawner program, and
// ErrUnsupported elsewhere.
func TestImage(t *testing.T) {
	img, err := Image()
	if !Supported {
		assert.ErrorIs(t, err, ErrUnsupported)
		assert.Nil(t, img)
		return
	}
	require.NoError(t, err)
	f, err := elf.NewFile(bytes.NewReader(img))
	require.NoError(t, err)
	assert.Contains(t, []elf.Machine{elf.EM_X86_64, elf.EM_AARCH64}, f.Machine)
	t.Logf("image: %d bytes, %d of them code", len(img), len(img)-elfCodeOffset)
	assert.Greater(t, len(img), elfCodeOffset)
	assert.Less(t, len(img), elfCodeOffset+maxCode)
	again, err := Image()
	require.NoError(t, err)
	assert.Same(t, &img[0], &again[0], "built once")
}
