//go:build !linux

package procfs

import "errors"

func Read(int) (Stat, error) { return Stat{}, errors.ErrUnsupported }

func All() ([]Stat, error) { return nil, errors.ErrUnsupported }

func Descendants(int) ([]Stat, error) { return nil, errors.ErrUnsupported }

func EnvValue(int, string) string { return "" }
