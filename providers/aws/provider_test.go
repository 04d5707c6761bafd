package aws

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/infrago/infra/providers/aws/sim"
	"github.com/infrago/infra/sdk/provider"
	"github.com/infrago/infra/sdk/resource"
	"github.com/infrago/infra/sdk/rpc/propertypb"
	pb "github.com/infrago/infra/sdk/rpc/providerpb"
)

func TestSchema(t *testing.T) {
	t.Parallel()
	s, err := Provider().BuildSchema()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		InstanceToken:              {"ami", "subnetId", "userData", "keyName", "associatePublicIpAddress"},
		SecurityGroupToken:         {"name", "description", "vpcId"},
		LoadBalancerToken:          {"name", "loadBalancerType", "internal"},
		TargetGroupToken:           {"name", "port", "protocol", "vpcId", "targetType"},
		ListenerToken:              {"loadBalancerArn"},
		TargetGroupAttachmentToken: {"targetGroupArn", "targetId", "port"},
		ZoneToken:                  {"name", "vpcId"},
		RecordToken:                {"zoneId", "name", "type"},
	}
	for tok, replaces := range want {
		rs, ok := s.Resources[tok]
		if !ok {
			t.Errorf("no resource %s", tok)
			continue
		}
		if rs.Description == "" {
			t.Errorf("%s has no description", tok)
		}
		var got []string
		for name, p := range rs.Inputs {
			if p.Description == "" {
				t.Errorf("%s input %s has no doc", tok, name)
			}
			if p.ReplaceOnChanges {
				got = append(got, name)
			}
		}
		if !sameSet(got, replaces) {
			t.Errorf("%s replaces on %v, want %v", tok, got, replaces)
		}
		for name, p := range rs.Outputs {
			if p.Description == "" {
				t.Errorf("%s output %s has no doc", tok, name)
			}
		}
	}
	for _, k := range []string{"secretKey", "token"} {
		if !s.Config[k].Secret {
			t.Errorf("config %s is not secret", k)
		}
	}
	for _, f := range []string{GetAMIToken, GetDefaultVpcToken, GetSubnetsToken} {
		if _, ok := s.Functions[f]; !ok {
			t.Errorf("no function %s", f)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		cfg  map[string]any
		want string
	}{
		{map[string]any{"region": "us-east-1", "accessKey": "A"}, "aws:secretKey is not"},
		{map[string]any{"region": "us-east-1", "secretKey": "S"}, "aws:accessKey is not"},
		{map[string]any{"region": "us-east-1", "pollInterval": "soon"}, "aws:pollInterval is \"soon\""},
		{map[string]any{"region": "us-east-1", "retryMode": "eager"}, "aws:retryMode is \"eager\""},
		{map[string]any{"region": "us-east-1", "maxRetries": -1}, "aws:maxRetries is -1"},
		{map[string]any{"region": "us-east-1", "endpoints": map[string]any{"s3": "http://x"}}, `entry for "s3"`},
		{map[string]any{"region": "us-east-1", "assumeRole": map[string]any{"roleArn": ""}, "accessKey": "A", "secretKey": "S"}, "needs a roleArn"},
	}
	for _, c := range cases {
		srv, err := provider.NewServer(Provider())
		if err != nil {
			t.Fatal(err)
		}
		checked, err := srv.CheckConfig(context.Background(), &pb.CheckRequest{News: propertypb.FromMap(props(t, c.cfg))})
		if err != nil || len(checked.GetFailures()) > 0 {
			t.Fatalf("CheckConfig %v: %v %v", c.cfg, err, checked.GetFailures())
		}
		_, err = srv.Configure(context.Background(), &pb.ConfigureRequest{Config: checked.GetInputs()})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Configure %v = %v; want an error with %q", c.cfg, err, c.want)
		}
	}
}

