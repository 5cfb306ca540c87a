package cmdline

import (
	"os/exec"
	"reflect"
	"strings"
	"testing"
)

func TestJoin(t *testing.T) {
	for _, tc := range []struct {
		argv []string
		want string
	}{
		{[]string{"python", "app.py", "--port=8080"}, "python app.py --port=8080"},
		{[]string{"sh", "-c", "echo $HOME; exit 1"}, `sh -c 'echo $HOME; exit 1'`},
		{[]string{"echo", ""}, "echo ''"},
		{[]string{"echo", "it's"}, `echo 'it'\''s'`},
		{[]string{"a b", "*", "~x", "new\nline"}, "'a b' '*' '~x' 'new\nline'"},
	} {
		if got := Join(tc.argv); got != tc.want {
			t.Errorf("Join(%q) = %q, want %q", tc.argv, got, tc.want)
		}
	}
}

// The shell must read Join's line back as the same argv.
func TestJoinRoundTripsThroughSh(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	argv := []string{"it's", "", "a b", "$HOME", "`x`", `back\slash`, "tab\there", "ünï", "*", "-n"}
	line := "printf '%s\\0' " + Join(argv)
	out, err := exec.Command(sh, "-c", line).Output()
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	if !reflect.DeepEqual(got, argv) {
		t.Errorf("sh read %q back as %q", argv, got)
	}
}

func TestMetadata(t *testing.T) {
	got := Metadata([]string{"a", "b"})
	if !reflect.DeepEqual(got, map[string]any{"command": []any{"a", "b"}}) {
		t.Errorf("Metadata = %v", got)
	}
}
