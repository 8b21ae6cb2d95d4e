package main

import (
	"sync"

	"golang.org/x/sys/windows"
)

// underWine reports whether the tests run under Wine, whose ntdll alone
// exports wine_get_version. Wine 8.0 reads a finished process's memory
// counters and its job's accounting as zeros, so there the library
// withholds every peak memory: the tests then expect n/a, where Windows
// itself has the figure.
var underWine = sync.OnceValue(func() bool {
	return windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version").Find() == nil
})
