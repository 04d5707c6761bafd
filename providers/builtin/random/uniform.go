package random

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
)

// uniform returns an integer drawn uniformly from [0, n) with crypto/rand. n == 0 stands for 2^64 (every uint64).
func uniform(n uint64) (uint64, error) {
	// Taking a 64-bit draw modulo n alone would favour the small results whenever n does not divide 2^64. Draws
	// below 2^64 mod n (computed as -n % n in uint64 arithmetic) are rejected, so that every result is produced by
	// exactly the same number of accepted draws. Fewer than half of all draws are ever rejected.
	var thresh uint64
	if n != 0 {
		thresh = -n % n
	}
	var b [8]byte
	for {
		if _, err := rand.Read(b[:]); err != nil {
			return 0, fmt.Errorf("read from the system's secure random source: %w", err)
		}
		v := binary.LittleEndian.Uint64(b[:])
		if v < thresh {
			continue
		}
		if n == 0 {
			return v, nil
		}
		return v % n, nil
	}
}

// pick returns one element of set chosen uniformly; set must not be empty.
func pick(set []rune) (rune, error) {
	i, err := uniform(uint64(len(set)))
	if err != nil {
		return 0, err
	}
	return set[i], nil
}

// shuffle permutes s uniformly (Fisher-Yates), so characters placed first to satisfy the minimum counts end up at
// random positions.
func shuffle(s []rune) error {
	for i := len(s) - 1; i > 0; i-- {
		j, err := uniform(uint64(i + 1))
		if err != nil {
			return err
		}
		s[i], s[j] = s[j], s[i]
	}
	return nil
}
