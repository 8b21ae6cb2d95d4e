//go:build linux

package spawner

// The spawner's reading of requests, and the descriptors that come with a
// message (SCM_RIGHTS), which the caller's side reads too.

import (
	"io"

	"golang.org/x/sys/unix"

	"github.com/perfgate/adapters/internal/sysproc"
)

// receiveRequest reads one request and its requestFDs descriptors (the
// child's stdin, stdout, stderr, the run socket and the side socket) from
// the control socket, without waiting (EAGAIN: none is waiting); an error
// other than EINTR, EAGAIN and errBadMessage means end of file.
func receiveRequest(ctl int, buf, oob []byte) (*Request, []int, error) {
	n, oobn, flags, _, err := unix.Recvmsg(ctl, buf, oob, unix.MSG_CMSG_CLOEXEC|unix.MSG_DONTWAIT)
	if err != nil {
		return nil, nil, err
	}
	if n == 0 && oobn == 0 {
		return nil, nil, io.EOF
	}
	fds := receivedFDs(oob[:oobn])
	if len(fds) != requestFDs || flags&(unix.MSG_TRUNC|unix.MSG_CTRUNC) != 0 {
		sysproc.CloseFDs(fds)
		return nil, nil, errBadMessage
	}
	q, err := decodeRequest(buf[:n])
	if err != nil {
		sysproc.CloseFDs(fds)
		return nil, nil, errBadMessage
	}
	return q, fds, nil
}

func receivedFDs(oob []byte) []int {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil
	}
	var fds []int
	for i := range msgs {
		if got, err := unix.ParseUnixRights(&msgs[i]); err == nil {
			fds = append(fds, got...)
		}
	}
	return fds
}
