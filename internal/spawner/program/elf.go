package program

import (
	"encoding/binary"
	"errors"
	"runtime"
	"sync"
)

// ErrUnsupported is Image's and Open's error where there is no spawner
// program (any platform but linux/amd64 and linux/arm64).
var ErrUnsupported = errors.New("spawner program: not available on this platform")

// The ELF constants buildELF uses (the System V ABI's gABI and its
// processor supplements).
const (
	emX86_64  = 62  // EM_X86_64
	emAArch64 = 183 // EM_AARCH64

	elfHeaderSize = 64
	elfPhdrSize   = 56
	elfCodeOffset = 192 // after the header and two program headers, aligned to 64
	elfBase       = 0x10000
	elfPageAlign  = 0x1000

	ptLoad      = 1
	ptGNUStack  = 0x6474e551
	pfX         = 1
	pfW         = 2
	pfR         = 4
	etExec      = 2
	evCurrent   = 1
	elfClass64  = 2
	elfData2LSB = 1
)

// buildELF returns a minimal static ELF64 little-endian executable whose
// entry point is the first byte of code: the 64-byte header, one PT_LOAD
// mapping the whole file read and execute at elfBase, one PT_GNU_STACK
// asking for a stack that is not executable, and the code at file offset
// elfCodeOffset. There are no sections, no interpreter and no data: the
// code must be position-independent and reference nothing but itself and
// its stack.
func buildELF(machine uint16, code []byte) []byte {
	b := make([]byte, elfCodeOffset+len(code))
	le := binary.LittleEndian
	copy(b, "\x7fELF")
	b[4] = elfClass64
	b[5] = elfData2LSB
	b[6] = evCurrent // EI_VERSION; EI_OSABI (7) is 0, System V
	le.PutUint16(b[16:], etExec)
	le.PutUint16(b[18:], machine)
	le.PutUint32(b[20:], evCurrent)
	le.PutUint64(b[24:], elfBase+elfCodeOffset) // e_entry
	le.PutUint64(b[32:], elfHeaderSize)         // e_phoff
	le.PutUint64(b[40:], 0)                     // e_shoff: no sections
	le.PutUint16(b[52:], elfHeaderSize)         // e_ehsize
	le.PutUint16(b[54:], elfPhdrSize)           // e_phentsize
	le.PutUint16(b[56:], 2)                     // e_phnum
	le.PutUint16(b[58:], 64)                    // e_shentsize (no sections follow)

	load := b[elfHeaderSize:]
	le.PutUint32(load[0:], ptLoad)
	le.PutUint32(load[4:], pfR|pfX)
	le.PutUint64(load[8:], 0)               // p_offset
	le.PutUint64(load[16:], elfBase)        // p_vaddr
	le.PutUint64(load[24:], elfBase)        // p_paddr
	le.PutUint64(load[32:], uint64(len(b))) // p_filesz
	le.PutUint64(load[40:], uint64(len(b))) // p_memsz
	le.PutUint64(load[48:], elfPageAlign)   // p_align

	stack := b[elfHeaderSize+elfPhdrSize:]
	le.PutUint32(stack[0:], ptGNUStack)
	le.PutUint32(stack[4:], pfR|pfW)
	le.PutUint64(stack[48:], 16) // p_align

	copy(b[elfCodeOffset:], code)
	return b
}

// maxCode bounds the spawner program's machine code: anything larger means
// the walk of the pclntab went wrong.
const maxCode = 64 << 10

var image struct {
	once sync.Once
	b    []byte
	err  error
}

// Image returns the spawner program as a static ELF executable for this
// platform, built once from the assembly in this binary's own text. The
// caller must not modify it. Where there is no spawner program (Supported
// is false) the error is ErrUnsupported.
func Image() ([]byte, error) {
	image.once.Do(func() {
		var machine uint16
		switch runtime.GOARCH {
		case "amd64":
			machine = emX86_64
		case "arm64":
			machine = emAArch64
		}
		code, err := machineCode()
		if err != nil {
			image.err = err
			return
		}
		if machine == 0 || len(code) == 0 {
			image.err = ErrUnsupported
			return
		}
		image.b = buildELF(machine, code)
	})
	return image.b, image.err
}
