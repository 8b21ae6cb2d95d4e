//go:build !windows

package main

// underWine is false off Windows (wine_windows_test.go).
func underWine() bool { return false }
