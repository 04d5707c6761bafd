package sim

import (
	"encoding/json"
	"io"
	"net/http"
	"time"
)

// adminPrefix is the path of the simulator's own control endpoints, which no AWS API uses.
const adminPrefix = "/_sim/"

// maxAdminBody bounds a control request body.
const maxAdminBody = 64 << 10

// Status is what GET /_sim/status reports.
type Status struct {
	Region    string  `json:"region"`
	AccountID string  `json:"accountId"`
	Objects   Objects `json:"objects"`
	Faults    Faults  `json:"faults"`
	Stats     Stats   `json:"stats"`
}

// Status reports the simulator's objects, faults and request counts.
func (s *Server) Status() Status {
	return Status{Region: s.opts.Region, AccountID: s.opts.AccountID, Objects: s.Objects(), Faults: s.Faults(), Stats: s.Stats()}
}

// decodeFaults reads a JSON fault setting; fields it does not name keep the values of base.
func decodeFaults(body []byte, base Faults) (Faults, error) {
	f := base
	if err := json.Unmarshal(body, &f); err != nil {
		return Faults{}, err
	}
	return f, f.Validate()
}

// serveAdmin implements the control endpoints:
//
//	GET  /_sim/status   the objects held, the faults injected and the requests served, as JSON
//	GET  /_sim/faults   the faults injected
//	PUT  /_sim/faults   change them: a JSON object with any of throttle, errors, latency, latencyJitter,
//	                    consistencyWindow (fields left out keep their value)
//	POST /_sim/reset    delete every object a program created
func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	reply := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(v)
	}
	fail := func(status int, msg string) { reply(status, map[string]string{"error": msg}) }
	switch r.URL.Path {
	case adminPrefix + "status":
		if r.Method != http.MethodGet {
			fail(http.StatusMethodNotAllowed, "use GET")
			return
		}
		reply(http.StatusOK, s.Status())
	case adminPrefix + "faults":
		switch r.Method {
		case http.MethodGet:
			reply(http.StatusOK, s.Faults())
		case http.MethodPut, http.MethodPost:
			body, err := io.ReadAll(io.LimitReader(r.Body, maxAdminBody))
			if err != nil {
				fail(http.StatusBadRequest, "cannot read the body")
				return
			}
			f, err := decodeFaults(body, s.Faults())
			if err == nil {
				err = s.SetFaults(f)
			}
			if err != nil {
				fail(http.StatusBadRequest, err.Error())
				return
			}
			s.logf("faults set: %s", f)
			reply(http.StatusOK, s.Faults())
		default:
			fail(http.StatusMethodNotAllowed, "use GET or PUT")
		}
	case adminPrefix + "reset":
		if r.Method != http.MethodPost {
			fail(http.StatusMethodNotAllowed, "use POST")
			return
		}
		s.Reset()
		reply(http.StatusOK, map[string]string{"reset": time.Now().UTC().Format(time.RFC3339)})
	default:
		fail(http.StatusNotFound, "unknown control endpoint; see GET /_sim/status, GET|PUT /_sim/faults, POST /_sim/reset")
	}
}