func TestConfigDefaults(t *testing.T) {
	t.Parallel()
	srv, err := provider.NewServer(Provider())
	if err != nil {
		t.Fatal(err)
	}
	checked, err := srv.CheckConfig(context.Background(), &pb.CheckRequest{News: propertypb.FromMap(props(t, map[string]any{"secretKey": "s"}))})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := propertypb.ToMap(checked.GetInputs())
	if m["maxRetries"].NumberValue() != 10 || pstr(m, "retryMode") != "standard" || pstr(m, "retryMaxBackoff") != "20s" {
		t.Errorf("defaults = %v", m)
	}
	if !m["secretKey"].IsSecret() {
		t.Error("secretKey is not marked secret")
	}
}

func TestNotConfigured(t *testing.T) {
	t.Parallel()
	srv, err := provider.NewServer(Provider())
	if err != nil {
		t.Fatal(err)
	}
	_, err = srv.Invoke(context.Background(), &pb.InvokeRequest{Token: GetDefaultVpcToken})
	if err == nil || !strings.Contains(err.Error(), "not configured") {
		t.Errorf("Invoke before Configure = %v", err)
	}
}

func TestFunctions(t *testing.T) {
	t.Parallel()
	e := newSimEnv(t, sim.Options{})
	vpc := e.invoke(GetDefaultVpcToken, nil)
	if !strings.HasPrefix(pstr(vpc, "vpcId"), "vpc-") || pstr(vpc, "cidrBlock") != "172.31.0.0/16" || len(pstrs(vpc, "subnetIds")) != 3 ||
		strings.Join(pstrs(vpc, "availabilityZones"), ",") != "us-east-1a,us-east-1b,us-east-1c" {
		t.Errorf("getDefaultVpc = %v", vpc)
	}
	sub := e.invoke(GetSubnetsToken, map[string]any{"vpcId": pstr(vpc, "vpcId"), "filters": []any{
		map[string]any{"name": "availability-zone", "values": []any{"us-east-1b"}}}})
	if len(pstrs(sub, "ids")) != 1 || pstrs(sub, "cidrBlocks")[0] != "172.31.16.0/20" {
		t.Errorf("getSubnets = %v", sub)
	}
	ami := e.invoke(GetAMIToken, map[string]any{"owners": []any{"099720109477"}, "nameRegex": "jammy-22\\.04-amd64"})
	if !strings.HasPrefix(pstr(ami, "imageId"), "ami-") || !strings.HasSuffix(pstr(ami, "name"), "20240501") || pstr(ami, "architecture") != "x86_64" {
		t.Errorf("getAmi (most recent) = %v", ami)
	}
	for _, c := range []struct {
		args map[string]any
		want string
	}{
		{map[string]any{"owners": []any{"099720109477"}, "nameRegex": "jammy", "mostRecent": false}, "images match"},
		{map[string]any{"owners": []any{"000000000000"}}, "no image matches"},
		{map[string]any{"nameRegex": "("}, "nameRegex"},
	} {
		_, err := e.srv.Invoke(e.ctx(), &pb.InvokeRequest{Token: GetAMIToken, Args: propertypb.FromMap(props(t, c.args))})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("getAmi %v = %v; want %q", c.args, err, c.want)
		}
	}
}

