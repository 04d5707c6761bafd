package resource

import (
	"strings"
	"testing"
)

func TestNewURNAndParts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                                   string
		stack, project, parentType, typ, rname string
		want                                   URN
		wantQualified, wantType                string
	}{
		{
			name: "top level", stack: "dev", project: "hello", typ: "random:index:String", rname: "pw",
			want:          "urn:infra:dev::hello::random:index:String::pw",
			wantQualified: "random:index:String", wantType: "random:index:String",
		},
		{
			name: "under a component", stack: "prod", project: "web", parentType: "acme:web:Cluster",
			typ: "aws:ec2:Instance", rname: "vm-1",
			want:          "urn:infra:prod::web::acme:web:Cluster$aws:ec2:Instance::vm-1",
			wantQualified: "acme:web:Cluster$aws:ec2:Instance", wantType: "aws:ec2:Instance",
		},
		{
			name: "two levels of parents", stack: "dev", project: "p", parentType: "acme:web:Site$acme:web:Cluster",
			typ: "dns:index:Record", rname: "www",
			want:          "urn:infra:dev::p::acme:web:Site$acme:web:Cluster$dns:index:Record::www",
			wantQualified: "acme:web:Site$acme:web:Cluster$dns:index:Record", wantType: "dns:index:Record",
		},
		{
			name: "name containing ::", stack: "dev", project: "p", typ: "random:index:String", rname: "a::b::c",
			want:          "urn:infra:dev::p::random:index:String::a::b::c",
			wantQualified: "random:index:String", wantType: "random:index:String",
		},
		{
			name: "name containing $ and spaces", stack: "dev", project: "p", typ: "random:index:String", rname: "my $ name",
			want:          "urn:infra:dev::p::random:index:String::my $ name",
			wantQualified: "random:index:String", wantType: "random:index:String",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u := NewURN(tt.stack, tt.project, tt.parentType, tt.typ, tt.rname)
			if u != tt.want {
				t.Fatalf("NewURN = %q, want %q", u, tt.want)
			}
			if !u.IsValid() {
				t.Fatalf("%q is not valid", u)
			}
			parsed, err := ParseURN(string(u))
			if err != nil || parsed != u {
				t.Fatalf("ParseURN(%q) = %q, %v", u, parsed, err)
			}
			if got := u.Stack(); got != tt.stack {
				t.Errorf("Stack = %q, want %q", got, tt.stack)
			}
			if got := u.Project(); got != tt.project {
				t.Errorf("Project = %q, want %q", got, tt.project)
			}
			if got := u.QualifiedType(); got != tt.wantQualified {
				t.Errorf("QualifiedType = %q, want %q", got, tt.wantQualified)
			}
			if got := u.Type(); got != tt.wantType {
				t.Errorf("Type = %q, want %q", got, tt.wantType)
			}
			if got := u.Name(); got != tt.rname {
				t.Errorf("Name = %q, want %q", got, tt.rname)
			}
		})
	}
}

func TestParseURNErrors(t *testing.T) {
	t.Parallel()
	bad := []string{
		"",
		"urn:infra:",
		"urn:pulumi:dev::p::t:m:T::n",
		"urn:infra:dev::p::t:m:T",     // no name
		"urn:infra:::p::t:m:T::n",     // empty stack
		"urn:infra:dev::::t:m:T::n",   // empty project
		"urn:infra:dev::p::::n",       // empty type
		"urn:infra:dev::p::t:m:T::",   // empty name
		"URN:INFRA:dev::p::t:m:T::n",  // prefix is case-sensitive
		"xurn:infra:dev::p::t:m:T::n", // junk before the prefix
		"urn:infra:dev:p:t:m:T:n",     // single colons only
	}
	for _, s := range bad {
		u, err := ParseURN(s)
		if err == nil {
			t.Errorf("ParseURN(%q) = %q, want an error", s, u)
			continue
		}
		if !strings.Contains(err.Error(), "invalid URN") || !strings.Contains(err.Error(), "urn:infra:<stack>::<project>::<type>::<name>") {
			t.Errorf("ParseURN(%q) error %q does not explain the form", s, err)
		}
		if URN(s).IsValid() {
			t.Errorf("URN(%q).IsValid() = true", s)
		}
	}
	// A name made only of colons is still a name.
	colons := "urn:infra:dev::p::t:m:T:::::"
	u, err := ParseURN(colons)
	if err != nil {
		t.Fatalf("ParseURN(%q): %v", colons, err)
	}
	if u.Name() != ":::" {
		t.Errorf("Name = %q, want %q", u.Name(), ":::")
	}
	if URN("garbage").Name() != "" || URN("garbage").Type() != "" || URN("garbage").QualifiedType() != "" {
		t.Errorf("accessors of a malformed URN must be empty")
	}
}

func TestTypeTokens(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		typ     string
		valid   bool
		pkg     string
		isProvT bool
	}{
		{"aws:ec2:Instance", true, "aws", false},
		{"random:index:String", true, "random", false},
		{"infra:providers:aws", true, "infra", true},
		{"aws:ec2", false, "aws", false},
		{"aws::Instance", false, "aws", false},
		{":ec2:Instance", false, "", false},
		{"aws:ec2:Instance:extra", false, "aws", false},
		{"plain", false, "plain", false},
		{"", false, "", false},
	} {
		err := ValidateType(tc.typ)
		if (err == nil) != tc.valid {
			t.Errorf("ValidateType(%q) = %v, want valid=%v", tc.typ, err, tc.valid)
		}
		if err != nil && !strings.Contains(err.Error(), "<package>:<module>:<Type>") {
			t.Errorf("ValidateType(%q) error %q does not show the form", tc.typ, err)
		}
		if got := Package(tc.typ); got != tc.pkg {
			t.Errorf("Package(%q) = %q, want %q", tc.typ, got, tc.pkg)
		}
		if got := IsProviderType(tc.typ); got != tc.isProvT {
			t.Errorf("IsProviderType(%q) = %v", tc.typ, got)
		}
	}
	if got := ProviderType("gcp"); got != "infra:providers:gcp" {
		t.Errorf("ProviderType = %q", got)
	}
	if !IsProviderType(ProviderType("x")) || ValidateType(ProviderType("x")) != nil {
		t.Errorf("ProviderType must give a valid provider type token")
	}
}

func TestProviderRef(t *testing.T) {
	t.Parallel()
	tests := []struct {
		urn URN
		id  string
	}{
		{NewURN("dev", "p", "", ProviderType("aws"), "default"), "0123-abcd"},
		{NewURN("dev", "p", "", ProviderType("aws"), "east::1"), "id-2"}, // name with "::"
		{NewURN("dev", "p", "", ProviderType("aws"), "x"), ""},
	}
	for _, tt := range tests {
		ref := NewProviderRef(tt.urn, tt.id)
		if want := ProviderRef(string(tt.urn) + "::" + tt.id); ref != want {
			t.Errorf("NewProviderRef = %q, want %q", ref, want)
		}
		if ref.URN() != tt.urn {
			t.Errorf("%q.URN() = %q, want %q", ref, ref.URN(), tt.urn)
		}
		if ref.ID() != tt.id {
			t.Errorf("%q.ID() = %q, want %q", ref, ref.ID(), tt.id)
		}
	}
	if r := ProviderRef("no-separator"); r.URN() != "no-separator" || r.ID() != "" {
		t.Errorf("ref without separator: URN %q ID %q", r.URN(), r.ID())
	}
}
