package aws

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/infrago/infra/providers/aws/sim"
	"github.com/infrago/infra/sdk/rpc/propertypb"
	pb "github.com/infrago/infra/sdk/rpc/providerpb"
)

// TestReadMany reads instances and security groups, one of each terminated or deleted behind the provider's back,
// with ReadMany and with Read: the answers must be the same, and ReadMany must cost a few calls for all of them.
func TestReadMany(t *testing.T) {
	t.Parallel()
	e := newSimEnv(t, sim.Options{})
	ami, _ := e.amis()
	var insts, groups []*object
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		g := e.make(SecurityGroupToken, "group-"+n, map[string]any{"description": "group " + n})
		groups = append(groups, g)
		insts = append(insts, e.make(InstanceToken, "i-"+n, map[string]any{"ami": ami, "userData": "#!/bin/sh\necho " + n + "\n",
			"securityGroupIds": []any{g.id}, "tags": map[string]any{"Name": n}}))
	}
	if _, err := e.ec2.TerminateInstances(e.ctx(), &ec2.TerminateInstancesInput{InstanceIds: []string{insts[1].id}}); err != nil {
		t.Fatal(err)
	}
	unused := e.make(SecurityGroupToken, "group-unused", map[string]any{"description": "deleted behind the provider's back"})
	groups = append(groups, unused)
	if _, err := e.ec2.DeleteSecurityGroup(e.ctx(), &ec2.DeleteSecurityGroupInput{GroupId: aws.String(unused.id)}); err != nil {
		t.Fatal(err)
	}
	// A drift ReadMany must see: a tag changed by hand.
	if _, err := e.ec2.CreateTags(e.ctx(), &ec2.CreateTagsInput{Resources: []string{insts[2].id},
		Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String("changed")}}}); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		typ     string
		objects []*object
	}{{InstanceToken, insts}, {SecurityGroupToken, groups}} {
		req := &pb.ReadManyRequest{Type: c.typ}
		for _, o := range c.objects {
			req.Reads = append(req.Reads, &pb.ReadRequest{Urn: string(o.urn), Type: c.typ, Id: o.id, Inputs: propertypb.FromMap(o.in), Properties: propertypb.FromMap(o.out)})
		}
		before := e.sim.Stats().Requests
		resp, err := e.srv.ReadMany(e.ctx(), req)
		if err != nil {
			t.Fatalf("ReadMany %s: %v", c.typ, err)
		}
		calls := e.sim.Stats().Requests - before
		// Pages of two (the test simulator's page size) for five objects: three describes, and for instances no
		// user data reads (none was started since it was created).
		if calls > 3 {
			t.Errorf("ReadMany of %d %s took %d calls, want at most 3 (pages of two)", len(c.objects), c.typ, calls)
		}
		if len(resp.GetResults()) != len(c.objects) {
			t.Fatalf("ReadMany answered %d of %d", len(resp.GetResults()), len(c.objects))
		}
		for i, o := range c.objects {
			res := resp.GetResults()[i]
			if res.GetError() != "" {
				t.Errorf("ReadMany %s: %s", o.id, res.GetError())
				continue
			}
			id, in, out := e.read(c.typ, o.urn, o.id, o.in, o.out)
			if res.GetResponse().GetId() != id {
				t.Errorf("%s %s: ReadMany ID %q, Read ID %q", c.typ, o.urn.Name(), res.GetResponse().GetId(), id)
				continue
			}
			if id == "" {
				continue
			}
			if got := e.toMap(res.GetResponse().GetInputs()); !got.Equal(in) {
				t.Errorf("%s %s: ReadMany inputs %v, Read inputs %v", c.typ, o.urn.Name(), got, in)
			}
			if got := e.toMap(res.GetResponse().GetProperties()); !got.Equal(out) {
				t.Errorf("%s %s: ReadMany outputs %v, Read outputs %v", c.typ, o.urn.Name(), got, out)
			}
		}
	}
	if r := e.toMap(mustReadOne(t, e, insts[1])); len(r) != 0 {
		t.Errorf("the terminated instance reads as %v", r)
	}
	if r := e.toMap(mustReadOne(t, e, unused)); len(r) != 0 {
		t.Errorf("the deleted group reads as %v", r)
	}
}

func mustReadOne(t *testing.T, e *env, o *object) *propertypb.Map {
	t.Helper()
	resp, err := e.srv.ReadMany(e.ctx(), &pb.ReadManyRequest{Type: o.typ, Reads: []*pb.ReadRequest{{Urn: string(o.urn), Type: o.typ, Id: o.id,
		Inputs: propertypb.FromMap(o.in), Properties: propertypb.FromMap(o.out)}}})
	if err != nil || resp.GetResults()[0].GetError() != "" {
		t.Fatalf("ReadMany: %v %v", err, resp)
	}
	return resp.GetResults()[0].GetResponse().GetProperties()
}
