package keymap

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/BurntSushi/toml"
)

// ConfigPath is where faldash reads its configuration:
// $XDG_CONFIG_HOME/faldash/config.toml, or ~/.config/faldash/config.toml
// when XDG_CONFIG_HOME is unset (on every OS, as terminal users expect).
func ConfigPath() (string, error) {
	dir := os.Getenv("XDG_CONFIG_HOME")
	if dir == "" || !filepath.IsAbs(dir) {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("find config directory: %w", err)
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "faldash", "config.toml"), nil
}

// Load returns the default bindings with the [keys] table of the TOML file
// at path applied, checked for clashes within scopes (see Apply). A missing file means the defaults. Other tables of the
// file belong to other parts of faldash and are ignored here.
//
// Action names may be quoted keys or nested tables, and a single key may be
// given without a list:
//
//	[keys]
//	"runners.kill" = ["X"]
//	"global.quit" = "Q"
//
//	[keys.apps]
//	scale_up_min = ["+", "="]
func Load(path string, scopes ...Scope) (*KeyMap, error) {
	k := Default()
	var cfg struct {
		Keys map[string]any `toml:"keys"`
	}
	_, err := toml.DecodeFile(path, &cfg)
	if errors.Is(err, fs.ErrNotExist) {
		return k, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read key bindings from %s: %w", path, err)
	}
	overrides := make(map[string][]string)
	if err := flatten("", cfg.Keys, overrides); err != nil {
		return nil, fmt.Errorf("key bindings in %s: %w", path, err)
	}
	if err := k.Apply(overrides, scopes...); err != nil {
		return nil, fmt.Errorf("key bindings in %s: %w", path, err)
	}
	return k, nil
}

// flatten turns nested TOML tables into dotted action names.
func flatten(prefix string, table map[string]any, out map[string][]string) error {
	names := make([]string, 0, len(table))
	for name := range table {
		names = append(names, name)
	}
	slices.Sort(names) // report the same error first every time

	for _, name := range names {
		full := prefix + name
		switch v := table[name].(type) {
		case map[string]any:
			if err := flatten(full+".", v, out); err != nil {
				return err
			}
		case string:
			out[full] = []string{v}
		case []any:
			keys := make([]string, 0, len(v))
			for _, item := range v {
				s, ok := item.(string)
				if !ok {
					return fmt.Errorf("action %q: keys must be strings, got %T", full, item)
				}
				keys = append(keys, s)
			}
			out[full] = keys
		default:
			return fmt.Errorf("action %q: want a key or a list of keys, got %T", full, v)
		}
	}
	return nil
}
