package aws

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/infrago/infra/sdk/resource"
	pb "github.com/infrago/infra/sdk/rpc/providerpb"
)

// resourceCase is one resource type's row in the table every resource passes: create, read (no drift), an
// in-place update, drift made behind the provider's back, import, lookup by idempotency token, a replacement,
// and delete (twice).
type resourceCase struct {
	typ string
	// inputs creates what the resource needs and returns its inputs.
	inputs func(e *env) map[string]any
	// update changes inputs in place (nil: the type cannot update).
	update func(in map[string]any)
	// checkUpdate checks that the update reached AWS.
	checkUpdate func(e *env, id string)
	// drift changes the object behind the provider's back; driftProp is the input a Read must then report
	// changed ("" when the drift deletes the object).
	drift     func(e *env, id string)
	driftProp string
	// replace changes inputs in a way that replaces the object.
	replace func(in map[string]any)
	// importKeys are inputs an import must recover.
	importKeys []string
	// lookupEmpty is set for types whose Lookup finds nothing by design (their create cannot duplicate).
	lookupEmpty bool
}

func resourceCases() []resourceCase {
	return []resourceCase{
		{
			typ: InstanceToken,
			inputs: func(e *env) map[string]any {
				ami, _ := e.amis()
				return map[string]any{"ami": ami, "instanceType": "t3.micro", "userData": "#cloud-config\nruncmd: [echo hi]\n",
					"tags": map[string]any{"Name": "web"}}
			},
			update: func(in map[string]any) {
				in["instanceType"] = "t3.small"
				in["tags"] = map[string]any{"Name": "web", "tier": "front"}
			},
			checkUpdate: func(e *env, id string) {
				out, err := e.ec2.DescribeInstances(e.ctx(), &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
				if err != nil {
					e.t.Fatal(err)
				}
				i := out.Reservations[0].Instances[0]
				if i.InstanceType != "t3.small" || i.State.Name != ec2types.InstanceStateNameRunning || len(fromEC2Tags(i.Tags)) != 4 {
					e.t.Errorf("after the update: type %s, state %s, tags %v", i.InstanceType, i.State.Name, fromEC2Tags(i.Tags))
				}
			},
			drift: func(e *env, id string) {
				if _, err := e.ec2.CreateTags(e.ctx(), &ec2.CreateTagsInput{Resources: []string{id}, Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String("hacked")}}}); err != nil {
					e.t.Fatal(err)
				}
			},
			driftProp:  "tags",
			replace:    func(in map[string]any) { in["userData"] = "#cloud-config\nruncmd: [echo bye]\n" },
			importKeys: []string{"ami", "instanceType", "subnetId", "securityGroupIds", "userData", "tags"},
		},
		{
			typ: SecurityGroupToken,
			inputs: func(e *env) map[string]any {
				return map[string]any{"description": "web servers", "ingress": []any{
					map[string]any{"protocol": "tcp", "fromPort": 80, "toPort": 80, "cidrBlocks": []any{"0.0.0.0/0"}, "description": "http"},
				}, "egress": []any{map[string]any{"protocol": "-1", "cidrBlocks": []any{"0.0.0.0/0"}}}, "tags": map[string]any{"team": "web"}}
			},
			update: func(in map[string]any) {
				in["ingress"] = []any{
					map[string]any{"protocol": "tcp", "fromPort": 80, "toPort": 80, "cidrBlocks": []any{"0.0.0.0/0"}, "description": "http"},
					map[string]any{"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": []any{"0.0.0.0/0"}, "ipv6CidrBlocks": []any{"::/0"}, "self": true},
				}
			},
			checkUpdate: func(e *env, id string) {
				out, err := e.ec2.DescribeSecurityGroups(e.ctx(), &ec2.DescribeSecurityGroupsInput{GroupIds: []string{id}})
				if err != nil {
					e.t.Fatal(err)
				}
				if n := len(liveAtoms(out.SecurityGroups[0].IpPermissions)); n != 4 {
					e.t.Errorf("after the update the group has %d ingress rules, want 4", n)
				}
			},
			drift: func(e *env, id string) {
				_, err := e.ec2.AuthorizeSecurityGroupIngress(e.ctx(), &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(id),
					IpPermissions: []ec2types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22),
						IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}})
				if err != nil {
					e.t.Fatal(err)
				}
			},
			driftProp:  "ingress",
			replace:    func(in map[string]any) { in["description"] = "web servers, v2" },
			importKeys: []string{"name", "description", "vpcId", "ingress", "egress"},
		},
		{
			typ: LoadBalancerToken,
			inputs: func(e *env) map[string]any {
				_, subnets := e.defaultNetwork()
				return map[string]any{"subnets": []any{subnets[0], subnets[1]}, "tags": map[string]any{"app": "web"}}
			},
			update: func(in map[string]any) { in["tags"] = map[string]any{"app": "web", "env": "test"} },
			checkUpdate: func(e *env, id string) {
				tags, err := e.elb.DescribeTags(e.ctx(), &elbv2.DescribeTagsInput{ResourceArns: []string{id}})
				if err != nil || len(tags.TagDescriptions[0].Tags) != 4 {
					e.t.Errorf("after the update: %+v, %v", tags, err)
				}
			},
			drift: func(e *env, id string) {
				_, subnets := e.defaultNetwork()
				if _, err := e.elb.SetSubnets(e.ctx(), &elbv2.SetSubnetsInput{LoadBalancerArn: aws.String(id), Subnets: subnets}); err != nil {
					e.t.Fatal(err)
				}
			},
			driftProp:  "subnets",
			replace:    func(in map[string]any) { in["internal"] = true },
			importKeys: []string{"name", "loadBalancerType", "subnets", "securityGroups", "internal"},
		},
		{
			typ: TargetGroupToken,
			inputs: func(e *env) map[string]any {
				return map[string]any{"port": 80, "healthCheck": map[string]any{"path": "/healthz"}}
			},
			update: func(in map[string]any) { in["healthCheck"] = map[string]any{"path": "/ready", "interval": 10} },
			checkUpdate: func(e *env, id string) {
				out, err := e.elb.DescribeTargetGroups(e.ctx(), &elbv2.DescribeTargetGroupsInput{TargetGroupArns: []string{id}})
				if err != nil || aws.ToString(out.TargetGroups[0].HealthCheckPath) != "/ready" || aws.ToInt32(out.TargetGroups[0].HealthCheckIntervalSeconds) != 10 {
					e.t.Errorf("after the update: %+v, %v", out, err)
				}
			},
			drift: func(e *env, id string) {
				if _, err := e.elb.ModifyTargetGroup(e.ctx(), &elbv2.ModifyTargetGroupInput{TargetGroupArn: aws.String(id), HealthCheckPath: aws.String("/hacked")}); err != nil {
					e.t.Fatal(err)
				}
			},
			driftProp:  "healthCheck",
			replace:    func(in map[string]any) { in["port"] = 8080 },
			importKeys: []string{"name", "port", "protocol", "vpcId", "targetType", "healthCheck"},
		},
		{
			typ: ListenerToken,
			inputs: func(e *env) map[string]any {
				_, subnets := e.defaultNetwork()
				lb := e.make(LoadBalancerToken, "lb", map[string]any{"subnets": []any{subnets[0], subnets[1]}})
				tg := e.make(TargetGroupToken, "tg", map[string]any{"port": 80})
				lb2 := e.make(LoadBalancerToken, "lb2", map[string]any{"subnets": []any{subnets[0], subnets[1]}})
				return map[string]any{"loadBalancerArn": lb.id, "port": 80, "defaultActions": []any{
					map[string]any{"type": "forward", "targetGroupArn": tg.id}}, "_other": lb2.id}
			},
			update: func(in map[string]any) { in["port"] = 8080 },
			checkUpdate: func(e *env, id string) {
				out, err := e.elb.DescribeListeners(e.ctx(), &elbv2.DescribeListenersInput{ListenerArns: []string{id}})
				if err != nil || aws.ToInt32(out.Listeners[0].Port) != 8080 {
					e.t.Errorf("after the update: %+v, %v", out, err)
				}
			},
			drift: func(e *env, id string) {
				_, err := e.elb.ModifyListener(e.ctx(), &elbv2.ModifyListenerInput{ListenerArn: aws.String(id), DefaultActions: []elbtypes.Action{{
					Type: elbtypes.ActionTypeEnumFixedResponse, FixedResponseConfig: &elbtypes.FixedResponseActionConfig{StatusCode: aws.String("503")}}}})
				if err != nil {
					e.t.Fatal(err)
				}
			},
			driftProp: "defaultActions",
			replace: func(in map[string]any) {
				in["loadBalancerArn"] = in["_other"]
				in["defaultActions"] = []any{map[string]any{"type": "fixed-response", "fixedResponse": map[string]any{"statusCode": "404"}}}
			},
			importKeys: []string{"loadBalancerArn", "port", "protocol", "defaultActions"},
		},
		{
			typ: TargetGroupAttachmentToken,
			inputs: func(e *env) map[string]any {
				ami, _ := e.amis()
				_, subnets := e.defaultNetwork()
				lb := e.make(LoadBalancerToken, "lb", map[string]any{"subnets": []any{subnets[0], subnets[1]}})
				tg := e.make(TargetGroupToken, "tg", map[string]any{"port": 80})
				// A listener puts the group in use, so that its targets can become healthy (waitHealthy).
				e.make(ListenerToken, "http", map[string]any{"loadBalancerArn": lb.id, "port": 80, "defaultActions": []any{
					map[string]any{"type": "forward", "targetGroupArn": tg.id}}})
				i := e.make(InstanceToken, "i", map[string]any{"ami": ami})
				return map[string]any{"targetGroupArn": tg.id, "targetId": i.id}
			},
			drift: func(e *env, id string) {
				in, err := parseAttachmentID(id)
				if err != nil {
					e.t.Fatal(err)
				}
				if _, err := e.elb.DeregisterTargets(e.ctx(), &elbv2.DeregisterTargetsInput{TargetGroupArn: aws.String(in.TargetGroupARN),
					Targets: []elbtypes.TargetDescription{{Id: aws.String(in.TargetID)}}}); err != nil {
					e.t.Fatal(err)
				}
			},
			update: func(in map[string]any) { in["waitHealthy"] = true },
			checkUpdate: func(e *env, id string) {
				in, _ := parseAttachmentID(id)
				out, err := e.elb.DescribeTargetHealth(e.ctx(), &elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(in.TargetGroupARN),
					Targets: []elbtypes.TargetDescription{{Id: aws.String(in.TargetID)}}})
				if err != nil || out.TargetHealthDescriptions[0].TargetHealth.Reason == elbtypes.TargetHealthReasonEnumNotRegistered {
					e.t.Errorf("the update of waitHealthy deregistered the target: %+v, %v", out, err)
				}
			},
			replace:     func(in map[string]any) { in["port"] = 8080 },
			importKeys:  []string{"targetGroupArn", "targetId"},
			lookupEmpty: true,
		},
		{
			typ: ZoneToken,
			inputs: func(e *env) map[string]any {
				return map[string]any{"name": "infra-test.example.com", "tags": map[string]any{"env": "test"}}
			},
			update: func(in map[string]any) { in["comment"] = "the test zone" },
			checkUpdate: func(e *env, id string) {
				out, err := e.r53.GetHostedZone(e.ctx(), &route53.GetHostedZoneInput{Id: aws.String(id)})
				if err != nil || aws.ToString(out.HostedZone.Config.Comment) != "the test zone" {
					e.t.Errorf("after the update: %+v, %v", out, err)
				}
			},
			drift: func(e *env, id string) {
				if _, err := e.r53.UpdateHostedZoneComment(e.ctx(), &route53.UpdateHostedZoneCommentInput{Id: aws.String(id), Comment: aws.String("hacked")}); err != nil {
					e.t.Fatal(err)
				}
			},
			driftProp:  "comment",
			replace:    func(in map[string]any) { in["name"] = "infra-test-2.example.com" },
			importKeys: []string{"name", "comment", "tags"},
		},
		{
			typ: RecordToken,
			inputs: func(e *env) map[string]any {
				z := e.make(ZoneToken, "zone", map[string]any{"name": "records.example.com", "forceDestroy": true})
				return map[string]any{"zoneId": z.id, "name": "www.records.example.com", "type": "A", "ttl": 300, "records": []any{"10.0.0.1"}}
			},
			update: func(in map[string]any) { in["ttl"], in["records"] = 60, []any{"10.0.0.1", "10.0.0.2"} },
			checkUpdate: func(e *env, id string) {
				zone, name, typ, _ := parseRecordID(id)
				out, err := e.r53.ListResourceRecordSets(e.ctx(), &route53.ListResourceRecordSetsInput{HostedZoneId: aws.String(zone),
					StartRecordName: aws.String(name), StartRecordType: r53types.RRType(typ), MaxItems: aws.Int32(1)})
				if err != nil || aws.ToInt64(out.ResourceRecordSets[0].TTL) != 60 || len(out.ResourceRecordSets[0].ResourceRecords) != 2 {
					e.t.Errorf("after the update: %+v, %v", out, err)
				}
			},
			drift: func(e *env, id string) {
				zone, name, _, _ := parseRecordID(id)
				_, err := e.r53.ChangeResourceRecordSets(e.ctx(), &route53.ChangeResourceRecordSetsInput{HostedZoneId: aws.String(zone),
					ChangeBatch: &r53types.ChangeBatch{Changes: []r53types.Change{{Action: r53types.ChangeActionUpsert, ResourceRecordSet: &r53types.ResourceRecordSet{
						Name: aws.String(name), Type: r53types.RRTypeA, TTL: aws.Int64(60), ResourceRecords: []r53types.ResourceRecord{{Value: aws.String("192.0.2.66")}}}}}}})
				if err != nil {
					e.t.Fatal(err)
				}
			},
			driftProp:   "records",
			replace:     func(in map[string]any) { in["name"] = "api.records.example.com" },
			importKeys:  []string{"zoneId", "name", "type", "ttl", "records"},
			lookupEmpty: true,
		},
	}
}

