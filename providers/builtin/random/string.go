package random

import (
	"context"
	"fmt"
	"unicode/utf8"

	"github.com/infrago/infra/providers/builtin/internal/ident"
	"github.com/infrago/infra/sdk/provider"
)

// stringResource implements random:index:String. It has no Update: every change replaces it.
type stringResource struct{}

// Check validates the inputs beyond their types (the kit has already filled in the defaults).
func (stringResource) Check(_ context.Context, req provider.CheckRequest[StringArgs]) (StringArgs, []provider.CheckFailure, error) {
	return req.Inputs, validate(req.Inputs), nil
}

// Create generates the string. Its ID is the string itself, as in Terraform and Pulumi, which is what makes
// importing by value natural.
func (stringResource) Create(_ context.Context, req provider.CreateRequest[StringArgs]) (provider.CreateResponse[StringState], error) {
	result, err := generate(req.Inputs)
	if err != nil {
		return provider.CreateResponse[StringState]{}, err
	}
	// Outputs echo the inputs; an input holding a secret anywhere inside stays secret as a whole in the outputs.
	return provider.CreateResponse[StringState]{ID: result, Outputs: StringState{StringArgs: req.Inputs, Result: result},
		Secret: req.SecretInputs}, nil
}

// Read returns state as it is (a random value has no live copy to drift from) and, for an import, adopts the
// import ID as the value.
func (stringResource) Read(_ context.Context, req provider.ReadRequest[StringArgs, StringState]) (provider.ReadResponse[StringArgs, StringState], error) {
	if !req.Import {
		return provider.ReadResponse[StringArgs, StringState]{ID: req.ID, Inputs: req.Inputs, Outputs: req.Outputs}, nil
	}
	args, err := importedArgs(req.ID, StringToken)
	if err != nil {
		return provider.ReadResponse[StringArgs, StringState]{}, err
	}
	return provider.ReadResponse[StringArgs, StringState]{ID: req.ID, Inputs: args,
		Outputs: StringState{StringArgs: args, Result: req.ID}}, nil
}

// passwordResource implements random:index:Password: a random:index:String whose result is a secret.
type passwordResource struct{}

// Check validates the inputs beyond their types.
func (passwordResource) Check(_ context.Context, req provider.CheckRequest[StringArgs]) (StringArgs, []provider.CheckFailure, error) {
	return req.Inputs, validate(req.Inputs), nil
}

// Create generates the password. Unlike a String, its ID is random: an ID is shown and stored in plain text.
func (passwordResource) Create(_ context.Context, req provider.CreateRequest[StringArgs]) (provider.CreateResponse[PasswordState], error) {
	result, err := generate(req.Inputs)
	if err != nil {
		return provider.CreateResponse[PasswordState]{}, err
	}
	id, err := ident.New()
	if err != nil {
		return provider.CreateResponse[PasswordState]{}, err
	}
	return provider.CreateResponse[PasswordState]{ID: id, Outputs: PasswordState{StringArgs: req.Inputs, Result: result},
		Secret: req.SecretInputs}, nil
}

// Read returns state as it is and, for an import, adopts the import ID as the password under a fresh random ID.
func (passwordResource) Read(_ context.Context, req provider.ReadRequest[StringArgs, PasswordState]) (provider.ReadResponse[StringArgs, PasswordState], error) {
	if !req.Import {
		return provider.ReadResponse[StringArgs, PasswordState]{ID: req.ID, Inputs: req.Inputs, Outputs: req.Outputs}, nil
	}
	args, err := importedArgs(req.ID, PasswordToken)
	if err != nil {
		return provider.ReadResponse[StringArgs, PasswordState]{}, err
	}
	id, err := ident.New()
	if err != nil {
		return provider.ReadResponse[StringArgs, PasswordState]{}, err
	}
	return provider.ReadResponse[StringArgs, PasswordState]{ID: id, Inputs: args,
		Outputs: PasswordState{StringArgs: args, Result: req.ID}}, nil
}

// importedArgs infers the inputs of an imported string from the value: its length, and each character class
// enabled exactly when the value holds a character of it (a value without special characters was most likely
// generated with special set to false). The program's own inputs must then agree, or the import is refused
// with the differences.
func importedArgs(value, token string) (StringArgs, error) {
	n := utf8.RuneCountInString(value)
	if n == 0 {
		return StringArgs{}, fmt.Errorf("import %s: the import ID is empty; give the existing value itself as the ID", token)
	}
	if !utf8.ValidString(value) {
		return StringArgs{}, fmt.Errorf("import %s: the import ID is not valid UTF-8 text", token)
	}
	var a StringArgs
	a.Length = n
	for _, r := range value {
		switch {
		case r >= 'A' && r <= 'Z':
			a.Upper = true
		case r >= 'a' && r <= 'z':
			a.Lower = true
		case r >= '0' && r <= '9':
			a.Numeric = true
		default:
			a.Special = true
		}
	}
	return a, nil
}

// Lookup reports that a create cut off by a crash made nothing to find: a random value exists only in state.
func (stringResource) Lookup(context.Context, provider.LookupRequest[StringArgs]) (provider.ReadResponse[StringArgs, StringState], error) {
	return provider.ReadResponse[StringArgs, StringState]{}, nil
}

// Lookup reports that a create cut off by a crash made nothing to find: a password exists only in state.
func (passwordResource) Lookup(context.Context, provider.LookupRequest[StringArgs]) (provider.ReadResponse[StringArgs, PasswordState], error) {
	return provider.ReadResponse[StringArgs, PasswordState]{}, nil
}
