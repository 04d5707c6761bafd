package codegen

import "testing"

func TestGoName(t *testing.T) {
	tests := map[string]string{
		"length":           "Length",
		"id":               "ID",
		"urn":              "URN",
		"vpcId":            "VPCID",
		"publicIp":         "PublicIP",
		"imageId":          "ImageID",
		"httpEndpoint":     "HTTPEndpoint",
		"endpointUrl":      "EndpointURL",
		"apiToken":         "APIToken",
		"cpuCount":         "CPUCount",
		"ttl":              "TTL",
		"arn":              "ARN",
		"amiId":            "AMIID",
		"cidrBlock":        "CIDRBlock",
		"dnsName":          "DNSName",
		"jsonBody":         "JSONBody",
		"redirectUri":      "RedirectURI",
		"securityGroupIds": "SecurityGroupIDs",
		"privateIps":       "PrivateIPs",
		"ipv6Address":      "IPv6Address",
		"http2Enabled":     "HTTP2Enabled",
		"URLPath":          "URLPath",
		"vpc_id":           "VPCID",
		"kebab-case-name":  "KebabCaseName",
		"type":             "Type",
		"func":             "Func",
		"3d":               "X3d",
		"getAmi":           "GetAMI",
		"String":           "String",
		"idleTimeout":      "IdleTimeout",
		"v2beta":           "V2beta",
		"__":               "",
	}
	for in, want := range tests {
		if got := goName(in); got != want {
			t.Errorf("goName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSnakeAndFileNames(t *testing.T) {
	snake := map[string]string{
		"String":         "string",
		"ForwardingRule": "forwarding_rule",
		"VPCEndpoint":    "vpc_endpoint",
		"GetAMI":         "get_ami",
		"HTTP2Listener":  "http2_listener",
	}
	for in, want := range snake {
		if got := snakeName(in); got != want {
			t.Errorf("snakeName(%q) = %q, want %q", in, got, want)
		}
	}
	files := map[[2]string]string{
		{"Instance", "resource"}:      "instance",
		{"Types", "resource"}:         "types_resource",
		{"Provider", "function"}:      "provider_function",
		{"Doc", "resource"}:           "doc_resource",
		{"ServerWindows", "resource"}: "server_windows_resource",
		{"LoadTest", "resource"}:      "load_test_resource",
		{"GetArm64", "function"}:      "get_arm64_function",
		{"Linux", "resource"}:         "linux",
	}
	for in, want := range files {
		if got := fileBase(in[0], in[1]); got != want {
			t.Errorf("fileBase(%q, %q) = %q, want %q", in[0], in[1], got, want)
		}
	}
}

func TestPackageName(t *testing.T) {
	tests := map[string]string{
		"ec2":          "ec2",
		"compute-v1":   "computev1",
		"Storage":      "storage",
		"type":         "typepkg",
		"func":         "funcpkg",
		"string":       "stringpkg",
		"internal":     "internalpkg",
		"main":         "mainpkg",
		"infra":        "infrapkg",
		"testdata":     "testdatapkg",
		"2fa":          "m2fa",
		"digitalocean": "digitalocean",
		"--":           "",
	}
	for in, want := range tests {
		if got := packageName(in); got != want {
			t.Errorf("packageName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestReplacementNote(t *testing.T) {
	for desc, stated := range map[string]bool{
		"A change replaces the instance.":                true,
		"Changing this forces a new resource.":           true,
		"A change runs update, or replaces the resource": true,
		"The zone's name.":                               false,
		"Placement of the instance.":                     false,
	} {
		if got := replacementStated.MatchString(desc); got != stated {
			t.Errorf("%q: replacement stated = %v, want %v", desc, got, stated)
		}
	}
}

func TestSentence(t *testing.T) {
	tests := []struct{ name, desc, want string }{
		{"Length", "The number of characters", "Length is the number of characters."},
		{"BcryptHash", "A bcrypt hash of the result.", "BcryptHash is a bcrypt hash of the result."},
		{"String", "Generates a random string.", "String generates a random string."},
		{"Special", "Whether to include special characters", "Special says whether to include special characters."},
		{"Password", "Password is like String.", "Password is like String."},
		{"URL", "URL of the bucket.", "URL of the bucket."},
		{"Keepers", "Arbitrary values", "Keepers are arbitrary values."},
		{"ARN", "ARN", "ARN."},
		{"EndpointURL", "Overrides the API endpoint", "EndpointURL overrides the API endpoint."},
		{"CheckIntervalSec", "Seconds between two probes", "CheckIntervalSec is seconds between two probes."},
		{"SecurityGroupIDs", "IDs of the groups", "SecurityGroupIDs are IDs of the groups."},
		{"Status", "Current state of the zone", "Status is current state of the zone."},
		{"MaxRetries", "How often a call is repeated", "MaxRetries says how often a call is repeated."},
		{"Visibility", "public or private", "Visibility is public or private."},
		{"Size", "", `Size is the "size" property.`},
	}
	for _, tt := range tests {
		fallback := `is the "size" property.`
		if got := sentence(tt.name, tt.desc, fallback); got != tt.want {
			t.Errorf("sentence(%q, %q) = %q, want %q", tt.name, tt.desc, got, tt.want)
		}
	}
}

func TestCommentWrapsAndKeepsCodeBlocks(t *testing.T) {
	text := "Word " + repeat("word ", 40) + "\n\nExample:\n\n\tx := 1\n\ty := 2"
	got := comment(1, text)
	want := "\t// Word word word word word word word word word word word word word word word word word word word word\n" +
		"\t// word word word word word word word word word word word word word word word word word word word word\n" +
		"\t// word\n" +
		"\t//\n\t// Example:\n\t//\n\t// \tx := 1\n\t// \ty := 2\n"
	if got != want {
		t.Errorf("comment =\n%s\nwant\n%s", got, want)
	}
}

func repeat(s string, n int) string {
	out := ""
	for i := 0; i < n; i++ {
		out += s
	}
	return out
}
