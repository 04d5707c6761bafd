// Command infra-provider-testkit is a provider for the engine's integration tests. It records every call it
// receives in a log file and every object it creates in a "world" directory, so tests can prove what the engine
// asked of it and count objects that exist outside the state; and it can fail, crash or hang on request.
//
// Environment:
//
//	INFRA_TESTKIT_LOG    file to append "<op> <urn>" lines to when a call starts, and "<op>-done <urn>" when a
//	                     create, update or delete succeeds
//	INFRA_TESTKIT_WORLD  directory holding one file per live object (named by ID)
//	INFRA_TESTKIT_PIDS   file to append the provider's pid to at start
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/infrago/infra/sdk/provider"
)

// ThingArgs are the inputs of testkit:index:Thing.
type ThingArgs struct {
	Value      string `infra:"value,optional" doc:"An arbitrary value; changing it updates in place."`
	ReplaceKey string `infra:"replaceKey,optional,replace" doc:"Changing it replaces the object."`
	Fail       string `infra:"fail,optional" doc:"When set, create and update fail with this message."`
	CrashOn    string `infra:"crashOn,optional" doc:"create, update or delete: the provider process exits in that call."`
	HangOn     string `infra:"hangOn,optional" doc:"create, update or delete: the call never returns."`
	SleepMs    int    `infra:"sleepMs,optional" doc:"Milliseconds each create, update and delete takes."`
	WaitMs     int    `infra:"waitMs,optional" doc:"Milliseconds a create waits after making the object, as a cloud's waiter waits for it to run; cut off, the create returns no ID, like a provider that does not report partial creates."`
	Secret     string `infra:"secret,optional,secret" doc:"A secret input, echoed as a secret output."`
}

// ThingState are the outputs of testkit:index:Thing.
type ThingState struct {
	ThingArgs
	Generation int    `infra:"generation" doc:"How many times the object was written."`
	Echo       string `infra:"echo" doc:"The value, computed by the provider."`
}

type thing struct {
	log   func(op, urn string)
	world string
}

