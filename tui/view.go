package tui

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/x/ansi"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/names"
	"github.com/faldash/faldash/internal/ui/sanitize"
	"github.com/faldash/faldash/internal/ui/theme"
	"github.com/faldash/faldash/views/format"
	"github.com/faldash/faldash/views/pane"
)

const (
	headerHeight = 2 // target and state; breadcrumb
	footerHeight = 2 // status line; keys
)

// View draws the whole screen in exactly the terminal's size.
func (m *Model) View() string {
	if m.width <= 0 || m.height <= 0 {
		return "faldash: loading…" // the first frame, before the terminal's size is known
	}
	if m.tooSmall() {
		return m.tooSmallView()
	}
	lines := make([]string, 0, m.height)
	lines = append(lines, m.headerLines()...)
	lines = append(lines, fitBlock(m.bodyView(), m.width, m.height-headerHeight-footerHeight)...)
	lines = append(lines, m.footerLines()...)
	return strings.Join(lines, "\n")
}

func (m *Model) tooSmall() bool { return m.width < MinWidth || m.height < MinHeight }

func (m *Model) tooSmallView() string {
	msg := []string{
		m.st.TooSmall.Render("Terminal too small"),
		fmt.Sprintf("%d×%d here; faldash needs at least %d×%d.", m.width, m.height, MinWidth, MinHeight),
		"Enlarge the window, or press " + m.keys.Global.Quit.Help().Key + " to quit.",
	}
	top := max(0, (m.height-len(msg))/2)
	lines := make([]string, top, m.height)
	lines = append(lines, msg...)
	return strings.Join(fitBlock(strings.Join(lines, "\n"), m.width, m.height), "\n")
}

// bodySize is the pane's size: the body less the error banner.
func (m *Model) bodySize() (int, int) {
	h := m.height - headerHeight - footerHeight
	if e := m.current(); e.fresh.Stale() {
		h--
	}
	return max(0, m.width), max(0, h)
}

func (m *Model) bodyView() string {
	e := m.current()
	switch {
	case m.modal != nil:
		return m.modalView()
	case m.mode == modeHelp:
		return m.helpView()
	case e.fresh.Loading():
		return m.spinnerView() + " Loading " + m.what(m.cur) + "…"
	case !e.fresh.Loaded:
		return m.errorView(e.fresh.Err)
	case e.fresh.Err != nil:
		banner := m.st.Disconnected.Render(theme.GlyphErr+" "+sanitize.String(e.fresh.Err.Error())) +
			m.st.Stale.Render(" · showing data from "+format.Age(m.now().Sub(e.fresh.Updated))+" ago")
		return ansi.Truncate(banner, m.width, "…") + "\n" + e.pane.View()
	}
	return e.pane.View()
}

// errorView explains why a pane has no data yet and when it tries again.
func (m *Model) errorView(err error) string {
	w := max(10, m.width-2)
	text := ansi.Wrap(sanitize.String(err.Error()), w, " ")
	lines := []string{m.st.StatusErr.Render(theme.GlyphErr + " Can't show " + m.what(m.cur) + ":")}
	for _, l := range strings.Split(text, "\n") {
		lines = append(lines, "  "+l)
	}
	if hint := errorHint(err); hint != "" {
		lines = append(lines, "", "  "+m.st.StatusInfo.Render(hint))
	}
	lines = append(lines, "", "  "+m.st.StatusInfo.Render(m.retryText()+" · "+
		m.keys.Global.Refresh.Help().Key+" retries now · "+m.keys.Global.Back.Help().Key+" goes back"))
	return strings.Join(lines, "\n")
}

func errorHint(err error) string {
	switch client.KindOf(err) {
	case client.Unavailable:
		return "faldash keeps trying and shows the data as soon as the controller answers."
	case client.NotFound:
		return "It may have been deleted since it was listed."
	case client.PermissionDenied:
		return "The key in use may not read this."
	}
	return ""
}

