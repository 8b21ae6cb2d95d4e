package procfs

import (
	"bytes"
	"errors"
	"os"

	"github.com/perfgate/adapters/internal/decimal"
)

// ErrMalformedCPUList means the input is not a kernel CPU list.
var ErrMalformedCPUList = errors.New("procfs: malformed CPU list")

// OnlineCPUsPath is the file where Linux lists the CPUs that are online.
const OnlineCPUsPath = "/sys/devices/system/cpu/online"

// OnlineCPUs counts the CPUs listed in path (normally OnlineCPUsPath).
func OnlineCPUs(path string) (int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return CountCPUList(data)
}

// CountCPUList counts the CPUs of a list in the kernel's format
// ("0-3,8,10-11\n", as in /sys/devices/system/cpu/online and the
// Cpus_allowed_list line of /proc/PID/status): comma-separated CPU
// numbers and inclusive ranges, with an optional trailing newline. An
// empty list counts zero. It never panics, whatever data holds.
func CountCPUList(data []byte) (int, error) {
	data = bytes.TrimSuffix(data, []byte("\n"))
	if len(data) == 0 {
		return 0, nil
	}
	count := 0
	for item := range bytes.SplitSeq(data, []byte(",")) {
		lo, hi, isRange := bytes.Cut(item, []byte("-"))
		first, ok := decimal.ParseUint(lo)
		if !ok {
			return 0, ErrMalformedCPUList
		}
		last := first
		if isRange {
			if last, ok = decimal.ParseUint(hi); !ok || last < first {
				return 0, ErrMalformedCPUList
			}
		}
		// No machine has a billion CPUs: a larger range is not a CPU list,
		// and the cap keeps the count from overflowing.
		if last-first >= 1<<30 || count > 1<<30 {
			return 0, ErrMalformedCPUList
		}
		count += int(last-first) + 1
	}
	return count, nil
}