func TestCheckFailures(t *testing.T) {
	t.Parallel()
	e := newSimEnv(t, sim.Options{})
	cases := []struct {
		typ    string
		inputs map[string]any
		want   string
	}{
		{SecurityGroupToken, map[string]any{"ingress": []any{map[string]any{"protocol": "tcp", "fromPort": 90, "toPort": 80, "cidrBlocks": []any{"0.0.0.0/0"}}}}, "ingress[0]: ports 90 to 80"},
		{SecurityGroupToken, map[string]any{"ingress": []any{map[string]any{"protocol": "gre", "cidrBlocks": []any{"0.0.0.0/0"}}}}, `protocol "gre"`},
		{SecurityGroupToken, map[string]any{"egress": []any{map[string]any{"protocol": "-1"}}}, "egress[0]: the rule allows nothing"},
		{SecurityGroupToken, map[string]any{"name": "sg-bad"}, "not start with sg-"},
		{LoadBalancerToken, map[string]any{"subnets": []any{"subnet-1"}, "name": "-bad"}, "not a valid name"},
		{LoadBalancerToken, map[string]any{"subnets": []any{"subnet-1"}, "loadBalancerType": "gateway"}, "not application or network"},
		{TargetGroupToken, map[string]any{"port": 0}, "port 0"},
		{TargetGroupToken, map[string]any{"port": 80, "healthCheck": map[string]any{"interval": 5, "timeout": 6}}, "timeout 6 must be less than interval 5"},
		{ListenerToken, map[string]any{"loadBalancerArn": "x", "port": 443, "protocol": "HTTPS", "defaultActions": []any{map[string]any{"type": "forward"}}}, "needs a certificate"},
		{ListenerToken, map[string]any{"loadBalancerArn": "x", "port": 80, "defaultActions": []any{map[string]any{"type": "forward"}}}, "needs targetGroupArn"},
		{RecordToken, map[string]any{"zoneId": "Z1", "name": "a.example.com", "type": "A", "records": []any{"1.2.3.4"}}, "give a TTL"},
		{RecordToken, map[string]any{"zoneId": "Z1", "name": "a.example.com", "type": "TXT", "alias": map[string]any{"name": "x", "zoneId": "Z"}}, "type A, AAAA or CNAME"},
		{RecordToken, map[string]any{"zoneId": "Z1", "name": "a.example.com", "type": "A"}, "give the record's values"},
		{InstanceToken, map[string]any{"ami": ""}, "ami is empty"},
	}
	for _, c := range cases {
		fs := e.checkFailures(c.typ, props(t, c.inputs))
		if !strings.Contains(strings.Join(fs, "\n"), c.want) {
			t.Errorf("%s %v: failures %q; want %q", c.typ, c.inputs, fs, c.want)
		}
	}
}

func TestAutoNames(t *testing.T) {
	t.Parallel()
	e := newSimEnv(t, sim.Options{})
	urn := urnOf(LoadBalancerToken, "a-very-long-load-balancer-name-indeed")
	in := e.check(LoadBalancerToken, urn, nil, props(t, map[string]any{"subnets": []any{"s1", "s2"}}))
	name := pstr(in, "name")
	if len(name) > 32 || !strings.HasPrefix(name, "a-very-long-load-balan") {
		t.Errorf("generated name %q", name)
	}
	// Kept across an in-place change, renewed by a replacing one.
	again := e.check(LoadBalancerToken, urn, in, props(t, map[string]any{"subnets": []any{"s1", "s3"}}))
	if pstr(again, "name") != name {
		t.Errorf("an in-place change renamed %q to %q", name, pstr(again, "name"))
	}
	replaced := e.check(LoadBalancerToken, urn, in, props(t, map[string]any{"subnets": []any{"s1", "s2"}, "internal": true}))
	if pstr(replaced, "name") == name {
		t.Errorf("a replacement kept the name %q", name)
	}
}

