//go:build !linux

package spawner

// ignorable is signals_linux.go's set with the numbers of most Linux
// architectures, for the codec, which is tested on every OS.
var ignorable = ^uint64(0) &^ (1<<(4-1) | 1<<(5-1) | 1<<(7-1) | 1<<(8-1) | 1<<(9-1) | 1<<(11-1) | 1<<(16-1) |
	1<<(17-1) | 1<<(19-1) | 1<<(27-1) | 1<<(31-1) | 1<<(32-1) | 1<<(33-1) | 1<<(34-1))
