package sim

import (
	"encoding/base64"
	"strconv"
	"strings"
)

// tokenPrefix marks the simulator's opaque page tokens; a token is the creation order of the next item.
const tokenPrefix = "sim1:"

func encodeToken(seq int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(tokenPrefix + strconv.Itoa(seq)))
}

// decodeToken reads a page token; ok is false when it is not one the simulator issued.
func decodeToken(tok string) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return 0, false
	}
	rest, ok := strings.CutPrefix(string(b), tokenPrefix)
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	return n, err == nil && n >= 0
}

// page is the slice of items (sorted by creation order) that starts at token and holds at most size of them,
// with the token of the next page ("" on the last). ok is false for a token the simulator did not issue.
func page[T any](items []T, seq func(T) int, token string, size int) (out []T, next string, ok bool) {
	start := 0
	if token != "" {
		from, valid := decodeToken(token)
		if !valid {
			return nil, "", false
		}
		for start < len(items) && seq(items[start]) < from {
			start++
		}
	}
	end := len(items)
	if size > 0 && start+size < end {
		end = start + size
		next = encodeToken(seq(items[end]))
	}
	return items[start:end], next, true
}

// pageSize is the size of the page a call gets: what it asked for (or def), capped by the simulator's
// PageSize option.
func (s *Server) pageSize(asked, def int) int {
	n := asked
	if n <= 0 {
		n = def
	}
	if s.opts.PageSize > 0 && n > s.opts.PageSize {
		n = s.opts.PageSize
	}
	return n
}