func (t *thing) behave(ctx context.Context, op string, a ThingArgs) error {
	if a.SleepMs > 0 {
		select {
		case <-time.After(time.Duration(a.SleepMs) * time.Millisecond):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if a.CrashOn == op {
		os.Exit(3)
	}
	if a.HangOn == op {
		select {} // a provider that ignores cancellation entirely
	}
	if a.Fail != "" && op != "delete" {
		return errors.New(a.Fail)
	}
	return nil
}

func (t *thing) Create(ctx context.Context, req provider.CreateRequest[ThingArgs]) (provider.CreateResponse[ThingState], error) {
	t.log("create", string(req.URN))
	if err := t.behave(ctx, "create", req.Inputs); err != nil {
		return provider.CreateResponse[ThingState]{}, err
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	id := "thing-" + hex.EncodeToString(b[:])
	if t.world != "" {
		if err := writeAtomic(filepath.Join(t.world, id), []byte(string(req.URN)+"\n"+req.IdempotencyToken+"\n"+req.Inputs.Value+"\n")); err != nil {
			return provider.CreateResponse[ThingState]{}, err
		}
	}
	if req.Inputs.WaitMs > 0 {
		select {
		case <-time.After(time.Duration(req.Inputs.WaitMs) * time.Millisecond):
		case <-ctx.Done():
			t.log("create-cut-off", string(req.URN))
			return provider.CreateResponse[ThingState]{}, ctx.Err()
		}
	}
	t.log("create-done", string(req.URN))
	return provider.CreateResponse[ThingState]{ID: id, Outputs: ThingState{ThingArgs: req.Inputs, Generation: 1, Echo: req.Inputs.Value}}, nil
}

func (t *thing) Update(ctx context.Context, req provider.UpdateRequest[ThingArgs, ThingState]) (provider.UpdateResponse[ThingState], error) {
	t.log("update", string(req.URN))
	if err := t.behave(ctx, "update", req.Inputs); err != nil {
		return provider.UpdateResponse[ThingState]{}, err
	}
	if t.world != "" {
		// The object's value lives in its file, where a test can change it behind infra's back (drift).
		path := filepath.Join(t.world, req.ID)
		if b, err := os.ReadFile(path); err == nil {
			lines := strings.SplitN(string(b), "\n", 3)
			if len(lines) >= 2 {
				_ = writeAtomic(path, []byte(lines[0]+"\n"+lines[1]+"\n"+req.Inputs.Value+"\n"))
			}
		}
	}
	t.log("update-done", string(req.URN))
	return provider.UpdateResponse[ThingState]{Outputs: ThingState{ThingArgs: req.Inputs, Generation: req.OldOutputs.Generation + 1, Echo: req.Inputs.Value}}, nil
}

func (t *thing) Delete(ctx context.Context, req provider.DeleteRequest[ThingArgs, ThingState]) error {
	t.log("delete", string(req.URN))
	if err := t.behave(ctx, "delete", req.Inputs); err != nil {
		return err
	}
	if t.world != "" {
		if err := os.Remove(filepath.Join(t.world, req.ID)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	t.log("delete-done", string(req.URN))
	return nil
}

func (t *thing) Read(ctx context.Context, req provider.ReadRequest[ThingArgs, ThingState]) (provider.ReadResponse[ThingArgs, ThingState], error) {
	t.log("read", string(req.URN))
	if t.world != "" {
		b, err := os.ReadFile(filepath.Join(t.world, req.ID))
		if err != nil {
			return provider.ReadResponse[ThingArgs, ThingState]{}, nil
		}
		if lines := strings.Split(string(b), "\n"); len(lines) >= 3 && !req.Import {
			in, out := req.Inputs, req.Outputs
			in.Value, out.Value, out.Echo = lines[2], lines[2], lines[2]
			return provider.ReadResponse[ThingArgs, ThingState]{ID: req.ID, Inputs: in, Outputs: out}, nil
		}
	}
	if req.Import {
		return provider.ReadResponse[ThingArgs, ThingState]{ID: req.ID, Inputs: ThingArgs{}, Outputs: ThingState{Generation: 1}}, nil
	}
	return provider.ReadResponse[ThingArgs, ThingState]{ID: req.ID, Inputs: req.Inputs, Outputs: req.Outputs}, nil
}

// Lookup finds an object by the idempotency token its create was given: a create cut off by a crash is found
// again instead of being made twice.
func (t *thing) Lookup(ctx context.Context, req provider.LookupRequest[ThingArgs]) (provider.ReadResponse[ThingArgs, ThingState], error) {
	t.log("lookup", string(req.URN))
	if t.world == "" {
		return provider.ReadResponse[ThingArgs, ThingState]{}, errors.New("no world directory to look in")
	}
	entries, err := os.ReadDir(t.world)
	if err != nil {
		return provider.ReadResponse[ThingArgs, ThingState]{}, err
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(t.world, e.Name()))
		if err != nil {
			continue
		}
		lines := strings.Split(string(b), "\n")
		if len(lines) >= 2 && lines[0] == string(req.URN) && lines[1] == req.IdempotencyToken {
			return provider.ReadResponse[ThingArgs, ThingState]{ID: e.Name(), Inputs: req.Inputs,
				Outputs: ThingState{ThingArgs: req.Inputs, Generation: 1, Echo: req.Inputs.Value}}, nil
		}
	}
	return provider.ReadResponse[ThingArgs, ThingState]{}, nil
}

func (t *thing) Check(ctx context.Context, req provider.CheckRequest[ThingArgs]) (ThingArgs, []provider.CheckFailure, error) {
	t.log("check", string(req.URN))
	for _, op := range []string{req.Inputs.CrashOn, req.Inputs.HangOn} {
		switch op {
		case "", "create", "update", "delete":
		default:
			return req.Inputs, []provider.CheckFailure{{Property: "crashOn", Reason: "must be create, update or delete"}}, nil
		}
	}
	return req.Inputs, nil, nil
}

// unfindable is testkit:index:Unfindable: a Thing whose provider cannot look objects up, as the command provider
// cannot, so a create cut off by a crash needs the user to say what happened (`infra state resolve`).
type unfindable struct{ t *thing }

func (u unfindable) Create(ctx context.Context, req provider.CreateRequest[ThingArgs]) (provider.CreateResponse[ThingState], error) {
	return u.t.Create(ctx, req)
}

func (u unfindable) Update(ctx context.Context, req provider.UpdateRequest[ThingArgs, ThingState]) (provider.UpdateResponse[ThingState], error) {
	return u.t.Update(ctx, req)
}

func (u unfindable) Delete(ctx context.Context, req provider.DeleteRequest[ThingArgs, ThingState]) error {
	return u.t.Delete(ctx, req)
}

func (u unfindable) Read(ctx context.Context, req provider.ReadRequest[ThingArgs, ThingState]) (provider.ReadResponse[ThingArgs, ThingState], error) {
	return u.t.Read(ctx, req)
}

func (u unfindable) Check(ctx context.Context, req provider.CheckRequest[ThingArgs]) (ThingArgs, []provider.CheckFailure, error) {
	return u.t.Check(ctx, req)
}

// writeAtomic makes an object appear whole or not at all, as a cloud API does: a provider killed in the middle of
// a create must not leave half an object (one without its URN and token tags) behind.
func writeAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// EchoArgs are the arguments of testkit:index:echo.
type EchoArgs struct {
	Text string `infra:"text"`
}

// EchoResult is the result of testkit:index:echo.
type EchoResult struct {
	Text string `infra:"text"`
}

func main() {
	var mu sync.Mutex
	logFile := os.Getenv("INFRA_TESTKIT_LOG")
	log := func(op, urn string) {
		if logFile == "" {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		f, err := os.OpenFile(logFile, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return
		}
		defer f.Close()
		fmt.Fprintf(f, "%s %s\n", op, urn)
	}
	if p := os.Getenv("INFRA_TESTKIT_PIDS"); p != "" {
		if f, err := os.OpenFile(p, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
			fmt.Fprintf(f, "%d\n", os.Getpid())
			f.Close()
		}
	}
	world := os.Getenv("INFRA_TESTKIT_WORLD")
	if world != "" {
		_ = os.MkdirAll(world, 0o755)
	}
	p := provider.Provider{
		Name:        "testkit",
		Version:     "0.0.1",
		Description: "A provider for the engine's own tests.",
		Resources: []provider.Resource{
			provider.NewResource[ThingArgs, ThingState]("testkit:index:Thing", "A thing that exists only in a directory.", &thing{log: log, world: world}),
			provider.NewResource[ThingArgs, ThingState]("testkit:index:Unfindable", "A thing whose provider cannot look it up after a crash.",
				unfindable{&thing{log: log, world: world}}),
		},
		Functions: []provider.Function{
			provider.NewFunction("testkit:index:echo", "Returns its argument.", func(ctx context.Context, a EchoArgs) (EchoResult, error) {
				log("invoke", "echo")
				return EchoResult{Text: strings.ToUpper(a.Text)}, nil
			}),
		},
	}
	if err := provider.Serve(p); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
