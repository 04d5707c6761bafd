package backend

import (
	"context"
	"strings"
	"testing"
)

func TestParseS3URL(t *testing.T) {
	t.Parallel()
	loc, err := parseS3URL("s3://my-bucket/team/infra/?endpoint=http://127.0.0.1:9000&region=eu-west-1&usePathStyle=false&profile=ci")
	if err != nil {
		t.Fatal(err)
	}
	if loc.bucket != "my-bucket" || loc.prefix != "team/infra" || loc.endpoint != "http://127.0.0.1:9000" || loc.region != "eu-west-1" ||
		loc.profile != "ci" || loc.pathStyle == nil || *loc.pathStyle {
		t.Fatalf("%+v", loc)
	}
	for raw, want := range map[string]string{
		"s3:///prefix":                "has no bucket",
		"s3://b/p?endpont=x":          `unknown option "endpont"`,
		"s3://b/p?endpoint=localhost": "must be an http:// or https:// URL",
		"s3://key:secret@b/p":         "credentials do not belong in the URL",
		"s3://b/p?usePathStyle=sure":  "usePathStyle must be true or false",
		"gs://b/p":                    "not an s3:// URL",
	} {
		_, err := parseS3URL(raw)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: want %q, got %v", raw, want, err)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: the error shows the secret: %v", raw, err)
		}
	}
}

func TestParseGCSURL(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]string{
		"gs://b/p?endpoint=http://127.0.0.1:4443":             "http://127.0.0.1:4443/storage/v1/",
		"gs://b/p?endpoint=http://127.0.0.1:4443/storage/v1":  "http://127.0.0.1:4443/storage/v1/",
		"gs://b/p?endpoint=https://proxy.example/storage/v1/": "https://proxy.example/storage/v1/",
	} {
		loc, err := parseGCSURL(raw)
		if err != nil || loc.endpoint != want || loc.bucket != "b" || loc.prefix != "p" {
			t.Errorf("%s: %+v %v", raw, loc, err)
		}
	}
	for raw, want := range map[string]string{
		"gs://":           "has no bucket",
		"gs://b?region=x": "unknown option",
		"gs://u:pw@b/p":   "credentials do not belong",
	} {
		if _, err := parseGCSURL(raw); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: want %q, got %v", raw, want, err)
		}
	}
}

func TestOpenS3NeedsARegion(t *testing.T) {
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_ENDPOINT_URL_S3", "")
	t.Setenv("AWS_ENDPOINT_URL", "")
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	_, err := Open(context.Background(), "s3://b/p", t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "AWS_REGION") {
		t.Fatalf("no region: %v", err)
	}
	s, err := Open(context.Background(), "s3://b/p?region=eu-west-1", t.TempDir())
	if err != nil || s.URL() != "s3://b/p" {
		t.Fatalf("with a region: %v %v", s, err)
	}
}

func TestRedactURL(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]string{
		"postgres://u:pw@h:5432/db?sslmode=require": "postgres://u:xxxxx@h:5432/db?sslmode=require",
		"postgres://u@h/db?password=pw":             "postgres://u@h/db?password=xxxxx",
		"postgres://u@h/db":                         "postgres://u@h/db",
	} {
		if got := redactURL(raw); got != want {
			t.Errorf("redactURL(%q) = %q, want %q", raw, got, want)
		}
	}
}
