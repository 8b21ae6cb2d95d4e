//go:build linux && (amd64 || arm64)

package program

import (
	"errors"
	"fmt"
	"runtime"

	"github.com/perfgate/adapters/internal/procfs"
)

// Supported says whether this platform has the spawner program: Image and
// Open work only where it is true.
const Supported = true

// spawnerMain is the spawner program (spawner_linux_$GOARCH.s). It is never
// called from Go: it runs on a process's initial stack, with no Go runtime,
// after its bytes are copied into an ELF image. The declaration is for
// vet's asmdecl and to keep the symbol in the binary.
func spawnerMain()

// spawnerMainPC returns the address of spawnerMain's first instruction
// (the assembly's own, not an ABI wrapper's).
func spawnerMainPC() uintptr

// machineCode returns a copy of spawnerMain's machine code. Its extent comes
// from the pclntab (runtime.FuncForPC): the largest pc whose function is
// still spawnerMain, found by binary search, so a literal pool the arm64
// assembler places inside the function is included. The bytes are read
// through /proc/self/mem rather than an unsafe.Slice over the text: the
// address is a uintptr, and turning it into a pointer is what vet's
// unsafeptr check (rightly) refuses in general; a read at an offset of the
// process's own memory says the same thing with no unsafe at all.
func machineCode() ([]byte, error) {
	entry := spawnerMainPC()
	f := runtime.FuncForPC(entry)
	if f == nil || f.Entry() != entry {
		return nil, errors.New("spawner program: spawnerMain not in the pclntab")
	}
	in := func(pc uintptr) bool {
		g := runtime.FuncForPC(pc)
		return g != nil && g.Entry() == entry
	}
	// Invariant: in(lo) and !in(hi).
	lo, hi := entry, entry+maxCode
	if in(hi) {
		return nil, fmt.Errorf("spawner program: spawnerMain over %d bytes", maxCode)
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if in(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	code := make([]byte, int(hi-entry))
	if err := procfs.ReadMem(procfs.DefaultRoot, "self", entry, code); err != nil {
		return nil, fmt.Errorf("spawner program: reading its code: %w", err)
	}
	return code, nil
}
