package infra

import "time"

// ResourceOption changes how a resource is managed. Pass any number to a New<Resource> function.
type ResourceOption func(*resourceOptions)

type resourceOptions struct {
	dependsOn           []Resource
	parent              Resource
	provider            ProviderResource
	providers           []ProviderResource
	protect             bool
	ignoreChanges       []string
	replaceOnChanges    []string
	deleteBeforeReplace *bool
	retainOnDelete      bool
	aliases             []Alias
	timeouts            *CustomTimeouts
	importID            string
}

// DependsOn makes the resource wait for others it does not take inputs from: it is created after them and
// deleted before them.
func DependsOn(rs ...Resource) ResourceOption {
	return func(o *resourceOptions) { o.dependsOn = append(o.dependsOn, rs...) }
}

// Parent places the resource under a component (or other resource): its URN is qualified by the parent's type,
// it inherits the parent's providers, and displays show it as a child.
func Parent(r Resource) ResourceOption { return func(o *resourceOptions) { o.parent = r } }

// Provider manages the resource with an explicitly configured provider instance instead of the default one.
func Provider(p ProviderResource) ResourceOption { return func(o *resourceOptions) { o.provider = p } }

// Providers sets provider instances for a component's children, by package.
func Providers(ps ...ProviderResource) ResourceOption {
	return func(o *resourceOptions) { o.providers = append(o.providers, ps...) }
}

// Protect refuses to delete the resource (or replace it) until the option is removed.
func Protect(on bool) ResourceOption { return func(o *resourceOptions) { o.protect = on } }

// IgnoreChanges keeps the listed properties at their values in state: changes to them in the program are not
// applied. Paths use dots and brackets: "tags.env", "rules[0].port", "tags[*]".
func IgnoreChanges(paths ...string) ResourceOption {
	return func(o *resourceOptions) { o.ignoreChanges = append(o.ignoreChanges, paths...) }
}

// ReplaceOnChanges makes changes to the listed properties replace the resource instead of updating it.
func ReplaceOnChanges(paths ...string) ResourceOption {
	return func(o *resourceOptions) { o.replaceOnChanges = append(o.replaceOnChanges, paths...) }
}

// DeleteBeforeReplace, when on, deletes the old object before creating its replacement (by default the
// replacement is created first).
func DeleteBeforeReplace(on bool) ResourceOption {
	return func(o *resourceOptions) { o.deleteBeforeReplace = &on }
}

// RetainOnDelete leaves the object in place when the resource is deleted: it is only forgotten by the stack.
func RetainOnDelete(on bool) ResourceOption {
	return func(o *resourceOptions) { o.retainOnDelete = on }
}

// Alias is an earlier identity of a resource. Declaring it when you rename a resource or move it to another
// parent makes the engine treat the old and new as the same object instead of replacing it. Set URN, or any of
// the other fields (unset ones default to the resource's current values).
type Alias struct {
	URN       URN
	Name      string
	Type      string
	Parent    Resource
	ParentURN URN
	NoParent  bool
	Stack     string
	Project   string
}

// Aliases declares earlier identities of the resource.
func Aliases(as ...Alias) ResourceOption {
	return func(o *resourceOptions) { o.aliases = append(o.aliases, as...) }
}

// CustomTimeouts bounds how long each provider operation on the resource may take; zero keeps the default.
type CustomTimeouts struct {
	Create time.Duration
	Update time.Duration
	Delete time.Duration
}

// Timeouts sets custom operation timeouts.
func Timeouts(t CustomTimeouts) ResourceOption {
	return func(o *resourceOptions) { tt := t; o.timeouts = &tt }
}

// Import adopts the existing object with this provider ID instead of creating one. The program's inputs must
// match the object; the preview shows any difference.
func Import(id string) ResourceOption { return func(o *resourceOptions) { o.importID = id } }
