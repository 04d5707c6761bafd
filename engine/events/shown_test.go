package events

import (
	"errors"
	"fmt"
	"testing"
)

func TestShown(t *testing.T) {
	t.Parallel()
	base := errors.New("create failed")
	marked := MarkShown(base)
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"plain", base, false},
		{"marked", marked, true},
		{"wrapped after marking", fmt.Errorf("update: %w", marked), true},
		{"joined", errors.Join(errors.New("other"), marked), true},
	} {
		if got := Shown(tc.err); got != tc.want {
			t.Errorf("%s: Shown = %v, want %v", tc.name, got, tc.want)
		}
	}
	if MarkShown(nil) != nil {
		t.Error("MarkShown(nil) is not nil")
	}
	if MarkShown(marked) != marked {
		t.Error("marking twice wraps twice")
	}
	if !errors.Is(marked, base) || marked.Error() != base.Error() {
		t.Errorf("the mark changed the error: %v", marked)
	}
}
