// Command fleet declares "count" AWS instances, each with a security group of its own, for tests and measurements
// of refreshes of large stacks; the image is an Amazon Linux 2023 AMI.
package main

import (
	"fmt"

	"github.com/infrago/infra/sdk/aws/ec2"
	"github.com/infrago/infra/sdk/infra"
)

func main() {
	infra.Run(func(ctx *infra.Context) error {
		cfg := infra.NewConfig(ctx, "")
		n, err := cfg.RequireInt("count")
		if err != nil {
			return err
		}
		ami, err := ec2.GetAMI(ctx, &ec2.GetAMIArgs{Owners: []string{"amazon"},
			Filters: []ec2.Filter{{Name: "name", Values: []string{"al2023-ami-2023.*-x86_64"}}}})
		if err != nil {
			return err
		}
		for i := range n {
			name := fmt.Sprintf("f%05d", i)
			sg, err := ec2.NewSecurityGroup(ctx, name, &ec2.SecurityGroupArgs{Description: infra.String("fleet member " + name)})
			if err != nil {
				return err
			}
			if _, err := ec2.NewInstance(ctx, name, &ec2.InstanceArgs{
				AMI:              infra.String(ami.ImageID),
				InstanceType:     infra.String("t3.micro"),
				SecurityGroupIDs: infra.All(sg.ID()),
				Tags:             infra.Val(map[string]string{"Name": name}),
			}); err != nil {
				return err
			}
		}
		return nil
	})
}
