package confine

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// grant is access to a path and everything below it, as Landlock grants.
type grant struct {
	path   string
	access uint64
	dir    bool
}

// plan turns broad grants (the whole filesystem readable, /dev writable)
// into grants that leave every hidden path out. Landlock only adds
// access, and a grant covers everything below its path, so a broad grant
// whose path holds a hidden one is split: each child of the directory is
// granted instead, except the hidden one, recursing down the branch that
// leads to it. A hidden path that does not exist yet is left out all the
// same, so it stays hidden once it is made. Symbolic links are left out
// of a split: access is checked
// on the path a link resolves to, which is granted or not on its own.
// The directories along a split branch get no grant of their own, so
// they cannot be listed. Paths are resolved first, so a hidden directory
// reached through a symbolic link is still left out.
func plan(broad []grant, hidden []string) ([]grant, error) {
	var hide []string
	for _, h := range hidden {
		r, err := resolve(h)
		if err != nil {
			return nil, err
		}
		hide = append(hide, r)
	}
	var out []grant
	for _, g := range broad {
		p, err := filepath.EvalSymlinks(g.path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		fi, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		out = split(out, p, fi.IsDir(), g.access, hide)
	}
	return out, nil
}

func split(out []grant, p string, dir bool, access uint64, hide []string) []grant {
	holds := false
	for _, h := range hide {
		if within(p, h) {
			return out
		}
		holds = holds || within(h, p)
	}
	if !holds {
		return append(out, grant{path: p, access: access, dir: dir})
	}
	entries, err := os.ReadDir(p)
	if err != nil {
		// Nothing below p can be granted without knowing its names.
		return out
	}
	for _, e := range entries {
		if e.Type()&fs.ModeSymlink != 0 {
			continue
		}
		out = split(out, filepath.Join(p, e.Name()), e.IsDir(), access, hide)
	}
	return out
}

// resolve is p with symbolic links resolved as far as p exists; the part
// that does not exist is kept as it is.
func resolve(p string) (string, error) {
	rest := ""
	for {
		r, err := filepath.EvalSymlinks(p)
		if err == nil {
			return filepath.Join(r, rest), nil
		}
		parent := filepath.Dir(p)
		if !errors.Is(err, fs.ErrNotExist) || parent == p {
			return "", err
		}
		rest = filepath.Join(filepath.Base(p), rest)
		p = parent
	}
}

// within reports whether p is dir or below it; both are clean and
// absolute.
func within(p, dir string) bool {
	if dir == "/" {
		return true
	}
	return p == dir || strings.HasPrefix(p, dir+"/")
}
