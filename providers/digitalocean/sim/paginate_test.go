package sim

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestPagination(t *testing.T) {
	t.Parallel()
	s := New(Options{PageSize: 2})
	get := func(query string) (int, map[string]any) {
		req := httptest.NewRequest(http.MethodGet, "http://sim/v2/sizes?"+query, nil)
		req.Header.Set("Authorization", "Bearer x")
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		var body map[string]any
		_ = json.Unmarshal(w.Body.Bytes(), &body)
		return w.Code, body
	}
	pagesOf := func(body map[string]any) map[string]any {
		links, _ := body["links"].(map[string]any)
		p, _ := links["pages"].(map[string]any)
		return p
	}
	last := (len(sizes) + 1) / 2
	tests := []struct {
		query     string
		status    int
		items     int
		has, lack []string
	}{
		{"", 200, 2, []string{"next", "last"}, []string{"first", "prev"}},
		{"page=2&per_page=100", 200, 2, []string{"first", "prev", "next", "last"}, nil},
		{"page=" + itoa(last), 200, len(sizes) - 2*(last-1), []string{"first", "prev"}, []string{"next", "last"}},
		{"page=99", 200, 0, []string{"first", "prev"}, []string{"next"}},
		{"per_page=0", 400, 0, nil, nil},
		{"page=x", 400, 0, nil, nil},
	}
	for _, tc := range tests {
		status, body := get(tc.query)
		if status != tc.status {
			t.Errorf("%q: status %d, want %d", tc.query, status, tc.status)
			continue
		}
		if status != 200 {
			if body["id"] != "bad_request" {
				t.Errorf("%q: error body %v", tc.query, body)
			}
			continue
		}
		items, _ := body["sizes"].([]any)
		if len(items) != tc.items {
			t.Errorf("%q: %d items, want %d", tc.query, len(items), tc.items)
		}
		if meta, _ := body["meta"].(map[string]any); meta["total"] != float64(len(sizes)) {
			t.Errorf("%q: meta %v", tc.query, body["meta"])
		}
		p := pagesOf(body)
		for _, k := range tc.has {
			if u, _ := p[k].(string); !strings.HasPrefix(u, "http://sim/v2/sizes?") || !strings.Contains(u, "per_page=2") {
				t.Errorf("%q: links.pages.%s = %q", tc.query, k, p[k])
			}
		}
		for _, k := range tc.lack {
			if _, has := p[k]; has {
				t.Errorf("%q: links.pages.%s present", tc.query, k)
			}
		}
	}
}
