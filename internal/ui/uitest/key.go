package uitest

import tea "github.com/charmbracelet/bubbletea"

// named maps each key Bubble Tea names (tea.KeyType.String) to its type, so
// every key a test can name is pressed as the terminal would send it, not
// only the few a hand-written list remembered. KeyF20 is the last of the
// negative key types, KeyCtrlQuestionMark (DEL) the last control key.
var named = func() map[string]tea.KeyType {
	m := make(map[string]tea.KeyType)
	for k := tea.KeyF20; k <= tea.KeyCtrlQuestionMark; k++ {
		if s := k.String(); s != "" && k != tea.KeyRunes {
			m[s] = k
		}
	}
	return m
}()

// Key is the key message of the key called name, as tea.KeyMsg.String
// spells it; any other text is typed as runes.
func Key(name string) tea.KeyMsg {
	k, ok := named[name]
	switch {
	case !ok:
		return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(name)}
	case k == tea.KeySpace:
		// Bubble Tea reports the space bar with its rune too.
		return tea.KeyMsg{Type: k, Runes: []rune{' '}}
	}
	return tea.KeyMsg{Type: k}
}
