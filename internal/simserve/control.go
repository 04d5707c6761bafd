package simserve

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// ControlPrefix is the path of a simulator's own control endpoints, which no cloud API uses.
const ControlPrefix = "/_sim/"

// maxControlBody bounds a control request body.
const maxControlBody = 64 << 10

// Duration is a time.Duration that reads and writes JSON as a string such as "250ms" (or a number of
// nanoseconds), as the fault settings of the control endpoints are written by people with curl.
type Duration time.Duration

// MarshalJSON writes the duration as a string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads "250ms", "2s" or a number of nanoseconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("duration %q: %w", s, err)
		}
		*d = Duration(v)
		return nil
	}
	var n int64
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("a duration must be a string such as \"250ms\" or a number of nanoseconds")
	}
	*d = Duration(n)
	return nil
}

// Control is what a simulator's control endpoints act on.
type Control struct {
	// Status is what GET /_sim/status reports: the objects held, the faults, the request counts.
	Status func() any
	// Faults is the fault setting in force, for GET /_sim/faults.
	Faults func() any
	// SetFaults reads a JSON fault setting over the one in force, applies it and returns the new one; its error
	// is the client's (400).
	SetFaults func(body []byte) (any, error)
	// Reset forgets every object a program created.
	Reset func()
	// Log, if set, is told of every fault change.
	Log func(line string)
}

// ServeControl implements the control endpoints every simulator has:
//
//	GET  /_sim/status   what the simulator holds and has served, as JSON
//	GET  /_sim/faults   the faults injected
//	PUT  /_sim/faults   change them with a JSON object (fields left out keep their value)
//	POST /_sim/reset    forget every object a program created
func ServeControl(w http.ResponseWriter, r *http.Request, c Control) {
	reply := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(v)
	}
	bad := func(status int, msg string) { reply(status, map[string]string{"error": msg}) }
	switch r.URL.Path {
	case ControlPrefix + "status":
		if r.Method != http.MethodGet {
			bad(http.StatusMethodNotAllowed, "use GET")
			return
		}
		reply(http.StatusOK, c.Status())
	case ControlPrefix + "faults":
		switch r.Method {
		case http.MethodGet:
			reply(http.StatusOK, c.Faults())
		case http.MethodPut, http.MethodPost:
			body, err := io.ReadAll(io.LimitReader(r.Body, maxControlBody))
			if err != nil {
				bad(http.StatusBadRequest, "cannot read the body")
				return
			}
			f, err := c.SetFaults(body)
			if err != nil {
				bad(http.StatusBadRequest, err.Error())
				return
			}
			if c.Log != nil {
				c.Log(fmt.Sprintf("faults set: %v", f))
			}
			reply(http.StatusOK, f)
		default:
			bad(http.StatusMethodNotAllowed, "use GET or PUT")
		}
	case ControlPrefix + "reset":
		if r.Method != http.MethodPost {
			bad(http.StatusMethodNotAllowed, "use POST")
			return
		}
		c.Reset()
		reply(http.StatusOK, map[string]string{"reset": time.Now().UTC().Format(time.RFC3339)})
	default:
		bad(http.StatusNotFound, "unknown control endpoint; see GET /_sim/status, GET|PUT /_sim/faults, POST /_sim/reset")
	}
}
