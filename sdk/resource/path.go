package resource

import (
	"fmt"
	"strconv"
	"strings"
)

// PropertyPath addresses a value nested inside a PropertyMap: map keys (string), list indexes (int) and the
// wildcard "*" (any key or index). Its text form is "tags.name", "rules[0].port", `labels["a.b"]`, "rules[*]".
type PropertyPath []any

// ParsePropertyPath parses the text form of a path.
func ParsePropertyPath(s string) (PropertyPath, error) {
	var p PropertyPath
	i := 0
	bad := func(msg string) (PropertyPath, error) {
		return nil, fmt.Errorf("invalid property path %q at offset %d: %s", s, i, msg)
	}
	if s == "" {
		return bad("empty path")
	}
	for i < len(s) {
		switch {
		case s[i] == '[':
			end := strings.IndexByte(s[i:], ']')
			if end < 0 {
				return bad("missing ]")
			}
			inner := s[i+1 : i+end]
			switch {
			case inner == "*":
				p = append(p, "*")
			case strings.HasPrefix(inner, `"`):
				// A quoted key may contain "]"; find the closing quote first.
				q, err := strconv.QuotedPrefix(s[i+1:])
				if err != nil {
					return bad("bad quoted key")
				}
				key, _ := strconv.Unquote(q)
				if i+1+len(q) >= len(s) || s[i+1+len(q)] != ']' {
					return bad("missing ] after quoted key")
				}
				p = append(p, key)
				end = 1 + len(q)
			default:
				n, err := strconv.Atoi(inner)
				if err != nil || n < 0 {
					return bad("index must be a non-negative integer, \"*\" or a quoted key")
				}
				p = append(p, n)
			}
			i += end + 1
		case s[i] == '.':
			if i == 0 || i == len(s)-1 {
				return bad("unexpected .")
			}
			i++
		default:
			j := i
			for j < len(s) && s[j] != '.' && s[j] != '[' {
				j++
			}
			p = append(p, s[i:j])
			i = j
		}
	}
	return p, nil
}

// String renders the path in its text form.
func (p PropertyPath) String() string {
	var b strings.Builder
	for i, e := range p {
		switch e := e.(type) {
		case int:
			fmt.Fprintf(&b, "[%d]", e)
		case string:
			simple := e != "" && e != "*" && !strings.ContainsAny(e, ".[]\"")
			switch {
			case e == "*":
				b.WriteString("[*]")
			case simple && i > 0:
				b.WriteByte('.')
				b.WriteString(e)
			case simple:
				b.WriteString(e)
			default:
				b.WriteString("[" + strconv.Quote(e) + "]")
			}
		}
	}
	return b.String()
}

// Get returns the value at p in m, looking through secrets, and whether it exists. Wildcards never match in Get.
func (p PropertyPath) Get(m PropertyMap) (PropertyValue, bool) {
	if len(p) == 0 {
		return NewMap(m), true
	}
	v := NewMap(m)
	for _, e := range p {
		for v.kind == KindSecret {
			v = *v.elem
		}
		switch e := e.(type) {
		case string:
			if v.kind != KindMap || e == "*" {
				return PropertyValue{}, false
			}
			next, ok := v.obj[e]
			if !ok {
				return PropertyValue{}, false
			}
			v = next
		case int:
			if v.kind != KindList || e < 0 || e >= len(v.list) {
				return PropertyValue{}, false
			}
			v = v.list[e]
		}
	}
	return v, true
}

// Matches reports whether a concrete path q is p or lies under p, honouring wildcards in p.
func (p PropertyPath) Matches(q PropertyPath) bool {
	if len(q) < len(p) {
		return false
	}
	for i, e := range p {
		if s, ok := e.(string); ok && s == "*" {
			continue
		}
		if e != q[i] {
			return false
		}
	}
	return true
}

// Overlaps reports whether p and q address the same value or one contains the other.
func (p PropertyPath) Overlaps(q PropertyPath) bool { return p.Matches(q) || q.Matches(p) }

// CopyFrom returns a copy of dst in which the values at p (with wildcards expanded against src) are taken from
// src: a value present in src is set in dst, a value absent from src is removed from dst. It is how
// IgnoreChanges keeps a property at its old value. Containers on the way are copied, never mutated.
func (p PropertyPath) CopyFrom(dst, src PropertyMap) PropertyMap {
	out := setPath(NewMap(dst), NewMap(src), true, false, p)
	return out.obj
}

// setPath rebuilds dst with the value at path taken from src. inSecret says dst lies inside a secret already.
func setPath(dst, src PropertyValue, srcOK, inSecret bool, path PropertyPath) PropertyValue {
	if len(path) == 0 {
		return src
	}
	secret := false
	for dst.kind == KindSecret {
		dst, secret = *dst.elem, true
	}
	srcSecret := false
	for src.kind == KindSecret {
		src, srcSecret = *src.elem, true
	}
	wrap := func(v PropertyValue) PropertyValue {
		if secret {
			return MakeSecret(v)
		}
		return v
	}
	// A value taken from inside a secret of src must stay secret where dst is not.
	fromSrc := func(v PropertyValue) PropertyValue {
		if srcSecret && !secret && !inSecret {
			return MakeSecret(v)
		}
		return v
	}
	inSecret = inSecret || secret
	head, rest := path[0], path[1:]
	switch h := head.(type) {
	case string:
		if h == "*" && dst.kind == KindList {
			l := append([]PropertyValue(nil), dst.list...)
			for i := range l {
				var sv PropertyValue
				sok := srcOK && src.kind == KindList && i < len(src.list)
				if sok {
					sv = fromSrc(src.list[i])
				}
				if len(rest) == 0 {
					if sok {
						l[i] = sv
					}
				} else {
					l[i] = setPath(l[i], sv, sok, inSecret, rest)
				}
			}
			return wrap(NewList(l))
		}
		if dst.kind != KindMap && !(srcOK && src.kind == KindMap) {
			return wrap(dst)
		}
		var keys []string
		if h == "*" {
			seen := map[string]bool{}
			for k := range dst.obj {
				seen[k] = true
			}
			if srcOK && src.kind == KindMap {
				for k := range src.obj {
					seen[k] = true
				}
			}
			for k := range seen {
				keys = append(keys, k)
			}
		} else {
			keys = []string{h}
		}
		m := make(PropertyMap, len(dst.obj))
		for k, v := range dst.obj {
			m[k] = v
		}
		for _, k := range keys {
			var sv PropertyValue
			sok := false
			if srcOK && src.kind == KindMap {
				if sv, sok = src.obj[k]; sok {
					sv = fromSrc(sv)
				}
			}
			dv, dok := m[k]
			switch {
			case len(rest) == 0 && sok:
				m[k] = sv
			case len(rest) == 0:
				delete(m, k)
			case dok || sok:
				m[k] = setPath(dv, sv, sok, inSecret, rest)
			}
		}
		return wrap(NewMap(m))
	case int:
		if dst.kind != KindList {
			return wrap(dst)
		}
		l := append([]PropertyValue(nil), dst.list...)
		if h >= 0 && h < len(l) {
			var sv PropertyValue
			sok := srcOK && src.kind == KindList && h < len(src.list)
			if sok {
				sv = fromSrc(src.list[h])
			}
			if len(rest) == 0 {
				if sok {
					l[h] = sv
				}
			} else {
				l[h] = setPath(l[h], sv, sok, inSecret, rest)
			}
		}
		return wrap(NewList(l))
	}
	return wrap(dst)
}
