package random

// StringArgs are the inputs of random:index:String and random:index:Password. Every input forces a new value
// when it changes.
type StringArgs struct {
	Length int `infra:"length,replace" doc:"The number of characters to generate (at least 1, at most 1048576)."`

	Upper   bool `infra:"upper,replace" default:"true" doc:"Whether upper-case letters (A-Z) may appear."`
	Lower   bool `infra:"lower,replace" default:"true" doc:"Whether lower-case letters (a-z) may appear."`
	Numeric bool `infra:"numeric,replace" default:"true" doc:"Whether digits (0-9) may appear."`
	Special bool `infra:"special,replace" default:"true" doc:"Whether special characters may appear: those of overrideSpecial if set, else !@#$%&*()-_=+[]{}<>:?."`

	MinUpper   int `infra:"minUpper,replace" default:"0" doc:"The least number of upper-case letters in the result; needs upper."`
	MinLower   int `infra:"minLower,replace" default:"0" doc:"The least number of lower-case letters in the result; needs lower."`
	MinNumeric int `infra:"minNumeric,replace" default:"0" doc:"The least number of digits in the result; needs numeric."`
	MinSpecial int `infra:"minSpecial,replace" default:"0" doc:"The least number of special characters in the result; needs special."`

	OverrideSpecial *string `infra:"overrideSpecial,replace" doc:"The special characters to choose from instead of the default !@#$%&*()-_=+[]{}<>:? (for example \"-_\" for values that end up in URLs). Only used when special is true. Unset: the default set."`

	Keepers map[string]string `infra:"keepers,replace" doc:"Arbitrary values that are kept with the result; changing any of them generates a new value. Use it to tie the value's lifetime to something else, such as an image ID."`
}

// StringState is the state of a random:index:String: its inputs and the generated string.
type StringState struct {
	StringArgs
	Result string `infra:"result" doc:"The generated string."`
}

// PasswordState is the state of a random:index:Password: its inputs and the generated password, always a secret.
type PasswordState struct {
	StringArgs
	Result string `infra:"result,secret" doc:"The generated password. Always a secret: encrypted in state and never displayed."`
}
