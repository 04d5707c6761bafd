package aws

import "github.com/infrago/infra/providers/aws/sim"

// simOptions are the simulator settings of the resource table: a short eventual-consistency window, so that
// every create is followed by calls that must wait for the new object.
func simOptions() sim.Options {
	return sim.Options{Faults: sim.Faults{ConsistencyWindow: sim.Duration(30_000_000)}}
}
