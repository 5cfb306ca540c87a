package table

import (
	"cmp"
	"hash/maphash"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// Snapshot is a table's values as one refresh found them, with all that
// is derived from them at a cost growing with the rows: a hash of each
// row's cells, the filter's text, marks against the snapshot before, sort
// ranks, the widest cells, and the order and filtering shown when it was
// built. A Builder makes it off the
// UI goroutine; once built nothing changes it, so the table draws it while
// the next one is built from it.
type Snapshot[ID ~string, V any] struct {
	rows []row[ID, V] // in the order the values came in
	// byID lists the positions in ID order: rows are found by ID in it,
	// and every sort starts from it, so that ties keep one order across
	// refreshes.
	byID []int32
	// texts rank the rows of each column sorted by its text; nil for the
	// other columns.
	texts   []*textRanks
	sorting sorting
	order   []int32 // positions, sorted as sorting asks
	view    []int32 // the part of order sorting's filter lets through
	// widths are, for each column sized by its content (a Cell, no
	// Width), the display width of its widest cell.
	widths []int
	// cellWidths are each row's cells' display widths in the columns sized
	// by their content (sizedColumns), row after row: a row the next
	// snapshot takes unchanged takes its widths from here, and the widest
	// is found again over all rows, so a column still narrows when its
	// widest row goes. A width beyond 65535 counts as 65535, wider than
	// any terminal. Empty when not kept (no such column, or no rows).
	cellWidths []uint16
	// more counts the values of a preview left out of it.
	more int
}

// contentWidth is the width of column c's widest cell; 0 if unknown.
func (s *Snapshot[ID, V]) contentWidth(c int) int {
	if c < len(s.widths) {
		return s.widths[c]
	}
	return 0
}

// Len is the number of rows of the snapshot.
func (s *Snapshot[ID, V]) Len() int { return len(s.rows) }

// find returns the position of the row with the given ID.
func (s *Snapshot[ID, V]) find(id ID) (int32, bool) {
	k, ok := slices.BinarySearchFunc(s.byID, id, func(pos int32, id ID) int { return cmp.Compare(s.rows[pos].id, id) })
	if !ok {
		return -1, false
	}
	return s.byID[k], true
}

// row is one value with what the table derived from it. Its cells are
// not kept: a row is drawn only while visible, from its value, and what
// else needs them is derived when the snapshot is built.
type row[ID ~string, V any] struct {
	id     ID
	val    V
	search string // lower-cased cells, each ended by a 0 byte, for the filter
	sum    uint64 // of the cells: rows of equal sums show the same cells
	mark   mark
}

type mark uint8

const (
	unmarked mark = iota
	added
	changed
)

// seed hashes cells, the same way in every snapshot of the process.
var seed = maphash.MakeSeed()

// cellsOf computes the cells of v into cells (one per column, "" for a
// column without Cell) and returns their sum.
func cellsOf[V any](cols []Column[V], v V, cells []string) uint64 {
	fillCells(cols, v, cells)
	var h maphash.Hash
	h.SetSeed(seed)
	for _, c := range cells {
		h.WriteString(c)
		h.WriteByte(0)
	}
	return h.Sum64()
}

func fillCells[V any](cols []Column[V], v V, cells []string) {
	for c, col := range cols {
		cells[c] = ""
		if col.Cell != nil {
			cells[c] = col.Cell(v)
		}
	}
}

// Builder builds a table's next snapshot. Take it with Table.Builder on
// the UI goroutine and use it anywhere: it holds only the columns, the
// snapshot shown when it was taken (immutable), and the order and filter
// shown then.
type Builder[ID ~string, V any] struct {
	id      func(V) ID
	cols    []Column[V]
	same    func(old, new V) bool // see Table.SetSameCells; nil: compute every row's cells
	base    *Snapshot[ID, V]
	marks   bool // the base was shown: rows new to it are marked
	sorting sorting
}

// Builder returns what builds the table's next snapshot.
func (t *Table[ID, V]) Builder() Builder[ID, V] {
	return Builder[ID, V]{id: t.id, cols: t.cols, same: t.same, base: t.snap, marks: t.loaded, sorting: t.sorting}
}

// SetSameCells gives the table a cheap test of a value against the one its
// row had: same(old, new) reports that every column's Cell makes of new
// the text it made of old. A refresh then takes such a row as it was in
// the snapshot before (its cells' sum, filter text, ranks and widths)
// without making its cells, which is most of the build of a huge listing
// that changed little. It must never say true for values whose cells
// differ: such a row would keep its old filter text and sort rank, and
// be neither marked nor drawn again. Saying false wrongly only costs
// time. Live cells read the new value either way. Give it before the
// first Builder is taken.
func (t *Table[ID, V]) SetSameCells(same func(old, new V) bool) { t.same = same }

// sizedColumns are the positions of the columns sized by their content.
func sizedColumns[V any](cols []Column[V]) []int {
	var out []int
	for c, col := range cols {
		if col.Width <= 0 && col.Cell != nil {
			out = append(out, c)
		}
	}
	return out
}

// Build makes the snapshot of vals. Rows whose cells are those of the
// same ID in the base keep the base's work; of values sharing an ID, the
// first is kept. vals is kept: don't modify it afterwards.
func (b Builder[ID, V]) Build(vals []V) *Snapshot[ID, V] {
	base := b.base
	if base == nil {
		base = &Snapshot[ID, V]{}
	}
	sized := sizedColumns(b.cols)
	k := len(sized)
	s := &Snapshot[ID, V]{rows: make([]row[ID, V], len(vals)), sorting: b.sorting, widths: make([]int, len(b.cols)),
		cellWidths: make([]uint16, k*len(vals))}
	fromBase := make([]int32, len(vals)) // each row's position in base, or -1
	texts := newTextBuild(b.cols, base, len(vals))
	cells := make([]string, len(b.cols))
	var buf []byte
	strip := stripper{plains: map[string]string{}, widths: map[string]int{}}
	reuse := b.same != nil && len(base.cellWidths) == k*len(base.rows)
	next := int32(0) // where the base's next row is likely to be
	for i, v := range vals {
		id := b.id(v)
		// A listing tends to come in the order of the one before: look
		// where the last row found left off before searching.
		j, inBase := next, int(next) < len(base.rows) && base.rows[next].id == id
		if !inBase {
			j, inBase = base.find(id)
		}
		r := &s.rows[i]
		r.id, r.val, fromBase[i] = id, v, -1
		if inBase {
			fromBase[i], next = j, j+1
		}
		ws := s.cellWidths[k*i : k*(i+1)]
		if inBase && reuse && b.same(base.rows[j].val, v) {
			r.sum, r.search = base.rows[j].sum, base.rows[j].search
			copy(ws, base.cellWidths[k*int(j):])
			texts.keep(i, j)
			continue
		}
		sum := cellsOf(b.cols, v, cells)
		r.sum = sum
		for x, c := range sized {
			ws[x] = uint16(min(strip.width(cells[c]), 1<<16-1))
		}
		same := inBase && base.rows[j].sum == sum
		texts.add(i, j, same, cells)
		if same {
			r.search = base.rows[j].search
			continue
		}
		switch {
		case !b.marks:
		case inBase:
			r.mark = changed
		default:
			r.mark = added
		}
		buf = strip.appendSearch(buf[:0], cells)
		r.search = string(buf)
	}
	var dup bool
	if s.byID, dup = idOrder(s.rows, base, fromBase); dup {
		return b.Build(firstOfEachID(vals, b.id))
	}
	for i := 0; i < len(s.cellWidths); i += k {
		for x, c := range sized {
			s.widths[c] = max(s.widths[c], int(s.cellWidths[i+x]))
		}
	}
	s.texts = texts.finish(s.rows)
	var sc sorter
	s.order = s.sorted(b.cols, b.sorting.col, b.sorting.desc, &sc, nil)
	s.view = s.filtered(s.order, b.sorting.filter, nil)
	return s
}

// Preview thresholds: a table shown for the first time with more than
// previewFrom values first shows previewRows of them, a few screens.
const (
	previewFrom = 5_000
	previewRows = 500
)

// Preview is, for a table that shows no data yet, a snapshot of the first
// of vals in the order they came, to draw while the snapshot of all of
// them is built: the first screen of a huge listing need not wait for its
// sort ranks, filter text and marks. ok is false when there is no need:
// the table shows data already, is sorted or filtered, or vals are few.
// A preview marks nothing, counts every value in Total, and the snapshot
// built after it marks nothing either.
func (b Builder[ID, V]) Preview(vals []V) (s *Snapshot[ID, V], ok bool) {
	if b.marks || b.sorting != (sorting{col: -1}) || len(vals) <= previewFrom {
		return nil, false
	}
	s = b.Build(vals[:previewRows])
	s.more = len(vals) - previewRows
	return s, true
}

// firstOfEachID drops the values whose ID came before, which a listing
// should never hold: the slow way, taken only then.
func firstOfEachID[ID ~string, V any](vals []V, id func(V) ID) []V {
	seen := make(map[ID]bool, len(vals))
	out := make([]V, 0, len(vals))
	for _, v := range vals {
		if k := id(v); !seen[k] {
			seen[k] = true
			out = append(out, v)
		}
	}
	return out
}

// stripper strips styled cells of their styling and measures cells that
// are not plain ASCII, once per distinct cell: such cells (a runner's
// coloured state) are few texts on many rows.
type stripper struct {
	plains map[string]string
	widths map[string]int
}

func (st stripper) plain(s string) string {
	if strings.IndexByte(s, ansi.ESC) < 0 {
		return s
	}
	return remember(st.plains, s, ansi.Strip)
}

// width is the display width of cell s, remembered for cells that are
// not plain ASCII (ids and names mostly are).
func (st stripper) width(s string) int {
	if w, ok := asciiWidth(s); ok {
		return w
	}
	return remember(st.widths, s, ansi.StringWidth)
}

// remember is f(s), computed once per s and kept in m.
func remember[V any](m map[string]V, s string, f func(string) V) V {
	v, ok := m[s]
	if !ok {
		v = f(s)
		m[s] = v
	}
	return v
}

// appendSearch appends the filter's text of cells: each cell stripped of
// styling and lower-cased, ended by a 0 byte so that a match can't span
// two cells.
func (st stripper) appendSearch(buf []byte, cells []string) []byte {
	for _, c := range cells {
		c = st.plain(c)
		for i := 0; i < len(c); {
			ch := c[i]
			if ch < utf8.RuneSelf {
				if 'A' <= ch && ch <= 'Z' {
					ch += 'a' - 'A'
				}
				buf = append(buf, ch)
				i++
				continue
			}
			r, size := utf8.DecodeRuneInString(c[i:])
			buf = utf8.AppendRune(buf, unicode.ToLower(r))
			i += size
		}
		buf = append(buf, 0)
	}
	return buf
}

// idOrder sorts the rows' positions by ID, and reports whether two rows
// share an ID. The base's order is kept for the rows it had, so only new
// IDs are sorted: a refresh that changed little costs a pass over the rows.
func idOrder[ID ~string, V any](rows []row[ID, V], base *Snapshot[ID, V], fromBase []int32) ([]int32, bool) {
	byID := func(a, b int32) int { return cmp.Compare(rows[a].id, rows[b].id) }
	newOf := make([]int32, len(base.rows))
	for i := range newOf {
		newOf[i] = -1
	}
	var fresh []int32
	for i, j := range fromBase {
		if j >= 0 {
			newOf[j] = int32(i)
		} else {
			fresh = append(fresh, int32(i))
		}
	}
	kept := make([]int32, 0, len(rows))
	for _, j := range base.byID {
		if i := newOf[j]; i >= 0 {
			kept = append(kept, i)
		}
	}
	sortByID(rows, fresh)
	// The base had each ID once, so two rows of one ID are either two new
	// ones, neighbours once sorted, or two of the base's, one of which
	// took the other's place in newOf.
	dup := len(kept)+len(fresh) != len(rows)
	for k := 1; k < len(fresh) && !dup; k++ {
		dup = byID(fresh[k-1], fresh[k]) == 0
	}
	return merge(kept, fresh, byID), dup
}

// sortByID sorts positions of rows by ID: a radix sort by each ID's first
// eight bytes, then a comparison sort of each run of IDs that share them,
// which for IDs such as UUIDs are rare and short. A comparison sort of all
// of them was most of a first snapshot's build.
func sortByID[ID ~string, V any](rows []row[ID, V], ps []int32) {
	var sc sorter
	items, _ := sc.items(len(ps))
	for k, p := range ps {
		items[k] = keyed{key: prefix8(string(rows[p].id)), pos: p}
	}
	items = sc.sort(items)
	for k := 0; k < len(items); {
		end := k + 1
		for end < len(items) && items[end].key == items[k].key {
			end++
		}
		if end-k > 1 {
			slices.SortFunc(items[k:end], func(a, b keyed) int { return cmp.Compare(rows[a.pos].id, rows[b.pos].id) })
		}
		k = end
	}
	for k := range items {
		ps[k] = items[k].pos
	}
}

// prefix8 is the first eight bytes of s as a number that orders as they
// do, shorter strings padded with zeros.
func prefix8(s string) uint64 {
	var k uint64
	for i := range 8 {
		k <<= 8
		if i < len(s) {
			k |= uint64(s[i])
		}
	}
	return k
}

// merge merges two sorted lists; each of b's elements goes after the
// elements of a equal to it. It costs O(len(a) + len(b)·log len(a)), so
// merging a few new rows into many is one copy.
func merge(a, b []int32, compare func(x, y int32) int) []int32 {
	if len(b) == 0 {
		return a
	}
	out := make([]int32, 0, len(a)+len(b))
	i := 0
	for _, x := range b {
		k, _ := slices.BinarySearchFunc(a[i:], x, func(e, t int32) int {
			if compare(e, t) > 0 {
				return 1
			}
			return -1 // never found: the search stops after the equal ones
		})
		out = append(out, a[i:i+k]...)
		out = append(out, x)
		i += k
	}
	return append(out, a[i:]...)
}

// textRanks orders the rows of one column by its text, naturally.
type textRanks struct {
	// texts are the distinct texts seen, stripped of styling, in natural
	// order; ranks gives each its rank, shared by texts equal in that
	// order ("A" and "a", "7" and "007").
	texts []string
	ranks []uint32
	// of is each row's text, as its position in texts: a row's rank is
	// ranks[of[i]]. Positions rather than strings, as they are four bytes
	// a row and hold no pointer for the collector to follow.
	of []uint32
}

// rank is row i's rank.
func (tr *textRanks) rank(i int32) uint32 { return tr.ranks[tr.of[i]] }

// textBuild ranks the text-sorted columns of a snapshot as its rows are
// built. A row whose cells are those it had in the base keeps its ranks,
// and a changed row whose text the base had takes that text's rank; only a
// text new to the base makes a column's distinct texts sorted again, which
// for the columns worth sorting by text (revisions, machine types, names)
// is rare.
type textBuild[ID ~string, V any] struct {
	cols []Column[V]
	old  []*textRanks // the base's, by column
	out  []*textRanks
	all  []bool              // by column: rank every text from scratch
	memo []map[string]uint32 // by column: the ranks of texts looked up
}

func newTextBuild[ID ~string, V any](cols []Column[V], base *Snapshot[ID, V], n int) *textBuild[ID, V] {
	tb := &textBuild[ID, V]{cols: cols, old: make([]*textRanks, len(cols)), out: make([]*textRanks, len(cols)),
		all: make([]bool, len(cols)), memo: make([]map[string]uint32, len(cols))}
	for c, col := range cols {
		if !sortable(col) || col.Key != nil || col.ByID {
			continue
		}
		if c < len(base.texts) {
			tb.old[c] = base.texts[c]
		}
		// Texts seen long ago but gone are kept until there are too many.
		if old := tb.old[c]; old == nil || len(old.texts) > 2*n+16 {
			tb.all[c] = true
			continue
		}
		tb.out[c] = &textRanks{texts: tb.old[c].texts, ranks: tb.old[c].ranks, of: make([]uint32, n)}
	}
	return tb
}

// keep ranks row i as row j of the base, whose cells it has.
func (tb *textBuild[ID, V]) keep(i int, j int32) {
	for c, out := range tb.out {
		if out != nil && !tb.all[c] {
			out.of[i] = tb.old[c].of[j]
		}
	}
}

// add ranks row i, with the given cells, which is row j of the base (-1:
// none) with the same cells or not.
func (tb *textBuild[ID, V]) add(i int, j int32, same bool, cells []string) {
	for c, out := range tb.out {
		if out == nil || tb.all[c] {
			continue
		}
		old, text := tb.old[c], cells[c]
		// A changed row mostly keeps this text, or shows one other rows
		// show too: a comparison or a lookup is cheaper than a search in
		// natural order.
		if same {
			out.of[i] = old.of[j]
			continue
		}
		text = plain(text)
		if j >= 0 && old.texts[old.of[j]] == text {
			out.of[i] = old.of[j]
			continue
		}
		if k, ok := tb.memo[c][text]; ok {
			out.of[i] = k
			continue
		}
		// A text equal in natural order to one of texts ("a" to "A")
		// takes its place: it has its rank.
		k, found := slices.BinarySearchFunc(old.texts, text, naturalCompare)
		if !found {
			tb.all[c] = true
			continue
		}
		if tb.memo[c] == nil {
			tb.memo[c] = map[string]uint32{}
		}
		tb.memo[c][text] = uint32(k)
		out.of[i] = uint32(k)
	}
}

// finish ranks from scratch the columns that need it.
func (tb *textBuild[ID, V]) finish(rows []row[ID, V]) []*textRanks {
	for c, all := range tb.all {
		if all {
			tb.out[c] = rankAllTexts(rows, tb.cols[c].Cell)
		}
	}
	return tb.out
}

// rankAllTexts ranks the rows by the text cell makes of each from
// scratch: each distinct text is sorted once.
func rankAllTexts[ID ~string, V any](rows []row[ID, V], cell func(V) string) *textRanks {
	out := &textRanks{of: make([]uint32, len(rows))}
	seen := map[string]uint32{}
	var distinct []string
	last, lastD := "", uint32(0)
	for i := range rows {
		text := plain(cell(rows[i].val))
		if i > 0 && text == last {
			out.of[i] = lastD // runs of one text are common, and hash nothing
			continue
		}
		d, ok := seen[text]
		if !ok {
			d = uint32(len(distinct))
			seen[text] = d
			distinct = append(distinct, text)
		}
		out.of[i], last, lastD = d, text, d
	}
	perm := make([]uint32, len(distinct))
	for i := range perm {
		perm[i] = uint32(i)
	}
	slices.SortFunc(perm, func(a, b uint32) int { return naturalCompare(distinct[a], distinct[b]) })
	placeOf := make([]uint32, len(distinct))
	out.texts, out.ranks = make([]string, len(distinct)), make([]uint32, len(distinct))
	r := uint32(0)
	for k, d := range perm {
		if k > 0 && naturalCompare(distinct[perm[k-1]], distinct[d]) != 0 {
			r++
		}
		placeOf[d] = uint32(k)
		out.texts[k], out.ranks[k] = distinct[d], r
	}
	for i, d := range out.of {
		out.of[i] = placeOf[d]
	}
	return out
}

// asciiWidth is the width of s when it is plain ASCII without escapes.
func asciiWidth(s string) (int, bool) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || c == ansi.ESC {
			return 0, false
		}
	}
	return len(s), true
}

