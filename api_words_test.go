package adapters

import (
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// parsePackage parses the package's non-test files, comments included.
func parsePackage(t *testing.T) (*token.FileSet, []*ast.File) {
	t.Helper()
	fset := token.NewFileSet()
	names, err := filepath.Glob("*.go")
	require.NoError(t, err)
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		require.NoError(t, err)
		f, err := parser.ParseFile(fset, name, src, parser.ParseComments)
		require.NoError(t, err)
		files = append(files, f)
	}
	return fset, files
}

// Every ErrorKind constant is used outside errors.go: a documented error
// that nothing returns (as ErrTimeoutUnsupported was) misleads callers
// into handling it.
func TestEveryErrorKindIsReturnedSomewhere(t *testing.T) {
	fset, files := parsePackage(t)
	var kinds []string
	used := map[string]bool{}
	for _, f := range files {
		inErrors := filepath.Base(fset.Position(f.Pos()).Filename) == "errors.go"
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.ValueSpec:
				for _, name := range n.Names {
					if inErrors && strings.HasPrefix(name.Name, "Kind") {
						kinds = append(kinds, name.Name)
					}
				}
			case *ast.Ident:
				if !inErrors {
					used[n.Name] = true
				}
			}
			return true
		})
	}
	require.Contains(t, kinds, "KindRunCommand")
	for _, k := range kinds {
		assert.True(t, used[k], "%s is never returned outside errors.go", k)
	}
}

// The words about process scope agree with what the Windows runner does.
func TestScopeProcessDocSaysWhatWindowsMeasures(t *testing.T) {
	fset, files := parsePackage(t)
	p, err := doc.NewFromFiles(fset, files, "github.com/perfgate/adapters")
	require.NoError(t, err)
	var scopeDoc string
	for _, typ := range p.Types {
		if typ.Name != "Scope" {
			continue
		}
		for _, c := range typ.Consts {
			for _, spec := range c.Decl.Specs {
				vs := spec.(*ast.ValueSpec)
				if vs.Names[0].Name == "ScopeProcess" {
					scopeDoc = vs.Doc.Text()
				}
			}
		}
	}
	require.NotEmpty(t, scopeDoc)
	assert.NotContains(t, scopeDoc, "the child alone",
		"applyJobCounters (figures.go) takes the job's whole-tree counters in either scope")
	assert.Contains(t, scopeDoc, "job object")
}
