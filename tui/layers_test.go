package tui

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/faldash/faldash"

// TestViewsDoNotImportTUI keeps the layers one way: tui (the root model)
// imports views (the panes and dialogs), and views build on the UI kit in
// internal/ui, never on tui, directly or through another package. The
// other way round was an import cycle waiting to happen and made it
// unclear which side owned what. It reads the imports from the source
// (every file, whatever its build tags; views' tests too), so it needs
// neither the go command nor x/tools.
func TestViewsDoNotImportTUI(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	// via[p] is the package that first led to p, to name the chain.
	via := map[string]string{}
	var queue []string
	err = filepath.WalkDir(filepath.Join(root, "views"), func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "testdata" {
			return filepath.SkipDir
		}
		if d.IsDir() {
			rel, _ := filepath.Rel(root, path)
			p := module + "/" + filepath.ToSlash(rel)
			via[p] = ""
			queue = append(queue, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(queue) < 10 {
		t.Fatalf("found %d packages under %s/views; is the layout still the one this test knows?", len(queue), root)
	}
	views := map[string]bool{}
	for _, p := range queue {
		views[p] = true
	}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		// A views package's tests count; another package's do not, as
		// they are not part of what views import.
		for _, imp := range importsOf(t, filepath.Join(root, strings.TrimPrefix(p, module)), views[p]) {
			if imp != module && !strings.HasPrefix(imp, module+"/") {
				continue
			}
			if _, seen := via[imp]; seen {
				continue
			}
			via[imp] = p
			if imp == module+"/tui" || strings.HasPrefix(imp, module+"/tui/") {
				chain := []string{imp}
				for q := p; q != ""; q = via[q] {
					chain = append([]string{q}, chain...)
				}
				t.Errorf("views import tui: %s", strings.Join(chain, " → "))
				continue
			}
			queue = append(queue, imp)
		}
	}
}

// importsOf lists the imports of the Go files in dir, its tests' too when
// tests is set.
func importsOf(t *testing.T, dir string, tests bool) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	fset := token.NewFileSet()
	for _, f := range files {
		if !tests && strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, spec := range file.Imports {
			path, err := strconv.Unquote(spec.Path.Value)
			if err != nil {
				t.Fatalf("%s: import %s: %v", f, spec.Path.Value, err)
			}
			out = append(out, path)
		}
	}
	return out
}