// plain is a cell's text without styling.
func plain(s string) string {
	if strings.IndexByte(s, ansi.ESC) >= 0 {
		return ansi.Strip(s)
	}
	return s
}

// sortable reports whether a column can sort: by a key, by ID, or by a
// text that takes part in marks and the filter.
func sortable[V any](c Column[V]) bool {
	return !c.NoSort && (c.Key != nil || c.ByID || c.Cell != nil)
}

// sorted returns the positions of s's rows sorted by column col (-1: the
// order the values came in) in the given direction, ties in ID order,
// written into buf when it is large enough. cols are the columns s was
// built with.
func (s *Snapshot[ID, V]) sorted(cols []Column[V], col int, desc bool, sc *sorter, buf []int32) []int32 {
	n := len(s.rows)
	out := buf[:0]
	if cap(out) < n {
		out = make([]int32, 0, n)
	}
	switch {
	case col < 0 || col >= len(cols):
		for i := range n {
			out = append(out, int32(i))
		}
		if desc {
			slices.Reverse(out)
		}
		return out
	case cols[col].ByID:
		out = append(out, s.byID...)
		if desc {
			slices.Reverse(out)
		}
		return out
	}
	items, keys := sc.items(n)
	if key := cols[col].Key; key != nil {
		// In the rows' order, which is the values' order in memory: in ID
		// order, each value would be a cache miss.
		for pos := range s.rows {
			// Flipping the sign bit orders int64s as unsigned integers.
			keys[pos] = uint64(key(s.rows[pos].val)) ^ (1 << 63)
		}
		for k, pos := range s.byID {
			items[k] = keyed{key: keys[pos], pos: pos}
		}
	} else {
		tr := s.texts[col]
		for k, pos := range s.byID {
			items[k] = keyed{key: uint64(tr.rank(pos)), pos: pos}
		}
	}
	if desc {
		for k := range items {
			items[k].key = ^items[k].key
		}
	}
	for _, it := range sc.sort(items) {
		out = append(out, it.pos)
	}
	return out
}