func (m *Model) retryText() string {
	if m.poll.inFlight {
		return "retrying now…"
	}
	left := m.poll.next.Sub(m.now())
	return "retrying in " + format.Age(max(0, left+time.Second-1)) // round up: "in 0s" would be a lie
}

// what names the visible data for messages: "apps of staging".
func (m *Model) what(k pane.Key) string {
	s := k.Scope
	env := sanitize.String(names.Env(s.Env))
	switch k.Kind {
	case pane.Apps:
		return "apps of " + env
	case pane.Secrets:
		return "secrets of " + env
	case pane.Runners:
		return "runners of " + sanitize.String(s.App) + " in " + env
	case pane.Runner:
		return "runner " + sanitize.String(string(s.Runner))
	}
	return "environments"
}

// headerLines are the target, environment and freshness, then the
// breadcrumb.
//
// On a narrow terminal the header gives way in order of what matters
// least: the freshness wording while the data is fresh, then the target's
// address, the words after the connection glyph, and the app's name. The
// environment, PRODUCTION and READ-ONLY say where an action lands: they
// are cut last, and stale data always says so.
func (m *Model) headerLines() []string {
	st := m.st
	var env strings.Builder
	env.WriteString(st.Header.Render("env ") + st.BreadcrumbCurrent.Render(sanitize.String(m.env)))
	if names.IsDefault(m.env) {
		env.WriteString(" " + st.Production.Render("PRODUCTION"))
	}
	if m.locked() {
		env.WriteString("  " + st.ReadOnly.Render("READ-ONLY"))
	}
	sep := st.BreadcrumbSep.Render("  │  ")
	brand := st.Target.Render("faldash") + "  "
	variants := []struct {
		left, right string
	}{
		{brand + st.Header.Render(m.targetText(true)) + sep, m.freshnessText(false) + "  " + m.connText(false)},
		{brand + st.Header.Render(m.targetText(true)) + sep, m.headerRight(m.freshnessText(true), m.connText(false))},
		{brand + st.Header.Render(m.targetText(false)) + sep, m.headerRight(m.freshnessText(true), m.connText(false))},
		{brand + st.Header.Render(m.targetText(false)) + sep, m.headerRight(m.freshnessText(true), m.connText(true))},
		{st.Header.Render(m.targetText(false)) + sep, m.headerRight(m.freshnessText(true), m.connText(true))},
		{"", m.headerRight(m.freshnessText(true), m.connText(true))},
	}
	v := variants[len(variants)-1]
	for _, c := range variants {
		if ansi.StringWidth(c.left)+ansi.StringWidth(env.String())+1+ansi.StringWidth(c.right) <= m.width {
			v = c
			break
		}
	}
	return []string{
		spread(v.left+env.String(), v.right, m.width),
		spread(m.breadcrumb(), m.countText(), m.width),
	}
}

// headerRight joins the freshness and the connection, either empty.
func (m *Model) headerRight(fresh, conn string) string {
	if fresh == "" {
		return conn
	}
	return fresh + "  " + conn
}

// targetText names the target, with its address or not.
func (m *Model) targetText(addr bool) string {
	t := m.target
	s := t.Kind.String()
	if t.Addr != "" && addr {
		s += " " + sanitize.String(t.Addr)
	}
	if who := cmp.Or(t.Account, t.User); who != "" {
		s += " as " + sanitize.String(who)
	}
	return s
}

