//go:build !windows

package pathlookup

// HostRules returns the rules of this platform: UnixRules everywhere but
// Windows (plan9, js and wasip1 included); the environment does not
// change them.
func HostRules(getenv func(key string) (string, bool)) Rules { return UnixRules }
