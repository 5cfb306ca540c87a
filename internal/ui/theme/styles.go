package theme

import (
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/lipgloss"
)

// Glyphs that carry meaning on their own, for terminals without colour.
const (
	GlyphOK            = "✓" // a finished task, a healthy connection
	GlyphErr           = "✗" // a failed task, a lost connection
	GlyphResetOnDeploy = "↺" // a scaling field fal resets on the next deploy
	BreadcrumbSep      = " › "
)

// Styles is every style a view may use, built from one Theme for one
// renderer. Build it once with NewStyles and pass the pointer down.
type Styles struct {
	// Header.
	Header            lipgloss.Style // the whole header line
	Target            lipgloss.Style // "fal cloud", "local", "demo"
	Production        lipgloss.Style // badge on the main environment
	ReadOnly          lipgloss.Style // badge while mutating actions are hidden
	Breadcrumb        lipgloss.Style // the path before the current pane
	BreadcrumbSep     lipgloss.Style
	BreadcrumbCurrent lipgloss.Style
	Fresh             lipgloss.Style // "updated 2s ago"
	Stale             lipgloss.Style // "stale: updated 3m ago"
	Connected         lipgloss.Style
	Disconnected      lipgloss.Style

	// Tables.
	TableHeader   lipgloss.Style
	SortIndicator lipgloss.Style // the ▲/▼ after the sorted column's title
	SelectedRow   lipgloss.Style // the row under the cursor
	Cursor        lipgloss.Style // the cursor glyph in the gutter
	ChangedMark   lipgloss.Style // the glyph of a row that changed
	SelectMark    lipgloss.Style // the glyph of a row marked with space
	Dim           lipgloss.Style // stale rows, disabled things
	Empty         lipgloss.Style // "no runners", "no match"
	Pending       lipgloss.Style // a value sent but not yet confirmed: "min 1→3"
	Summary       lipgloss.Style // the runners summary line

	// Status line and footer.
	StatusOK   lipgloss.Style
	StatusErr  lipgloss.Style
	StatusInfo lipgloss.Style
	Spinner    lipgloss.Style
	FooterKey  lipgloss.Style
	FooterDesc lipgloss.Style
	FooterSep  lipgloss.Style
	Help       help.Styles // assign to help.Model.Styles

	// Modals and forms.
	ModalBox      lipgloss.Style
	ModalTitle    lipgloss.Style
	ModalDanger   lipgloss.Style // what a delete will destroy
	Button        lipgloss.Style
	ButtonFocused lipgloss.Style
	Label         lipgloss.Style
	Input         lipgloss.Style
	FieldError    lipgloss.Style
	ResetMark     lipgloss.Style // GlyphResetOnDeploy
	DiffOld       lipgloss.Style
	DiffNew       lipgloss.Style

	TooSmall lipgloss.Style // the notice shown instead of a too-small layout

	// Lost marks a runner fal no longer sees in its group.
	Lost lipgloss.Style

	states     map[string]lipgloss.Style
	stateCells map[stateCell]string // read-only once built
	levels     map[string]lipgloss.Style
}

// NewStyles builds the styles of t for the renderer r, which decides the
// colour profile and the background (nil means lipgloss's default renderer,
// the one that writes to stdout). Tests pass a renderer set to termenv.Ascii.
func NewStyles(t Theme, r *lipgloss.Renderer) *Styles {
	if r == nil {
		r = lipgloss.DefaultRenderer()
	}
	base := r.NewStyle()
	fg := func(c lipgloss.AdaptiveColor) lipgloss.Style { return base.Foreground(c) }

	s := &Styles{
		Header:            base.Foreground(t.Text),
		Target:            fg(t.Accent).Bold(true),
		Production:        base.Foreground(t.ProductionFg).Background(t.ProductionBg).Bold(true).Padding(0, 1),
		ReadOnly:          fg(t.Warning).Bold(true),
		Breadcrumb:        fg(t.Muted),
		BreadcrumbSep:     fg(t.Faint),
		BreadcrumbCurrent: fg(t.Text).Bold(true),
		Fresh:             fg(t.Muted),
		Stale:             fg(t.Warning).Bold(true),
		Connected:         fg(t.Success),
		Disconnected:      fg(t.Danger).Bold(true),

		TableHeader:   fg(t.Muted).Bold(true),
		SortIndicator: fg(t.Accent),
		SelectedRow:   base.Foreground(t.SelectedFg).Background(t.SelectedBg),
		Cursor:        fg(t.Accent).Background(t.SelectedBg).Bold(true),
		ChangedMark:   fg(t.Changed).Bold(true),
		SelectMark:    fg(t.Accent).Bold(true),
		Dim:           fg(t.Faint),
		Empty:         fg(t.Muted).Italic(true),
		Pending:       fg(t.Warning).Italic(true),
		Summary:       fg(t.Muted),

		StatusOK:   fg(t.Success),
		StatusErr:  fg(t.Danger).Bold(true),
		StatusInfo: fg(t.Muted),
		Spinner:    fg(t.Accent),
		FooterKey:  fg(t.Accent).Bold(true),
		FooterDesc: fg(t.Muted),
		FooterSep:  fg(t.Faint),

		ModalBox: base.Border(lipgloss.RoundedBorder()).
			BorderForeground(t.Border).
			Padding(1, 2),
		ModalTitle:    fg(t.Text).Bold(true),
		ModalDanger:   fg(t.Danger).Bold(true),
		Button:        fg(t.Muted).Padding(0, 1),
		ButtonFocused: base.Foreground(t.SelectedFg).Background(t.SelectedBg).Bold(true).Padding(0, 1),
		Label:         fg(t.Muted),
		Input:         fg(t.Text),
		FieldError:    fg(t.Danger),
		ResetMark:     fg(t.Warning),
		DiffOld:       fg(t.Danger).Strikethrough(true),
		DiffNew:       fg(t.Success).Bold(true),

		TooSmall: fg(t.Warning).Bold(true),
		Lost:     fg(t.Danger).Bold(true),
	}
	s.Help = help.Styles{
		Ellipsis:       s.FooterSep,
		ShortKey:       s.FooterKey,
		ShortDesc:      s.FooterDesc,
		ShortSeparator: s.FooterSep,
		FullKey:        s.FooterKey,
		FullDesc:       s.FooterDesc,
		FullSeparator:  s.FooterSep,
	}

	s.states = make(map[string]lipgloss.Style)
	for _, state := range RunnerStates() {
		l, _ := lookOf(state)
		s.states[state] = fg(l.color(t)).Bold(l.bold)
	}
	s.stateCells = make(map[stateCell]string)
	for _, state := range RunnerStates() {
		for _, lost := range []bool{false, true} {
			s.stateCells[stateCell{state, lost}] = s.renderStateCell(state, lost)
		}
	}
	s.levels = make(map[string]lipgloss.Style)
	for level, c := range levelColors(t) {
		s.levels[level] = fg(c)
	}
	return s
}
