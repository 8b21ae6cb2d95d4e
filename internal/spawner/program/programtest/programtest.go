// Package programtest writes the messages the spawner program sends, in
// Go, for tests of their readers (package program's Decode functions and
// the caller's side, package spawner). Only tests import it.
package programtest

import (
	"encoding/binary"
	"time"

	"github.com/perfgate/adapters/internal/spawner/program"
	"github.com/perfgate/adapters/internal/sysproc"
)

// EncodeHello is the hello the program sends.
func EncodeHello(h program.Hello) []byte {
	b := make([]byte, program.HelloSize)
	le := binary.LittleEndian
	le.PutUint64(b, program.HelloMagic)
	le.PutUint32(b[8:], uint32(h.Pid))
	le.PutUint32(b[12:], uint32(h.MaxRuns))
	return b
}

// EncodeStarted is the "started" message the program sends.
func EncodeStarted(s program.Started) []byte {
	b := make([]byte, program.StartedSize)
	le := binary.LittleEndian
	le.PutUint32(b, program.StartedTag)
	le.PutUint64(b[8:], uint64(s.Pid))
	le.PutUint64(b[16:], uint64(s.StartNs))
	return b
}

// EncodeExited is the reply the program sends for a child it reaped. It
// writes usage's figures where struct rusage has them.
func EncodeExited(status uint32, wall time.Duration, u sysproc.Usage) []byte {
	b := make([]byte, program.ExitedSize)
	le := binary.LittleEndian
	le.PutUint32(b, program.ExitedTag)
	le.PutUint32(b[4:], status)
	le.PutUint64(b[8:], uint64(wall))
	r := b[16:]
	le.PutUint64(r[0:], uint64(u.User/time.Second))
	le.PutUint64(r[8:], uint64(u.User%time.Second/time.Microsecond))
	le.PutUint64(r[16:], uint64(u.System/time.Second))
	le.PutUint64(r[24:], uint64(u.System%time.Second/time.Microsecond))
	for i, v := range map[int]int64{0: u.MaxRSSRaw, 4: u.MinorFaults, 5: u.MajorFaults, 7: u.InBlocks, 8: u.OutBlocks, 12: u.Voluntary, 13: u.Involuntary} {
		le.PutUint64(r[32+8*i:], uint64(v))
	}
	return b
}

// EncodeFailed is the reply of a spawn that failed at stage with errno.
func EncodeFailed(stage program.Stage, errno uint64) []byte {
	b := make([]byte, program.FailedSize)
	le := binary.LittleEndian
	le.PutUint32(b, program.FailedTag)
	le.PutUint32(b[4:], uint32(stage))
	le.PutUint64(b[8:], errno)
	return b
}
