package program

import "errors"

// ErrUnsupported is Image's and Open's error where there is no spawner
// program (any platform but linux/amd64 and linux/arm64).
var ErrUnsupported = errors.New("spawner program: not available on this platform")
