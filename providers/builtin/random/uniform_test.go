package random

import (
	"math"
	"testing"
)

// TestUniformDistribution draws from a range that does not divide 2^64 and checks every value turns up about
// equally often (a chi-squared test with a generous bound, so it fails only on real bias).
func TestUniformDistribution(t *testing.T) {
	t.Parallel()
	const n, draws = 7, 70000
	var counts [n]int
	for range draws {
		v, err := uniform(n)
		if err != nil {
			t.Fatal(err)
		}
		if v >= n {
			t.Fatalf("uniform(%d) = %d", n, v)
		}
		counts[v]++
	}
	expected := float64(draws) / n
	chi2 := 0.0
	for _, c := range counts {
		d := float64(c) - expected
		chi2 += d * d / expected
	}
	// With 6 degrees of freedom, chi-squared exceeds 30 with probability below 0.005%.
	if chi2 > 30 {
		t.Fatalf("counts %v are not uniform (chi-squared %.1f)", counts, chi2)
	}
	if _, err := uniform(0); err != nil {
		t.Fatal(err)
	}
}

func TestGenerateSpreadsCharacters(t *testing.T) {
	t.Parallel()
	s, err := generate(StringArgs{Length: 20000, Numeric: true})
	if err != nil {
		t.Fatal(err)
	}
	counts := map[rune]int{}
	for _, r := range s {
		counts[r]++
	}
	if len(counts) != 10 {
		t.Fatalf("saw %d distinct digits, want 10", len(counts))
	}
	for r, c := range counts {
		if math.Abs(float64(c)-2000) > 300 {
			t.Errorf("digit %q appeared %d times in 20000, want about 2000", r, c)
		}
	}
}

func TestShufflePermutes(t *testing.T) {
	t.Parallel()
	// Every one of the 6 orders of three distinct runes must turn up.
	seen := map[string]bool{}
	for range 600 {
		s := []rune("abc")
		if err := shuffle(s); err != nil {
			t.Fatal(err)
		}
		seen[string(s)] = true
	}
	if len(seen) != 6 {
		t.Fatalf("saw orders %v, want all 6", seen)
	}
}
