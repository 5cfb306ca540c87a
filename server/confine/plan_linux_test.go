package confine

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestPlanLeavesHiddenOut builds a tree with a hidden directory three
// levels down, beside files, a symbolic link to it and a second hidden
// directory, and checks that the plan grants everything else and nothing
// that covers a hidden path.
func TestPlanLeavesHiddenOut(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"home/u/.local/share/faldash/runners", "home/u/.cache", "home/v/x", "usr/bin", "secret/x"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"home/u/.bashrc", "home/u/.local/share/other.db", "home/u/.local/share/faldash/admin.key"} {
		if err := os.WriteFile(filepath.Join(root, f), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(root, "home/u/.local/share/faldash"), filepath.Join(root, "home/u/data-link")); err != nil {
		t.Fatal(err)
	}
	hidden := filepath.Join(root, "home/u/.local/share/faldash")
	// The second hidden path is named through a link, and the third does
	// not exist yet: neither may make the plan fail or grant too much, and
	// the third must stay hidden once it is made.
	if err := os.Symlink(filepath.Join(root, "secret"), filepath.Join(root, "secret-link")); err != nil {
		t.Fatal(err)
	}
	grants, err := plan([]grant{{path: root, access: accessRead}}, []string{hidden, filepath.Join(root, "secret-link"), filepath.Join(root, "home/v/.fal")})
	if err != nil {
		t.Fatal(err)
	}
	real, err := filepath.EvalSymlinks(root)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, g := range grants {
		rel, err := filepath.Rel(real, g.path)
		if err != nil {
			t.Fatal(err)
		}
		if g.access != accessRead {
			t.Errorf("%s granted %#x", rel, g.access)
		}
		isDir := rel != "home/u/.bashrc" && rel != "home/u/.local/share/other.db"
		if g.dir != isDir {
			t.Errorf("%s: dir %v", rel, g.dir)
		}
		got = append(got, rel)
	}
	slices.Sort(got)
	want := []string{"home/u/.bashrc", "home/u/.cache", "home/u/.local/share/other.db", "home/v/x", "usr"}
	if !slices.Equal(got, want) {
		t.Errorf("granted %q, want %q", got, want)
	}
}

func TestWithin(t *testing.T) {
	for _, c := range []struct {
		p, dir string
		want   bool
	}{
		{"/a/b", "/a", true},
		{"/a", "/a", true},
		{"/ab", "/a", false},
		{"/a", "/a/b", false},
		{"/x", "/", true},
	} {
		if got := within(c.p, c.dir); got != c.want {
			t.Errorf("within(%q, %q) = %v", c.p, c.dir, got)
		}
	}
}

func TestSpecArgsRoundTrip(t *testing.T) {
	s := spec{landlock: true, hidden: []string{"/d", "/r"}, writable: []string{"/w"}, init: true, lifeline: 3, argv: []string{"/bin/prog", "--", "-x"}}
	got, err := parseSpec(s.args())
	if err != nil {
		t.Fatal(err)
	}
	if got.landlock != s.landlock || got.init != s.init || got.lifeline != 3 ||
		!slices.Equal(got.hidden, s.hidden) || !slices.Equal(got.writable, s.writable) || !slices.Equal(got.argv, s.argv) {
		t.Errorf("parsed %+v, want %+v", got, s)
	}
	for _, bad := range [][]string{{"--"}, {"--lifeline", "1", "--", "x"}, {"--nope", "--", "x"}} {
		if _, err := parseSpec(bad); err == nil {
			t.Errorf("parseSpec(%q) accepted", bad)
		}
	}
}
