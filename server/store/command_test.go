package store

import (
	"slices"
	"strings"
	"testing"
)

func TestCommand(t *testing.T) {
	cases := []struct {
		name, entry, meta string
		want              []string
		err               string // part of the error; "" = none
	}{
		{"argv", "ignored", `{"command":["/bin/prog","a b","--x"]}`, []string{"/bin/prog", "a b", "--x"}, ""},
		{"shell", "echo hi && sleep 1", `{"other":1}`, []string{"/bin/sh", "-c", "echo hi && sleep 1"}, ""},
		{"no metadata", "prog", "", []string{"/bin/sh", "-c", "prog"}, ""},
		{"null command", "prog", `{"command":null}`, []string{"/bin/sh", "-c", "prog"}, ""},
		{"empty argument", "prog", `{"command":["prog",""]}`, []string{"prog", ""}, ""},
		{"a string", "prog", `{"command":"prog"}`, nil, "not a string"},
		{"an object", "prog", `{"command":{"a":1}}`, nil, "not an object"},
		{"empty list", "prog", `{"command":[]}`, nil, "empty list"},
		{"empty program", "prog", `{"command":[""]}`, nil, "command[0], the program, is empty"},
		{"numbers", "prog", `{"command":[1,2]}`, nil, "command[0] is a number"},
		{"a list inside", "prog", `{"command":["a",["b"]]}`, nil, "command[1] is a list"},
		{"NUL in an argument", "prog", `{"command":["a","b\u0000c"]}`, nil, "command[1] holds a NUL byte"},
		{"NUL in the entrypoint", "a\x00b", "", nil, "entrypoint holds a NUL byte"},
		{"bad json", "prog", `{`, nil, "not a JSON object"},
		{"a JSON list", "prog", `["a"]`, nil, "not a JSON object"},
		{"nothing", "  ", "", nil, "entrypoint is empty"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Revision{Entrypoint: c.entry, Metadata: []byte(c.meta)}.Command()
			if c.err == "" {
				if err != nil || !slices.Equal(got, c.want) {
					t.Errorf("Command = %q, %v; want %q", got, err, c.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("Command = %q, %v; want an error with %q", got, err, c.err)
			}
		})
	}
}

func TestWorkDir(t *testing.T) {
	cases := []struct {
		name, meta, want string
		err              string
	}{
		{"none", `{"command":["prog"]}`, "", ""},
		{"no metadata", ``, "", ""},
		{"null", `{"working_dir":null}`, "", ""},
		{"absolute", `{"working_dir":"/home/me/app"}`, "/home/me/app", ""},
		{"relative", `{"working_dir":"app"}`, "", "not an absolute path"},
		{"a number", `{"working_dir":1}`, "", "not a number"},
		{"NUL", `{"working_dir":"/a\u0000b"}`, "", "NUL"},
		{"too long", `{"working_dir":"/` + strings.Repeat("a", MaxWorkDir) + `"}`, "", "over the limit"},
	}
	for _, c := range cases {
		got, err := Revision{Metadata: []byte(c.meta)}.WorkDir()
		if c.err == "" && (err != nil || got != c.want) {
			t.Errorf("%s: WorkDir = %q, %v; want %q", c.name, got, err, c.want)
		}
		if c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)) {
			t.Errorf("%s: WorkDir error %v, want one saying %q", c.name, err, c.err)
		}
	}
}