func TestDiffComputedAndOrder(t *testing.T) {
	t.Parallel()
	e := newSimEnv(t, sim.Options{})
	urn := urnOf(InstanceToken, "i")
	old := props(t, map[string]any{"ami": "ami-1", "instanceType": "t3.micro", "subnetId": "subnet-1", "securityGroupIds": []any{"sg-1", "sg-2"}})
	news := props(t, map[string]any{"ami": "ami-1", "instanceType": "t3.micro"})
	if d := e.diff(InstanceToken, urn, "i-1", old, old, news); d.GetChanges() != pb.DiffResponse_NONE {
		t.Errorf("unset subnetId and securityGroupIds diff as %v", d.GetDiffs())
	}
	reordered := props(t, map[string]any{"ami": "ami-1", "instanceType": "t3.micro", "securityGroupIds": []any{"sg-2", "sg-1"}})
	if d := e.diff(InstanceToken, urn, "i-1", old, old, reordered); d.GetChanges() != pb.DiffResponse_NONE {
		t.Errorf("reordered security groups diff as %v", d.GetDiffs())
	}
	moved := props(t, map[string]any{"ami": "ami-1", "instanceType": "t3.micro", "subnetId": "subnet-2"})
	if d := e.diff(InstanceToken, urn, "i-1", old, old, moved); len(d.GetReplaces()) != 1 || d.GetReplaces()[0] != "subnetId" {
		t.Errorf("a new subnet diffs as %v, replaces %v", d.GetDiffs(), d.GetReplaces())
	}
	// A value not known yet (preview) counts as changed, and replaces when the property does.
	unknown := news.Copy()
	unknown["subnetId"] = resource.Unknown()
	if d := e.diff(InstanceToken, urn, "i-1", old, old, unknown); len(d.GetReplaces()) != 1 {
		t.Errorf("an unknown subnet diffs as %v, replaces %v", d.GetDiffs(), d.GetReplaces())
	}
}

// TestRetriesUnderFaults creates objects through the provider while the simulator throttles a fifth of the
// requests and fails one in twenty, and checks that everything converges and that the retries were logged.
func TestRetriesUnderFaults(t *testing.T) {
	t.Parallel()
	e := newSimEnv(t, sim.Options{Faults: sim.Faults{ThrottleRate: 0.2, ErrorRate: 0.05, ConsistencyWindow: sim.Duration(20 * time.Millisecond)}})
	t.Cleanup(func() { assertNoObjects(t, e) })
	ami, _ := e.amis()
	_, subnets := e.defaultNetwork()
	sg := e.make(SecurityGroupToken, "web", map[string]any{"ingress": []any{
		map[string]any{"protocol": "tcp", "fromPort": 80, "toPort": 80, "cidrBlocks": []any{"0.0.0.0/0"}}}})
	for i := range 3 {
		e.make(InstanceToken, "web-"+string(rune('0'+i)), map[string]any{"ami": ami, "securityGroupIds": []any{sg.id}})
	}
	lb := e.make(LoadBalancerToken, "lb", map[string]any{"subnets": []any{subnets[0], subnets[1]}, "securityGroups": []any{sg.id}})
	z := e.make(ZoneToken, "zone", map[string]any{"name": "faults.example.com"})
	e.make(RecordToken, "www", map[string]any{"zoneId": z.id, "name": "www.faults.example.com", "type": "A",
		"alias": map[string]any{"name": pstr(lb.out, "dnsName"), "zoneId": pstr(lb.out, "zoneId")}})
	st := e.sim.Stats()
	if st.Throttled == 0 {
		t.Errorf("no request was throttled: %+v", st)
	}
	if !strings.Contains(e.log.String(), "retrying AWS call") {
		t.Errorf("no retry was logged:\n%s", e.log.String())
	}
}

