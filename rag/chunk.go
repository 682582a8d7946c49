package rag

import (
	"strings"
	"unicode/utf8"
)

// chunkerVersion is part of every content hash: bump it when chunking
// changes so that the next ingest re-chunks unchanged files.
const chunkerVersion = "c1"

// Chunk is one searchable piece of a document.
type Chunk struct {
	// Ord is the chunk's position in its document, from 0.
	Ord int
	// Heading is the heading path of the section, e.g. "Root cause > Checks".
	Heading string
	// Content is the chunk's text.
	Content string
}

// ChunkOptions bound chunk sizes, in characters (runes).
type ChunkOptions struct {
	// Max is the size a chunk should not exceed unless one table row or
	// list item is longer (default 1000).
	Max int
}

// block is a unit the chunker never cuts inside unless it is too long on
// its own: a paragraph, a whole list, a table or a code fence.
type block struct {
	kind  byte // 'p' paragraph, 'l' list, 't' table, 'c' code, 'h' heading
	level int  // heading level
	lines []string
}

// ChunkMarkdown cuts a Markdown body into chunks that never span two
// sections: each heading starts a new chunk, and its heading path is kept
// with the chunk. Long sections are split between blocks; a block longer
// than Max on its own is split between list items or table rows (the table
// header is repeated) or sentences, never inside a row.
func ChunkMarkdown(body string, opt ChunkOptions) []Chunk {
	if opt.Max <= 0 {
		opt.Max = 1000
	}
	blocks := splitBlocks(body)
	var (
		out  []Chunk
		path []string // heading texts by level
		cur  []string
		size int
	)
	heading := func() string { return strings.Join(nonEmpty(path), " > ") }
	flush := func() {
		text := strings.TrimSpace(strings.Join(cur, "\n\n"))
		if text != "" {
			out = append(out, Chunk{Ord: len(out), Heading: heading(), Content: text})
		}
		cur, size = nil, 0
	}
	add := func(text string) {
		n := utf8.RuneCountInString(text)
		if size > 0 && size+n+2 > opt.Max {
			flush()
		}
		cur = append(cur, text)
		size += n + 2
	}
	for _, b := range blocks {
		if b.kind == 'h' {
			flush()
			for len(path) < b.level {
				path = append(path, "")
			}
			path = path[:b.level]
			path[b.level-1] = b.lines[0]
			continue
		}
		text := strings.Join(b.lines, "\n")
		if utf8.RuneCountInString(text) <= opt.Max {
			add(text)
			continue
		}
		for _, piece := range splitBlock(b, opt.Max) {
			add(piece)
		}
	}
	flush()
	return out
}

func nonEmpty(ss []string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func isListItem(l string) bool {
	t := strings.TrimLeft(l, " \t")
	if strings.HasPrefix(t, "- ") || strings.HasPrefix(t, "* ") || strings.HasPrefix(t, "+ ") {
		return true
	}
	i := 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	return i > 0 && i < len(t)-1 && (t[i] == '.' || t[i] == ')') && t[i+1] == ' '
}

func splitBlocks(body string) []block {
	lines := strings.Split(strings.ReplaceAll(body, "\r\n", "\n"), "\n")
	var out []block
	var cur *block
	end := func() {
		if cur != nil && len(cur.lines) > 0 {
			out = append(out, *cur)
		}
		cur = nil
	}
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		t := strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~"):
			end()
			fence := t[:3]
			b := block{kind: 'c', lines: []string{l}}
			for i++; i < len(lines); i++ {
				b.lines = append(b.lines, lines[i])
				if strings.HasPrefix(strings.TrimSpace(lines[i]), fence) {
					break
				}
			}
			out = append(out, b)
		case strings.HasPrefix(t, "#") && headingLevel(t) > 0:
			end()
			lvl := headingLevel(t)
			out = append(out, block{kind: 'h', level: lvl, lines: []string{strings.TrimSpace(strings.TrimRight(t[lvl:], "#"))}})
		case t == "":
			// A blank line ends paragraphs; lists and tables continue if the
			// next non-blank line still belongs to them.
			if cur != nil && cur.kind == 'l' && i+1 < len(lines) && (isListItem(lines[i+1]) || strings.HasPrefix(lines[i+1], "  ")) {
				continue
			}
			end()
		case strings.HasPrefix(t, "|"):
			if cur == nil || cur.kind != 't' {
				end()
				cur = &block{kind: 't'}
			}
			cur.lines = append(cur.lines, l)
		case isListItem(l):
			if cur == nil || cur.kind != 'l' {
				end()
				cur = &block{kind: 'l'}
			}
			cur.lines = append(cur.lines, l)
		default:
			if cur != nil && cur.kind == 'l' && (strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t")) {
				cur.lines = append(cur.lines, l) // continuation of a list item
				continue
			}
			if cur == nil || cur.kind != 'p' {
				end()
				cur = &block{kind: 'p'}
			}
			cur.lines = append(cur.lines, l)
		}
	}
	end()
	return out
}

func headingLevel(t string) int {
	n := 0
	for n < len(t) && t[n] == '#' {
		n++
	}
	if n == 0 || n > 6 || n >= len(t) || t[n] != ' ' {
		return 0
	}
	return n
}

// splitBlock cuts one oversized block at safe points.
func splitBlock(b block, max int) []string {
	var units []string
	var header []string
	switch b.kind {
	case 't':
		// Keep the header and its separator with every piece.
		if len(b.lines) >= 2 && strings.Contains(b.lines[1], "-") {
			header, units = b.lines[:2], b.lines[2:]
		} else {
			units = b.lines
		}
	case 'l':
		// Group continuation lines with their item.
		for _, l := range b.lines {
			if isListItem(l) || len(units) == 0 {
				units = append(units, l)
			} else {
				units[len(units)-1] += "\n" + l
			}
		}
	case 'c':
		units = b.lines
	default:
		units = splitSentences(strings.Join(b.lines, " "))
	}
	sep := "\n"
	if b.kind == 'p' {
		sep = " "
	}
	var out []string
	var cur []string
	size := 0
	hsize := utf8.RuneCountInString(strings.Join(header, "\n"))
	for _, u := range units {
		n := utf8.RuneCountInString(u)
		if len(cur) > 0 && hsize+size+n+1 > max {
			out = append(out, strings.Join(append(append([]string(nil), header...), cur...), sep))
			cur, size = nil, 0
		}
		cur = append(cur, u)
		size += n + 1
	}
	if len(cur) > 0 {
		out = append(out, strings.Join(append(append([]string(nil), header...), cur...), sep))
	}
	return out
}

// splitSentences splits on ". ", "! ", "? " and "다. " (Korean), keeping the
// punctuation with its sentence.
func splitSentences(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s)-1; i++ {
		if (s[i] == '.' || s[i] == '!' || s[i] == '?') && s[i+1] == ' ' {
			out = append(out, strings.TrimSpace(s[start:i+1]))
			start = i + 2
		}
	}
	if rest := strings.TrimSpace(s[start:]); rest != "" {
		out = append(out, rest)
	}
	return out
}
