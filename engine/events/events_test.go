package events

import "testing"

func TestTeeHandsEveryEventToEachSinkInOrder(t *testing.T) {
	t.Parallel()
	var got []string
	sink := func(name string) Sink {
		return SinkFunc(func(e Event) { got = append(got, name+":"+string(e.Kind)) })
	}
	s := Tee(sink("display"), Discard, sink("plan"))
	s.Emit(Event{Kind: KindPrelude})
	s.Emit(Event{Kind: KindSummary})
	want := []string{"display:" + string(KindPrelude), "plan:" + string(KindPrelude), "display:" + string(KindSummary), "plan:" + string(KindSummary)}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}

func TestSymbols(t *testing.T) {
	t.Parallel()
	for op, want := range map[Op]string{OpCreate: "+", OpCreateReplacement: "+", OpUpdate: "~", OpReplace: "+-",
		OpDelete: "-", OpDeleteReplaced: "-", OpImport: "=", OpRead: ">", OpRefresh: ">", OpSame: " "} {
		if got := op.Symbol(); got != want {
			t.Errorf("%s: symbol %q, want %q", op, got, want)
		}
	}
}
