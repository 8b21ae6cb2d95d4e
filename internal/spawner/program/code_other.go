//go:build !(linux && (amd64 || arm64))

package program

// Supported says whether this platform has the spawner program: Image and
// Open work only where it is true.
const Supported = false

// machineCode: there is no spawner program on this platform.
func machineCode() ([]byte, error) { return nil, ErrUnsupported }
