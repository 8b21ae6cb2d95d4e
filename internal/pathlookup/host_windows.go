package pathlookup

// HostRules returns the rules of this platform for a child whose
// environment getenv reads: Windows', with the child's PATHEXT and
// NoDefaultCurrentDirectoryInExePath.
func HostRules(getenv func(key string) (string, bool)) Rules {
	pathext, _ := getenv("PATHEXT")
	_, noDot := getenv("NoDefaultCurrentDirectoryInExePath")
	return WindowsRules(pathext, noDot)
}
