package theme

// Legend says what the glyphs of a pane mean, listed in the `?` help
// below its keys: a glyph that is not explained reads as noise.
type Legend struct {
	Title string
	Marks []Mark
}

// Mark is one glyph, drawn as the pane draws it, and what it means.
type Mark struct {
	Glyph   string
	Meaning string
}