// filtered returns the positions of order whose row contains q (lower
// case) in its filter's text, written into buf, which may be order
// itself; order as it is when q is empty.
func (s *Snapshot[ID, V]) filtered(order []int32, q string, buf []int32) []int32 {
	if q == "" {
		return order
	}
	out := buf[:0]
	if buf == nil {
		out = make([]int32, 0, len(order)/4)
	}
	for _, pos := range order {
		if strings.Contains(s.rows[pos].search, q) {
			out = append(out, pos)
		}
	}
	return out
}

// keyed is a row's position and its sort key.
type keyed struct {
	key uint64
	pos int32
}

// sorter sorts keyed rows by key, stably, reusing its buffers.
type sorter struct {
	a, b []keyed
	keys []uint64
}

// items returns room for n keyed rows and n keys.
func (sc *sorter) items(n int) ([]keyed, []uint64) {
	if cap(sc.a) < n {
		sc.a, sc.b, sc.keys = make([]keyed, n), make([]keyed, n), make([]uint64, n)
	}
	return sc.a[:n], sc.keys[:n]
}

// sort is a least-significant-digit radix sort, a byte per pass, skipping
// the bytes every key shares: ranks and small numbers take two or three
// passes. Being stable, it keeps rows of equal keys in the order given.
func (sc *sorter) sort(items []keyed) []keyed {
	n := len(items)
	if n < 2 {
		return items
	}
	var counts [8][256]int
	for _, it := range items {
		k := it.key
		for d := range 8 {
			counts[d][byte(k>>(8*d))]++
		}
	}
	src, dst := items, sc.b[:n]
	for d := range 8 {
		c := &counts[d]
		shift := 8 * d
		if c[byte(src[0].key>>shift)] == n {
			continue
		}
		sum := 0
		for i, k := range c {
			c[i] = sum
			sum += k
		}
		for _, it := range src {
			b := byte(it.key >> shift)
			dst[c[b]] = it
			c[b]++
		}
		src, dst = dst, src
	}
	return src
}
