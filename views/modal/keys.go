package modal

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"

	"github.com/faldash/faldash/internal/ui/theme"
)

// KeysLine draws a dialog's keys inside its box, in the footer's styles.
// Given the dialog's declared keys (its ShortHelp), the box says what the
// keys are now, remapped as they are, in the same words as the footer.
func KeysLine(st *theme.Styles, keys []key.Binding) string {
	parts := make([]string, 0, len(keys))
	for _, b := range keys {
		if b.Enabled() {
			parts = append(parts, st.FooterKey.Render(b.Help().Key)+" "+st.FooterDesc.Render(b.Help().Desc))
		}
	}
	return strings.Join(parts, "   ")
}