// TestResources runs every resource type through the table against the simulator.
func TestResources(t *testing.T) {
	t.Parallel()
	for _, c := range resourceCases() {
		t.Run(c.typ, func(t *testing.T) {
			t.Parallel()
			e := newSimEnv(t, simOptions())
			// Registered first, so it runs after every other cleanup: nothing the case made may be left.
			t.Cleanup(func() { assertNoObjects(t, e) })
			runResourceCase(t, e, c)
		})
	}
}

// TestAcceptance runs the same table against real AWS, only with INFRA_ACC=1 and credentials.
func TestAcceptance(t *testing.T) {
	if ok, why := accEnabled(); !ok {
		t.Skip(why)
	}
	for _, c := range resourceCases() {
		t.Run(c.typ, func(t *testing.T) { runResourceCase(t, newAccEnv(t), c) })
	}
}

func runResourceCase(t *testing.T, e *env, c resourceCase) {
	raw := c.inputs(e)
	other := raw["_other"]
	delete(raw, "_other")
	urn := urnOf(c.typ, "res")
	token := newToken(t)

	// create
	in := e.check(c.typ, urn, nil, props(t, raw))
	id, out := e.create(c.typ, urn, in, token)
	if id == "" {
		t.Fatal("create returned no ID")
	}
	alive := map[string][2]resource.PropertyMap{id: {in, out}}
	t.Cleanup(func() {
		for id, io := range alive {
			_ = e.delete(c.typ, urn, id, io[0], io[1])
		}
	})

	// read: what was created reads back as it was declared, outputs included (a refresh shows no drift)
	rid, rin, rout := e.read(c.typ, urn, id, in, out)
	if rid != id {
		t.Fatalf("read after create: ID %q, want %q", rid, id)
	}
	for k, v := range out {
		if !rout[k].EqualIgnoringSecrets(v) {
			t.Errorf("output %s reads back as %v, but the create returned %v", k, rout[k], v)
		}
	}
	for k := range rout {
		if _, ok := out[k]; !ok {
			t.Errorf("output %s appears on read (%v) but the create did not return it", k, rout[k])
		}
	}
	if d := e.diff(c.typ, urn, id, rin, out, in); d.GetChanges() != pb.DiffResponse_NONE {
		t.Fatalf("read after create shows drift in %v:\nstate  %v\nread   %v", d.GetDiffs(), in, rin)
	}
	if d := e.diff(c.typ, urn, id, in, out, in); d.GetChanges() != pb.DiffResponse_NONE {
		t.Fatalf("the same inputs diff as %v", d.GetDiffs())
	}

	// in-place update
	if c.update != nil {
		next := copyMap(raw)
		c.update(next)
		nin := e.check(c.typ, urn, in, props(t, next))
		d := e.diff(c.typ, urn, id, in, out, nin)
		if d.GetChanges() != pb.DiffResponse_SOME || len(d.GetReplaces()) > 0 {
			t.Fatalf("update diff = %v (replaces %v); want an in-place change", d.GetDiffs(), d.GetReplaces())
		}
		out = e.update(c.typ, urn, id, in, out, nin)
		in, raw = nin, next
		alive[id] = [2]resource.PropertyMap{in, out}
		c.checkUpdate(e, id)
		if _, rin, _ := e.read(c.typ, urn, id, in, out); e.diff(c.typ, urn, id, rin, out, in).GetChanges() != pb.DiffResponse_NONE {
			t.Fatalf("read after the update shows drift:\nstate %v\nread  %v", in, rin)
		}
	}

	// import: recovered from the ID alone
	iid, iin, iout := e.read(c.typ, urn, id, nil, nil)
	if iid != id {
		t.Fatalf("import: ID %q, want %q", iid, id)
	}
	for _, k := range c.importKeys {
		if _, ok := iin[k]; !ok {
			t.Errorf("import did not recover input %s: %v", k, iin)
		}
	}
	if len(iout) == 0 {
		t.Error("import returned no outputs")
	}
	if d := e.diff(c.typ, urn, id, iin, iout, in); len(d.GetReplaces()) > 0 {
		t.Errorf("the program's inputs would replace the imported object: %v", d.GetReplaces())
	}

	// lookup by idempotency token (what recovers a create cut off by a crash)
	lid, lin, _ := e.lookup(c.typ, urn, token)
	switch {
	case c.lookupEmpty && lid != "":
		t.Errorf("lookup found %q; want nothing (creates of %s cannot duplicate)", lid, c.typ)
	case !c.lookupEmpty && lid != id:
		t.Errorf("lookup by token found %q, want %q", lid, id)
	case !c.lookupEmpty && e.diff(c.typ, urn, id, lin, out, in).GetReplaces() != nil:
		t.Errorf("the adopted object would be replaced: %v", lin)
	}
	if lid, _, _ := e.lookup(c.typ, urn, newToken(t)); lid != "" {
		t.Errorf("lookup with an unused token found %q", lid)
	}

	// drift behind the provider's back
	c.drift(e, id)
	did, din, _ := e.read(c.typ, urn, id, in, out)
	if c.driftProp == "" {
		if did != "" {
			t.Errorf("after the object was removed behind the provider's back, read found %q", did)
		}
		// Create it again, as the next up would.
		id, out = e.create(c.typ, urn, in, newToken(t))
		alive[id] = [2]resource.PropertyMap{in, out}
	} else {
		if did != id {
			t.Fatalf("read after drift: ID %q", did)
		}
		if din[c.driftProp].EqualIgnoringSecrets(in[c.driftProp]) {
			t.Errorf("read did not show the drift of %s: %v", c.driftProp, din[c.driftProp])
		}
		d := e.diff(c.typ, urn, id, din, out, in)
		if !contains(d.GetDiffs(), c.driftProp) {
			t.Errorf("the diff against the drifted object = %v; want %s", d.GetDiffs(), c.driftProp)
		}
		// The next update puts it back.
		if c.update != nil {
			out = e.update(c.typ, urn, id, din, out, in)
			alive[id] = [2]resource.PropertyMap{in, out}
			if _, rin, _ := e.read(c.typ, urn, id, in, out); e.diff(c.typ, urn, id, rin, out, in).GetChanges() != pb.DiffResponse_NONE {
				t.Errorf("the update did not undo the drift: %v", rin)
			}
		}
	}

	// replace: create the new object, then delete the old one
	next := copyMap(raw)
	if other != nil {
		next["_other"] = other
	}
	c.replace(next)
	delete(next, "_other")
	rin2 := e.check(c.typ, urn, in, props(t, next))
	d := e.diff(c.typ, urn, id, in, out, rin2)
	if len(d.GetReplaces()) == 0 {
		t.Fatalf("replace diff = %v with no replaces", d.GetDiffs())
	}
	id2, out2 := e.create(c.typ, urn, rin2, newToken(t))
	alive[id2] = [2]resource.PropertyMap{rin2, out2}
	if id2 == id {
		t.Fatalf("the replacement has the old ID %s", id)
	}
	if err := e.delete(c.typ, urn, id, in, out); err != nil {
		t.Fatalf("delete the replaced object: %v", err)
	}
	delete(alive, id)

	// delete, twice: an object that is gone is deleted already
	if err := e.delete(c.typ, urn, id2, rin2, out2); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if gid, _, _ := e.read(c.typ, urn, id2, rin2, out2); gid != "" {
		t.Errorf("read after delete found %q", gid)
	}
	if err := e.delete(c.typ, urn, id2, rin2, out2); err != nil {
		t.Errorf("deleting a deleted object: %v", err)
	}
	delete(alive, id2)
}

func copyMap(m map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

// assertNoObjects fails the test if the simulator still holds objects.
func assertNoObjects(t *testing.T, e *env) {
	t.Helper()
	if e.sim == nil {
		return
	}
	if o := e.sim.Objects(); o.Total() != 0 {
		t.Errorf("the simulator still holds %+v", o)
	}
}
