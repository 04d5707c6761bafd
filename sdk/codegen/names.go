package codegen

import (
	"strings"
	"unicode"
)

// isInitialism reports whether s is one of the words Go spells in upper case ("ID", not "Id"): those of the Go
// code review conventions plus the cloud terms that come up in provider schemas.
func isInitialism(s string) bool {
	switch s {
	case "acl", "ami", "api", "arn", "ascii", "cidr", "cpu", "css", "dns", "eof", "fqdn", "gpu", "guid", "hdd",
		"html", "http", "https", "iam", "id", "ip", "json", "kms", "mtu", "nat", "qps", "ram", "rpc", "sla",
		"smtp", "sql", "ssd", "ssh", "ssl", "tcp", "tls", "ttl", "udp", "ui", "uid", "uri", "url", "urn", "utf8",
		"uuid", "vm", "vpc", "vpn", "xml", "xsrf", "xss":
		return true
	}
	return false
}

// specialWord returns the spelling of words no simple rule produces.
func specialWord(s string) (string, bool) {
	switch s {
	case "ipv4":
		return "IPv4", true
	case "ipv6":
		return "IPv6", true
	}
	return "", false
}

// isKeyword reports whether s is a Go keyword, which cannot be a package name.
func isKeyword(s string) bool {
	switch s {
	case "break", "case", "chan", "const", "continue", "default", "defer", "else", "fallthrough", "for",
		"func", "go", "goto", "if", "import", "interface", "map", "package", "range", "return", "select",
		"struct", "switch", "type", "var":
		return true
	}
	return false
}

// isPredeclared reports whether s is a predeclared identifier. An import of that name would shadow it and break
// generated code that uses it (a module named "string" imported as string hides the string type).
func isPredeclared(s string) bool {
	switch s {
	case "any", "append", "bool", "byte", "cap", "clear", "close", "comparable", "complex", "complex128",
		"complex64", "copy", "delete", "error", "false", "float32", "float64", "imag", "int", "int16",
		"int32", "int64", "int8", "iota", "len", "make", "max", "min", "new", "nil", "panic", "print",
		"println", "real", "recover", "rune", "string", "true", "uint", "uint16", "uint32", "uint64", "uint8",
		"uintptr":
		return true
	}
	return false
}

// isGeneratedLocal reports whether s is one of the identifiers that generated function bodies and documentation
// examples declare or import. An imported package with such a name would be shadowed inside those bodies, so
// it gets an alias.
func isGeneratedLocal(s string) bool {
	switch s {
	case "args", "ctx", "err", "infra", "main", "name", "opts", "out", "r", "reg", "res":
		return true
	}
	return false
}

// isSpecialDir reports whether s is a directory or package name the go tool treats specially: a generated
// package there would be ignored or not importable by user programs.
func isSpecialDir(s string) bool {
	switch s {
	case "internal", "main", "testdata", "vendor":
		return true
	}
	return false
}

// splitWords splits an identifier into words at case changes, digits-to-letter changes and separators:
// "vpcId" → [vpc Id], "URLPath" → [URL Path], "http2Enabled" → [http2 Enabled], "vpc_id" → [vpc id].
func splitWords(s string) []string {
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, string(cur))
			cur = cur[:0]
		}
	}
	r := []rune(s)
	for i, c := range r {
		if !unicode.IsLetter(c) && !unicode.IsDigit(c) {
			flush()
			continue
		}
		if len(cur) > 0 && unicode.IsUpper(c) {
			prev := cur[len(cur)-1]
			nextLower := i+1 < len(r) && unicode.IsLower(r[i+1])
			// A new word starts at an upper-case letter after a lower-case letter or digit ("vpcId"), and at the
			// last upper-case letter of a run that is followed by a lower-case one ("URLPath").
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
				flush()
			}
		}
		cur = append(cur, c)
	}
	flush()
	return words
}

