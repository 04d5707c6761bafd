package random

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/infrago/infra/sdk/provider"
)

// maxSafeInteger is the largest magnitude a property value (a float64) holds exactly; beyond it min, max and the
// result would silently round.
const maxSafeInteger = 1<<53 - 1

// IntegerArgs are the inputs of random:index:Integer. Every input forces a new value when it changes.
type IntegerArgs struct {
	Min     int               `infra:"min,replace" doc:"The smallest value the result may take (inclusive). Between -9007199254740991 and 9007199254740991."`
	Max     int               `infra:"max,replace" doc:"The largest value the result may take (inclusive); at least min. Between -9007199254740991 and 9007199254740991."`
	Keepers map[string]string `infra:"keepers,replace" doc:"Arbitrary values that are kept with the result; changing any of them generates a new value."`
}

// IntegerState is the state of a random:index:Integer: its inputs and the generated number.
type IntegerState struct {
	IntegerArgs
	Result int `infra:"result" doc:"The generated number, between min and max inclusive."`
}

// integerResource implements random:index:Integer. It has no Update: every change replaces it.
type integerResource struct{}

// Check validates the range.
func (integerResource) Check(_ context.Context, req provider.CheckRequest[IntegerArgs]) (IntegerArgs, []provider.CheckFailure, error) {
	return req.Inputs, validateRange(req.Inputs.Min, req.Inputs.Max), nil
}

func validateRange(lo, hi int) []provider.CheckFailure {
	var failures []provider.CheckFailure
	for _, b := range []struct {
		prop string
		v    int
	}{{"min", lo}, {"max", hi}} {
		if b.v > maxSafeInteger || b.v < -maxSafeInteger {
			failures = append(failures, provider.CheckFailure{Property: b.prop, Reason: fmt.Sprintf(
				"%s is %d, beyond ±%d, the largest whole number a property holds exactly; use a smaller bound", b.prop, b.v, maxSafeInteger)})
		}
	}
	if lo > hi {
		failures = append(failures, provider.CheckFailure{Property: "max", Reason: fmt.Sprintf(
			"max (%d) is less than min (%d); set max to at least %d or lower min", hi, lo, lo)})
	}
	return failures
}

// Create draws the number. Its ID is the number in decimal, as in Terraform.
func (integerResource) Create(_ context.Context, req provider.CreateRequest[IntegerArgs]) (provider.CreateResponse[IntegerState], error) {
	in := req.Inputs
	if failures := validateRange(in.Min, in.Max); len(failures) > 0 {
		return provider.CreateResponse[IntegerState]{}, fmt.Errorf("invalid inputs: %s: %s", failures[0].Property, failures[0].Reason)
	}
	// The bounds are within ±2^53, so the span fits a uint64 and the sum fits an int.
	off, err := uniform(uint64(in.Max-in.Min) + 1)
	if err != nil {
		return provider.CreateResponse[IntegerState]{}, fmt.Errorf("generate random integer: %w", err)
	}
	result := in.Min + int(off)
	return provider.CreateResponse[IntegerState]{ID: strconv.Itoa(result), Outputs: IntegerState{IntegerArgs: in, Result: result},
		Secret: req.SecretInputs}, nil
}

// Read returns state as it is and, for an import, parses "value" or "value,min,max".
func (integerResource) Read(_ context.Context, req provider.ReadRequest[IntegerArgs, IntegerState]) (provider.ReadResponse[IntegerArgs, IntegerState], error) {
	if !req.Import {
		return provider.ReadResponse[IntegerArgs, IntegerState]{ID: req.ID, Inputs: req.Inputs, Outputs: req.Outputs}, nil
	}
	value, args, err := parseIntegerImport(req.ID)
	if err != nil {
		return provider.ReadResponse[IntegerArgs, IntegerState]{}, fmt.Errorf("import %s: %w", IntegerToken, err)
	}
	return provider.ReadResponse[IntegerArgs, IntegerState]{ID: strconv.Itoa(value), Inputs: args,
		Outputs: IntegerState{IntegerArgs: args, Result: value}}, nil
}

// parseIntegerImport reads an import ID: "value" (min and max are taken to be the value) or "value,min,max".
func parseIntegerImport(id string) (int, IntegerArgs, error) {
	const want = `want "value" or "value,min,max", for example "42" or "42,1,100"`
	parts := strings.Split(id, ",")
	if len(parts) != 1 && len(parts) != 3 {
		return 0, IntegerArgs{}, fmt.Errorf("import ID %q has %d parts; %s", id, len(parts), want)
	}
	nums := make([]int, len(parts))
	for i, p := range parts {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil {
			return 0, IntegerArgs{}, fmt.Errorf("import ID %q: %q is not a whole number; %s", id, p, want)
		}
		nums[i] = n
	}
	value, args := nums[0], IntegerArgs{Min: nums[0], Max: nums[0]}
	if len(nums) == 3 {
		args.Min, args.Max = nums[1], nums[2]
	}
	if failures := validateRange(args.Min, args.Max); len(failures) > 0 {
		return 0, IntegerArgs{}, fmt.Errorf("import ID %q: %s", id, failures[0].Reason)
	}
	if value < args.Min || value > args.Max {
		return 0, IntegerArgs{}, fmt.Errorf("import ID %q: value %d is outside min %d and max %d", id, value, args.Min, args.Max)
	}
	return value, args, nil
}

// Lookup reports that a create cut off by a crash made nothing to find: a random number exists only in state.
func (integerResource) Lookup(context.Context, provider.LookupRequest[IntegerArgs]) (provider.ReadResponse[IntegerArgs, IntegerState], error) {
	return provider.ReadResponse[IntegerArgs, IntegerState]{}, nil
}
