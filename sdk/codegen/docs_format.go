package codegen

import (
	"fmt"
	"sort"
	"strings"

	"github.com/infrago/infra/sdk/provider"
)

// inputTable lists inputs; the replaces-on-change column only where the notion applies (resource inputs).
func (d *docWriter) inputTable(props []*propModel, replaces bool) {
	if replaces {
		d.p("| Name | Go field | Type | Required | Default | Replaces on change | Secret | Description |")
		d.p("|---|---|---|---|---|---|---|---|")
	} else {
		d.p("| Name | Go field | Type | Required | Default | Secret | Description |")
		d.p("|---|---|---|---|---|---|---|")
	}
	for _, p := range byName(props) {
		def := ""
		if p.prop.Default != nil {
			def = "`" + formatDefault(p.prop.Default) + "`"
		}
		required := yes(p.prop.Required && p.prop.Default == nil)
		if replaces {
			d.p("| `%s` | `%s` | %s | %s | %s | %s | %s | %s |", p.name, p.goName, d.typeRef(p.prop.TypeSpec), required,
				cell(def), yes(p.prop.ReplaceOnChanges), yes(p.prop.Secret), cell(describe(p)))
		} else {
			d.p("| `%s` | `%s` | %s | %s | %s | %s | %s |", p.name, p.goName, d.typeRef(p.prop.TypeSpec), required,
				cell(def), yes(p.prop.Secret), cell(describe(p)))
		}
	}
	d.p("")
}

func (d *docWriter) outputTable(props []*propModel) {
	d.p("| Name | Go field | Type | Secret | Description |")
	d.p("|---|---|---|---|---|")
	for _, p := range byName(props) {
		d.p("| `%s` | `%s` | %s | %s | %s |", p.name, p.goName, d.typeRef(p.prop.TypeSpec), yes(p.prop.Secret), cell(describe(p)))
	}
	d.p("")
}

// typeRef renders a type the way the schema names it, with object types linked to their section.
func (d *docWriter) typeRef(t provider.TypeSpec) string {
	switch {
	case t.Ref != "":
		o := d.m.types[t.RefToken()]
		return "[" + o.goName + "](#" + anchorID(o.token) + ")"
	case t.Type == "array":
		return "list(" + d.typeRef(*t.Items) + ")"
	case t.Type == "map":
		return "map(" + d.typeRef(*t.Values) + ")"
	}
	return t.Type
}

// anchor writes an explicit anchor, because heading anchors differ between Markdown renderers and names may
// repeat across modules.
func (d *docWriter) anchor(token string) {
	d.p(`<a id="%s"></a>`, anchorID(token))
	d.p("")
}

func (d *docWriter) code(src string) {
	d.p("```go")
	d.b.WriteString(src)
	d.p("```")
	d.p("")
}

// anchorID turns a token into an HTML id: "cloud:compute:Disk" → "cloud-compute-disk".
func anchorID(token string) string {
	return strings.ToLower(strings.NewReplacer(":", "-", "/", "-").Replace(token))
}

// describe is a property's description for a table, with its deprecation.
func describe(p *propModel) string {
	desc := strings.TrimSpace(p.prop.Description)
	if dep := strings.TrimSpace(p.prop.Deprecated); dep != "" {
		if desc != "" {
			desc = finish(desc) + " "
		}
		desc += "**Deprecated:** " + finish(dep)
	}
	return desc
}

// cell makes text safe for a table cell: one line, pipes escaped, no accidental HTML.
func cell(s string) string {
	return strings.ReplaceAll(mdText(strings.Join(strings.Fields(s), " ")), "|", `\|`)
}

// mdText escapes "<" outside code spans and autolinks, so that a description mentioning "<module>" is shown
// rather than read as an HTML tag.
func mdText(s string) string {
	var b strings.Builder
	inCode := false
	for i, r := range s {
		switch {
		case r == '`':
			inCode = !inCode
		case r == '<' && !inCode && !strings.HasPrefix(s[i:], "<http://") && !strings.HasPrefix(s[i:], "<https://"):
			b.WriteString("&lt;")
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func yes(b bool) string {
	if b {
		return "yes"
	}
	return ""
}

// packageContents summarizes a package for the overview table.
func packageContents(pkg *pkgModel) string {
	var parts []string
	if pkg.index {
		parts = append(parts, "Provider")
	}
	for _, r := range pkg.resources {
		parts = append(parts, r.goName)
	}
	for _, f := range pkg.functions {
		parts = append(parts, f.goName+"()")
	}
	switch n := len(pkg.types); n {
	case 0:
	case 1:
		parts = append(parts, "1 object type")
	default:
		parts = append(parts, fmt.Sprintf("%d object types", n))
	}
	return strings.Join(parts, ", ")
}

// byName orders properties by their schema names, which is how readers of the reference look them up.
func byName(props []*propModel) []*propModel {
	out := append([]*propModel(nil), props...)
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}
