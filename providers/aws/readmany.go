package aws

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/infrago/infra/sdk/provider"
)

// filterValues is how many values EC2 takes in one filter.
const filterValues = 200

// chunks splits ids into runs of at most n.
func chunks(ids []string, n int) [][]string {
	var out [][]string
	for len(ids) > 0 {
		k := min(n, len(ids))
		out = append(out, ids[:k:k])
		ids = ids[k:]
	}
	return out
}

// ReadMany reads many instances with a few DescribeInstances calls: the IDs go in an instance-id filter (which,
// unlike InstanceIds, does not fail the whole call when one instance is gone), 200 at a time, 1,000 answers a page.
// The user data, which takes a call per instance, is read only for instances started since the state recorded
// them (it can change only while an instance is stopped), and for imports.
func (r *instanceResource) ReadMany(ctx context.Context, reqs []provider.ReadRequest[InstanceArgs, InstanceState]) ([]provider.ReadResponse[InstanceArgs, InstanceState], []error) {
	resps := make([]provider.ReadResponse[InstanceArgs, InstanceState], len(reqs))
	errs := make([]error, len(reqs))
	c, err := r.p.clients()
	if err != nil {
		for i := range errs {
			errs[i] = err
		}
		return resps, errs
	}
	type live struct {
		i     ec2types.Instance
		owner string
	}
	found := map[string]live{}
	ids := make([]string, len(reqs))
	for i, req := range reqs {
		ids[i] = req.ID
	}
	for _, chunk := range chunks(ids, filterValues) {
		pages := ec2.NewDescribeInstancesPaginator(c.ec2, &ec2.DescribeInstancesInput{MaxResults: aws.Int32(1000),
			Filters: []ec2types.Filter{{Name: aws.String("instance-id"), Values: chunk}}})
		for pages.HasMorePages() {
			out, err := pages.NextPage(ctx)
			if err != nil {
				err = fmt.Errorf("describe %d instances: %w", len(chunk), err)
				for i := range errs {
					errs[i] = err
				}
				return resps, errs
			}
			for _, res := range out.Reservations {
				for _, inst := range res.Instances {
					if inst.State != nil && (inst.State.Name == ec2types.InstanceStateNameTerminated || inst.State.Name == ec2types.InstanceStateNameShuttingDown) {
						continue
					}
					found[aws.ToString(inst.InstanceId)] = live{inst, aws.ToString(res.OwnerId)}
				}
			}
		}
	}
	for i, req := range reqs {
		l, ok := found[req.ID]
		if !ok {
			continue // gone
		}
		var old *InstanceArgs
		if !req.Import {
			old = &req.Inputs
		}
		started := ""
		if l.i.LaunchTime != nil {
			started = c.instanceState(InstanceArgs{}, l.i, l.owner).LaunchTime
		}
		readUserData := old == nil || req.Outputs.LaunchTime == "" || req.Outputs.LaunchTime != started
		resps[i], errs[i] = r.fromLive(ctx, c, req.ID, l.i, l.owner, old, readUserData)
	}
	return resps, errs
}

// ReadMany reads many security groups with a few DescribeSecurityGroups calls, by a group-id filter of 200 IDs
// at a time.
func (r *securityGroupResource) ReadMany(ctx context.Context, reqs []provider.ReadRequest[SecurityGroupArgs, SecurityGroupState]) ([]provider.ReadResponse[SecurityGroupArgs, SecurityGroupState], []error) {
	resps := make([]provider.ReadResponse[SecurityGroupArgs, SecurityGroupState], len(reqs))
	errs := make([]error, len(reqs))
	c, err := r.p.clients()
	if err != nil {
		for i := range errs {
			errs[i] = err
		}
		return resps, errs
	}
	found := map[string]ec2types.SecurityGroup{}
	ids := make([]string, len(reqs))
	for i, req := range reqs {
		ids[i] = req.ID
	}
	for _, chunk := range chunks(ids, filterValues) {
		pages := ec2.NewDescribeSecurityGroupsPaginator(c.ec2, &ec2.DescribeSecurityGroupsInput{MaxResults: aws.Int32(1000),
			Filters: []ec2types.Filter{{Name: aws.String("group-id"), Values: chunk}}})
		for pages.HasMorePages() {
			out, err := pages.NextPage(ctx)
			if err != nil {
				err = fmt.Errorf("describe %d security groups: %w", len(chunk), err)
				for i := range errs {
					errs[i] = err
				}
				return resps, errs
			}
			for _, g := range out.SecurityGroups {
				found[aws.ToString(g.GroupId)] = g
			}
		}
	}
	for i, req := range reqs {
		g, ok := found[req.ID]
		if !ok {
			continue // gone
		}
		var old *SecurityGroupArgs
		if !req.Import {
			old = &req.Inputs
		}
		resps[i] = r.fromLive(c, req.ID, g, old)
	}
	return resps, errs
}