// freshnessText says how old the visible data is, computed now; short, in
// fewer words, and nothing while the data is as fresh as polling makes it.
func (m *Model) freshnessText(short bool) string {
	e := m.current()
	switch {
	case e.fresh.Loading():
		return m.st.Fresh.Render("loading…")
	case !e.fresh.Loaded:
		return m.st.Stale.Render("no data")
	case e.fresh.Err != nil && m.conn() == connUnreachable:
		return m.st.Stale.Render("stale") // the age is in connText
	case e.fresh.Err != nil && short:
		return m.st.Stale.Render("stale " + format.Age(m.now().Sub(e.fresh.Updated)))
	case e.fresh.Err != nil:
		return m.st.Stale.Render("stale · updated " + format.Age(m.now().Sub(e.fresh.Updated)) + " ago")
	}
	// While polls answer on time the data is as fresh as polling makes it:
	// a header counting the seconds between two polls would redraw every
	// second and tell nothing. Only a late answer shows its age.
	age := m.now().Sub(e.fresh.Updated)
	switch {
	case age < 2*m.refresh && short:
		return ""
	case age < 2*m.refresh:
		return m.st.Fresh.Render("updated just now")
	case short:
		return m.st.Fresh.Render(format.Age(age) + " ago")
	}
	return m.st.Fresh.Render("updated " + format.Age(age) + " ago")
}

// connText says how the connection is; short, with fewer words.
func (m *Model) connText(short bool) string {
	st := m.st
	switch m.conn() {
	case connUnknown:
		return st.Fresh.Render("connecting…")
	case connOK:
		if short {
			return st.Connected.Render(theme.GlyphOK)
		}
		return st.Connected.Render(theme.GlyphOK + " connected")
	case connRetrying:
		return st.Stale.Render("↻ " + m.retryText())
	case connUnreachable:
		s := theme.GlyphErr + " unreachable"
		last := m.lastOK
		if e := m.current(); e.fresh.Loaded {
			last = e.fresh.Updated // the age of what is on screen
		}
		if !last.IsZero() && !short {
			s += " · last data " + format.Age(m.now().Sub(last)) + " ago"
		}
		return st.Disconnected.Render(s) + st.Stale.Render(" · "+m.retryText())
	}
	return st.Disconnected.Render(theme.GlyphErr + " not authorized")
}

// breadcrumb is where the visible pane sits: fal › staging › my-app › runners.
func (m *Model) breadcrumb() string {
	s := m.cur.Scope
	env := sanitize.String(names.Env(s.Env))
	parts := []string{"fal"}
	switch m.cur.Kind {
	case pane.Environments:
		parts = append(parts, "environments")
	case pane.Apps:
		parts = append(parts, env, "apps")
	case pane.Secrets:
		parts = append(parts, env, "secrets")
	case pane.Runners:
		parts = append(parts, env, sanitize.String(s.App), "runners")
	case pane.Runner:
		parts = append(parts, env, sanitize.String(s.App), "runners", sanitize.String(string(s.Runner)))
	}
	st := m.st
	var b strings.Builder
	for i, p := range parts {
		switch {
		case i == len(parts)-1:
			b.WriteString(st.BreadcrumbCurrent.Render(p))
		default:
			b.WriteString(st.Breadcrumb.Render(p) + st.BreadcrumbSep.Render(theme.BreadcrumbSep))
		}
	}
	return b.String()
}

// countText counts the rows of the visible table, and what the filter
// lets through.
func (m *Model) countText() string {
	e := m.current()
	f, ok := e.pane.(pane.Filterable)
	if !ok || !e.fresh.Loaded {
		return ""
	}
	noun := m.cur.Kind.String()
	switch {
	case f.Filter() != "":
		return m.st.Fresh.Render(fmt.Sprintf("%d of %d %s match /%s", f.Len(), f.Total(), noun, sanitize.String(f.Filter())))
	case f.Len() < f.Total():
		// The first rows of a huge listing, shown while the rest are built.
		return m.st.Fresh.Render(fmt.Sprintf("first %d of %d %s…", f.Len(), f.Total(), noun))
	}
	if f.Total() == 1 {
		// The kinds are named in the plural ("apps", "secrets").
		noun = strings.TrimSuffix(noun, "s")
	}
	return m.st.Fresh.Render(fmt.Sprintf("%d %s", f.Total(), noun))
}

