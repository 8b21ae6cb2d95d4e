//go:build linux

package spawner

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// comparedInDocs returns what the table of docs/spawner.md, "What a child
// inherits", says the caller compares before every run: the
// /proc/self/status keys (a trailing * matches a prefix) and the files of
// /proc/self, named in backquotes in the rows marked "compared".
func comparedInDocs(t *testing.T) (keys, files []string) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "spawner.md"))
	require.NoError(t, err)
	_, section, ok := bytes.Cut(doc, []byte("\n## What a child inherits\n"))
	require.True(t, ok, "no section \"What a child inherits\"")
	section, _, _ = bytes.Cut(section, []byte("\n## "))
	quoted := regexp.MustCompile("`([^`]+)`")
	for line := range strings.Lines(string(section)) {
		cells := strings.Split(line, "|")
		if len(cells) != 5 || !strings.HasPrefix(strings.TrimSpace(cells[3]), "compared") {
			continue
		}
		for _, m := range quoted.FindAllStringSubmatch(cells[3], -1) {
			switch name := m[1]; {
			case strings.HasPrefix(name, "/proc/self/"):
				files = append(files, strings.TrimPrefix(name, "/proc/self/"))
			case strings.ToUpper(name) != name: // not a constant such as RLIMIT_NOFILE
				keys = append(keys, name)
			}
		}
	}
	return keys, files
}

// The table of what a child inherits names exactly what the caller's
// state check compares: statusKeys and comparedFiles.
func TestInheritedListMatchesTheCode(t *testing.T) {
	keys, files := comparedInDocs(t)
	require.NotEmpty(t, keys)
	var codeKeys []string
	for _, k := range statusKeys {
		codeKeys = append(codeKeys, strings.TrimSuffix(strings.TrimPrefix(string(k.key), "\n"), ":"))
	}
	matches := func(doc, key string) bool {
		prefix, wild := strings.CutSuffix(doc, "*")
		return key == doc || wild && strings.HasPrefix(key, prefix)
	}
	for _, key := range codeKeys {
		assert.True(t, slices.ContainsFunc(keys, func(doc string) bool { return matches(doc, key) }),
			"statusKeys compares %s, which docs/spawner.md does not list", key)
	}
	for _, doc := range keys {
		assert.True(t, slices.ContainsFunc(codeKeys, func(key string) bool { return matches(doc, key) }),
			"docs/spawner.md lists %s as compared, which statusKeys does not hold", doc)
	}
	var codeFiles []string
	for _, f := range comparedFiles {
		codeFiles = append(codeFiles, f.name)
	}
	assert.ElementsMatch(t, codeFiles, files, "the files of /proc/self compared whole")
}
