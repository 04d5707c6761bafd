package plugin

import (
	"time"

	"github.com/infrago/infra/sdk/resource"
)

// The requests of the engine's calls to a provider. They name every property map, so that the old inputs, the
// old outputs and the new inputs of a call cannot be swapped without the compiler noticing, as three positional
// maps in a row could be.

// CheckRequest asks a provider to validate a resource's (or, for CheckConfig, its own configuration's) inputs.
type CheckRequest struct {
	URN  resource.URN
	Type string
	// Olds are the inputs of the resource's last state (nil for a new resource); News are the program's.
	Olds, News resource.PropertyMap
}

// DiffRequest asks a provider how a resource's checked new inputs differ from its state.
type DiffRequest struct {
	URN  resource.URN
	Type string
	ID   string
	// OldInputs and OldOutputs are the resource's state; News are the checked new inputs.
	OldInputs, OldOutputs, News resource.PropertyMap
	// IgnoreChanges are the property paths whose changes do not count.
	IgnoreChanges []string
}

// CreateRequest asks a provider to create an object.
type CreateRequest struct {
	URN  resource.URN
	Type string
	// Inputs are the checked inputs (for CheckAndCreate, unchecked: the provider checks them first).
	Inputs resource.PropertyMap
	// Timeout is how long the create may take; Token is the create's idempotency token, by which Lookup finds
	// the object after a crash.
	Timeout time.Duration
	Token   string
}

// CreateResult is the object a create made. A non-empty ID with InitErrors means it exists but is not ready.
type CreateResult struct {
	ID         string
	Outputs    resource.PropertyMap
	InitErrors []string
}

// ReadRequest asks a provider for an object's live state; Inputs and Outputs are what the state holds (nil for
// an import).
type ReadRequest struct {
	URN             resource.URN
	Type            string
	ID              string
	Inputs, Outputs resource.PropertyMap
}

// LookupRequest asks a provider for the object a create with Token made.
type LookupRequest struct {
	URN    resource.URN
	Type   string
	Token  string
	Inputs resource.PropertyMap
}

// UpdateRequest asks a provider to change an object in place.
type UpdateRequest struct {
	URN  resource.URN
	Type string
	ID   string
	// OldInputs and OldOutputs are the resource's state; News are the checked new inputs.
	OldInputs, OldOutputs, News resource.PropertyMap
	Timeout                     time.Duration
	IgnoreChanges               []string
}

// UpdateResult is the object after an update; InitErrors mean it is not ready.
type UpdateResult struct {
	Outputs    resource.PropertyMap
	InitErrors []string
}

// DeleteRequest asks a provider to delete an object; Inputs and Outputs are its state.
type DeleteRequest struct {
	URN             resource.URN
	Type            string
	ID              string
	Inputs, Outputs resource.PropertyMap
	Timeout         time.Duration
}
