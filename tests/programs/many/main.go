// Command many declares a number of data:index:Data resources, for tests and measurements of large stacks. The
// stack's config says how many ("count"), in what shape ("shape": wide, chain or fan), and a generation
// ("gen") that changes every value, to measure updates.
package main

import (
	"fmt"

	"github.com/infrago/infra/sdk/data"
	"github.com/infrago/infra/sdk/infra"
)

func main() {
	infra.Run(func(ctx *infra.Context) error {
		cfg := infra.NewConfig(ctx, "")
		n, err := cfg.RequireInt("count")
		if err != nil {
			return err
		}
		shape := cfg.Get("shape")
		gen := cfg.Get("gen")
		var prev *data.Data
		var roots []*data.Data
		for i := 0; i < n; i++ {
			name := fmt.Sprintf("r%05d", i)
			var value infra.Output[any]
			switch {
			case shape == "chain" && prev != nil:
				// Each value is derived from the previous output but stays the same size along the chain.
				value = infra.Apply(prev.Value, func(v any) any { return fmt.Sprintf("%d-%d%s", len(fmt.Sprint(v)), i, gen) })
			case shape == "fan" && i >= 10:
				value = infra.Apply(roots[i%10].Value, func(v any) any { return fmt.Sprintf("%v/%d", v, i) })
			default:
				value = infra.Val[any](fmt.Sprintf("value-%d-%s", i, gen))
			}
			r, err := data.NewData(ctx, name, &data.DataArgs{Value: value})
			if err != nil {
				return err
			}
			if i < 10 {
				roots = append(roots, r)
			}
			prev = r
		}
		return nil
	})
}
