package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// outputFile is a file written once every run has succeeded, with the
// flag that names it and what builds its content.
type outputFile struct {
	flag, path string
	build      func() ([]byte, error)
}

// outputFiles lists the files the session writes, in order: the exports,
// then one receipt per command. checkFiles checks them before the first
// run, writeFiles builds and writes them after the last (a receipt's
// build needs its command's measurement, there by then).
func (s *session) outputFiles() []outputFile {
	var files []outputFile
	for _, f := range []outputFile{
		{"-export-json", s.o.exportJSON, s.exportJSON},
		{"-export-markdown", s.o.exportMD, func() ([]byte, error) { return s.exportMarkdown(), nil }},
		{"-export-csv", s.o.exportCSV, s.exportCSV},
		{"-export-csv-runs", s.o.exportCSVRuns, s.exportCSVRuns},
	} {
		if f.path != "" {
			files = append(files, f)
		}
	}
	if s.o.receipt != "" {
		for i := range s.benches {
			files = append(files, outputFile{"-receipt", receiptPath(s.o.receipt, i+1, len(s.benches)),
				func() ([]byte, error) { return s.receiptJSON(&s.results[i]) }})
		}
	}
	return files
}

// checkFiles checks, before the first run, that every file the session
// will write can be written, so that a typo in a path costs no benchmark.
// It leaves the file system as it found it. Two flags naming one file is
// a usage error (one would overwrite the other); a file that cannot be
// written is exit status 1, as a file that fails at the end.
func (s *session) checkFiles() int {
	flagOf := make(map[string]string)
	for _, f := range s.outputFiles() {
		key, err := filepath.Abs(f.path)
		if err != nil {
			key = filepath.Clean(f.path)
		}
		if other, ok := flagOf[key]; ok {
			return usageError(s.stderr, "%s and %s both name %s", other, f.flag, f.path)
		}
		flagOf[key] = f.flag
		held, err := checkWritable(f.path)
		if err != nil {
			s.errorf("%s: %v; nothing was run", f.flag, err)
			return exitFailed
		}
		if held != nil {
			if s.held == nil {
				s.held = make(map[string]*os.File)
			}
			s.held[f.path] = held
		}
	}
	return exitOK
}

// checkWritable reports why path cannot be written, or nil. A file that
// does not exist is created and removed again; a regular file that exists
// is opened for writing without truncating it, so that a read-only file
// is found out and its content kept. A file that is not regular (a FIFO,
// /dev/stdout) cannot be replaced whole: it is opened now, without
// waiting for a reader (openSpecial), and returned, held open for the
// writing after the runs, so that a FIFO with no reader is reported
// before the first run rather than hang after the last.
func checkWritable(path string) (*os.File, error) {
	dir := filepath.Dir(path)
	info, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("cannot write %s: directory %s does not exist", path, dir)
	case err != nil:
		return nil, fmt.Errorf("cannot write %s: %w", path, err)
	case !info.IsDir():
		return nil, fmt.Errorf("cannot write %s: %s is not a directory", path, dir)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err == nil {
		f.Close()
		return nil, os.Remove(path)
	}
	if !errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("cannot write %s: %w", path, err)
	}
	info, err = os.Stat(path)
	switch {
	case err != nil:
		return nil, fmt.Errorf("cannot write %s: %w", path, err)
	case info.IsDir():
		return nil, fmt.Errorf("cannot write %s: it is a directory", path)
	case !info.Mode().IsRegular():
		f, err := openSpecial(path, info)
		if err != nil {
			return nil, fmt.Errorf("cannot write %s: %w", path, err)
		}
		return f, nil
	}
	f, err = os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return nil, fmt.Errorf("cannot write %s: %w", path, err)
	}
	return nil, f.Close()
}
