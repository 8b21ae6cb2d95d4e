package main

import "strconv"

// signalName has nothing to look up on Plan 9, which has notes, not
// signal numbers.
func signalName(sig int) string { return "signal " + strconv.Itoa(sig) }