func TestInstanceLookupAfterCutOffCreate(t *testing.T) {
	t.Parallel()
	e := newSimEnv(t, sim.Options{})
	t.Cleanup(func() { assertNoObjects(t, e) })
	ami, _ := e.amis()
	urn := urnOf(InstanceToken, "web")
	token := newToken(t)
	in := e.check(InstanceToken, urn, nil, props(t, map[string]any{"ami": ami, "tags": map[string]any{"Name": "web"}}))
	// The create is cut off while it waits for the instance to run: the RunInstances went through.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
	defer cancel()
	e.sim.SetTiming(sim.Timing{InstanceStart: 300 * time.Millisecond})
	_, _ = e.srv.Create(ctx, &pb.CreateRequest{Urn: string(urn), Type: InstanceToken, Properties: propertypb.FromMap(in), IdempotencyToken: token})
	e.sim.SetTiming(simTiming)
	id, lin, lout := e.lookup(InstanceToken, urn, token)
	if id == "" {
		t.Fatal("lookup did not find the instance the cut-off create made")
	}
	if d := e.diff(InstanceToken, urn, id, lin, lout, in); d.GetChanges() != pb.DiffResponse_NONE {
		t.Errorf("the adopted instance differs from the program in %v:\nadopted %v\nprogram %v", d.GetDiffs(), lin, in)
	}
	// Creating again with the same token returns the same instance (the ClientToken), not a second one.
	id2, out := e.create(InstanceToken, urn, in, token)
	if id2 != id || e.sim.Objects().Instances != 1 {
		t.Errorf("a repeated create made %s (%d instances); want %s", id2, e.sim.Objects().Instances, id)
	}
	if err := e.delete(InstanceToken, urn, id, in, out); err != nil {
		t.Fatal(err)
	}
}

// TestAttachmentWaitsHealthy registers an instance with waitHealthy behind a listener: the create must not
// finish before the target group's health checks pass on it, however long that takes.
func TestAttachmentWaitsHealthy(t *testing.T) {
	t.Parallel()
	timing := simTiming
	timing.LoadBalancerActive = 300 * time.Millisecond
	e := newSimEnv(t, sim.Options{Timing: timing})
	t.Cleanup(func() { assertNoObjects(t, e) })
	ami, _ := e.amis()
	_, subnets := e.defaultNetwork()
	lb := e.make(LoadBalancerToken, "lb", map[string]any{"subnets": []any{subnets[0], subnets[1]}})
	tg := e.make(TargetGroupToken, "tg", map[string]any{"port": 80})
	e.make(ListenerToken, "http", map[string]any{"loadBalancerArn": lb.id, "port": 80, "defaultActions": []any{
		map[string]any{"type": "forward", "targetGroupArn": tg.id}}})
	i := e.make(InstanceToken, "web", map[string]any{"ami": ami})
	a := e.make(TargetGroupAttachmentToken, "web", map[string]any{"targetGroupArn": tg.id, "targetId": i.id, "waitHealthy": true})
	rec := e.sim.TargetGroupHealth(tg.id)
	if n := len(rec); n == 0 || len(rec[n-1].Healthy) != 1 || rec[n-1].Healthy[0] != i.id+":80" {
		t.Errorf("the create of %s finished before its target was healthy: health record %+v", a.id, rec)
	}
	if v := a.out["waitHealthy"]; v.Kind() != resource.KindBool || !v.BoolValue() {
		t.Errorf("waitHealthy = %v, want it kept in the outputs", v)
	}

	// A group no listener forwards to never gets healthy targets: the wait times out naming that state.
	idle := e.make(TargetGroupToken, "idle", map[string]any{"port": 80})
	urn := urnOf(TargetGroupAttachmentToken, "idle")
	in := e.check(TargetGroupAttachmentToken, urn, nil, props(t, map[string]any{"targetGroupArn": idle.id, "targetId": i.id, "waitHealthy": true}))
	resp, err := e.srv.Create(e.ctx(), &pb.CreateRequest{Urn: string(urn), Type: TargetGroupAttachmentToken, Properties: propertypb.FromMap(in), Timeout: 1})
	if err != nil {
		t.Fatal(err)
	}
	// The target is registered, so the create reports the object with its failure for the engine to keep.
	if ie := strings.Join(resp.GetInitErrors(), "; "); resp.GetId() == "" || !strings.Contains(ie, "stayed unused") || !strings.Contains(ie, "CustomTimeouts") {
		t.Errorf("waiting on a group with no listener: id %q, %q; want a timeout that says the target stayed unused", resp.GetId(), ie)
	}
	_ = e.delete(TargetGroupAttachmentToken, urn, resp.GetId(), in, e.toMap(resp.GetProperties()))
}
