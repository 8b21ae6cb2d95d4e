//go:build windows

package adapters

import (
	"unsafe"

	"golang.org/x/sys/windows"
)

// memoryStatusEx is MEMORYSTATUSEX of <sysinfoapi.h>; x/sys/windows does
// not declare it.
type memoryStatusEx struct {
	length               uint32 // dwLength: the caller sets the size
	memoryLoad           uint32
	totalPhys            uint64 // ullTotalPhys: the physical memory, bytes
	availPhys            uint64
	totalPageFile        uint64
	availPageFile        uint64
	totalVirtual         uint64
	availVirtual         uint64
	availExtendedVirtual uint64
}

// MEMORYSTATUSEX is 64 bytes on every Windows architecture; the build
// fails if the Go layout ever differs.
var _ [64]byte = [unsafe.Sizeof(memoryStatusEx{})]byte{}

// procGlobalMemoryStatusEx is loaded from System32 only (NewLazySystemDLL),
// never from the current directory; x/sys/windows does not wrap it.
var procGlobalMemoryStatusEx = windows.NewLazySystemDLL("kernel32.dll").NewProc("GlobalMemoryStatusEx")

// totalMemoryBytes is ullTotalPhys of GlobalMemoryStatusEx: the physical
// memory the system can use, in bytes. It is nil when the call fails.
func totalMemoryBytes() *uint64 {
	// Find first: Call panics on a procedure it cannot load.
	if procGlobalMemoryStatusEx.Find() != nil {
		return nil
	}
	var status memoryStatusEx
	status.length = uint32(unsafe.Sizeof(status))
	ok, _, _ := procGlobalMemoryStatusEx.Call(uintptr(unsafe.Pointer(&status)))
	if ok == 0 || status.totalPhys == 0 {
		return nil
	}
	n := status.totalPhys
	return &n
}