// goWord spells one word the Go way: initialisms in upper case (plural ones as "IDs"), others capitalized.
func goWord(w string) string {
	lw := strings.ToLower(w)
	if s, ok := specialWord(lw); ok {
		return s
	}
	if isInitialism(lw) {
		return strings.ToUpper(lw)
	}
	if len(lw) > 2 && strings.HasSuffix(lw, "s") && isInitialism(lw[:len(lw)-1]) {
		return strings.ToUpper(lw[:len(lw)-1]) + "s"
	}
	// An initialism followed by a version number: "http2" → "HTTP2".
	if i := strings.IndexFunc(lw, unicode.IsDigit); i > 0 && isInitialism(lw[:i]) && isDigits(lw[i:]) {
		return strings.ToUpper(lw)
	}
	r := []rune(w)
	r[0] = unicode.ToUpper(r[0])
	// Keep the rest as written ("Ec2" stays "Ec2", "IPAddress" parts were split already).
	return string(r)
}

func isDigits(s string) bool {
	for _, c := range s {
		if !unicode.IsDigit(c) {
			return false
		}
	}
	return s != ""
}

// goName converts a schema name (camelCase property, type or function name) to an exported Go identifier:
// "vpcId" → "VPCID", "publicIp" → "PublicIP", "getAmi" → "GetAMI". It returns "" when s has no letters or
// digits at all. A name starting with a digit is prefixed with "X" so it stays an identifier.
func goName(s string) string {
	var b strings.Builder
	for _, w := range splitWords(s) {
		b.WriteString(goWord(w))
	}
	n := b.String()
	if n != "" && unicode.IsDigit([]rune(n)[0]) {
		n = "X" + n
	}
	return n
}

// snakeName converts a Go or schema name to the lower-case snake form used for file names: "ForwardingRule" →
// "forwarding_rule", "VPCEndpoint" → "vpc_endpoint".
func snakeName(s string) string {
	words := splitWords(s)
	for i, w := range words {
		words[i] = strings.ToLower(w)
	}
	return strings.Join(words, "_")
}

// packageName turns a provider or module name into a Go package name that is also its directory name: lower
// case letters and digits only, never a keyword, predeclared identifier or directory the go tool treats
// specially. It returns "" when nothing usable is left.
func packageName(s string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(s) {
		if (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') {
			b.WriteRune(c)
		}
	}
	n := b.String()
	if n == "" {
		return ""
	}
	if n[0] >= '0' && n[0] <= '9' {
		n = "m" + n
	}
	if isKeyword(n) || isPredeclared(n) || isSpecialDir(n) || n == "infra" {
		n += "pkg"
	}
	return n
}

// isBuildSuffix reports whether s is a file name suffix the go tool reads as a build constraint ("_test",
// "_windows", "_arm64"); a generated file named like that would be skipped on most builds.
func isBuildSuffix(s string) bool {
	switch s {
	case "test", "aix", "android", "darwin", "dragonfly", "freebsd", "hurd", "illumos", "ios", "js",
		"linux", "nacl", "netbsd", "openbsd", "plan9", "solaris", "wasip1", "windows", "zos", "386", "amd64",
		"amd64p32", "arm", "armbe", "arm64", "arm64be", "loong64", "mips", "mipsle", "mips64", "mips64le",
		"mips64p32", "mips64p32le", "ppc", "ppc64", "ppc64le", "riscv", "riscv64", "s390", "s390x", "sparc",
		"sparc64", "wasm":
		return true
	}
	return false
}

// fileBase returns the file name (without ".go") for a resource or function named goName. kind ("resource" or
// "function") disambiguates names that would collide with the fixed files of a package or be read as a build
// constraint.
func fileBase(goName, kind string) string {
	base := snakeName(goName)
	parts := strings.Split(base, "_")
	last := parts[len(parts)-1]
	if base == "types" || base == "provider" || base == "doc" || (len(parts) > 1 && isBuildSuffix(last)) {
		base += "_" + kind
	}
	return base
}

// article returns "an" before words that start with a vowel and "a" otherwise, for generated prose.
func article(word string) string {
	if word != "" && strings.ContainsRune("AEIOUaeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}