// footerLines are the status line and the most useful keys.
func (m *Model) footerLines() []string {
	if c := m.candidatesLine(); c != "" {
		return []string{m.statusLine(), c}
	}
	return []string{m.statusLine(), m.footerKeysLine()}
}

// footerKeysLine shows as many of the footer's keys as fit. The help key,
// quit and a dialog's cancel stay, so that every key is one press away
// and every dialog can be left: the others give way from the last.
func (m *Model) footerKeysLine() string {
	h := m.help
	h.Width = 0 // measured here, not cut with an ellipsis
	keys := m.footerKeys()
	kept := func(b key.Binding) bool {
		return slices.ContainsFunc([]key.Binding{m.keys.Global.Help, m.keys.Global.Quit, m.keys.Dialog.Cancel},
			func(k key.Binding) bool { return slices.Equal(k.Keys(), b.Keys()) })
	}
	line := h.ShortHelpView(keys)
	for ansi.StringWidth(line) > m.width {
		i := len(keys) - 1
		for i >= 0 && kept(keys[i]) {
			i--
		}
		if i < 0 || len(keys) <= 2 {
			break
		}
		keys = slices.Delete(slices.Clone(keys), i, i+1)
		line = h.ShortHelpView(keys)
	}
	return ansi.Truncate(line, m.width, "…")
}

func (m *Model) statusLine() string {
	st := m.st
	switch m.mode {
	case modeCommand, modeFilter:
		return m.input.view(m.st, m.width)
	}
	var left string
	switch {
	case m.status.text != "" && m.status.kind == statusErr:
		left = st.StatusErr.Render(theme.GlyphErr + " " + m.status.text)
	case m.status.text != "" && m.status.kind == statusOK:
		left = st.StatusOK.Render(theme.GlyphOK + " " + m.status.text)
	case m.status.text != "":
		left = st.StatusInfo.Render(m.status.text)
	default:
		if f, ok := m.current().pane.(pane.Filterable); ok && f.Filter() != "" {
			left = st.StatusInfo.Render("filter /" + sanitize.String(f.Filter()) + " · " +
				m.keys.Global.Back.Help().Key + " clears")
		}
	}
	var right string
	if len(m.tasks) > 0 {
		labels := make([]string, len(m.tasks))
		for i, t := range m.tasks {
			labels[i] = sanitize.String(t.label)
		}
		right = m.spinnerView() + " " + st.StatusInfo.Render(strings.Join(labels, ", ")+"…")
	}
	return spread(left, right, m.width)
}

// footerKeys are the keys of what has them now: the dialog, else the
// mode's, else the pane's.
func (m *Model) footerKeys() []key.Binding {
	if m.modal != nil {
		return m.modal.ShortHelp()
	}
	if acts, ok := m.modeActions(); ok {
		return acts.Help(m.keys, m, m.readOnly).ShortHelp()
	}
	return m.helpKeys(pane.HelpKeys{Short: m.current().pane.ShortHelp()}).ShortHelp()
}

// spread puts left and right on one line of width w, cutting left first.
func spread(left, right string, w int) string {
	rw := ansi.StringWidth(right)
	if rw >= w {
		return ansi.Truncate(right, w, "…")
	}
	room := w - rw - 1
	if right == "" {
		room = w
	}
	lw := ansi.StringWidth(left)
	if lw > room {
		left = ansi.Truncate(left, room, "…")
		lw = ansi.StringWidth(left)
	}
	if right == "" {
		return left
	}
	return left + strings.Repeat(" ", w-lw-rw) + right
}

// fitBlock cuts s to exactly h lines no wider than w.
func fitBlock(s string, w, h int) []string {
	if h <= 0 {
		return nil
	}
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		if ansi.StringWidth(l) > w {
			lines[i] = ansi.Truncate(l, w, "…")
		}
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return lines
}
