package aws

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/infrago/infra/sdk/provider"
)

const listenerDoc = "A listener of an Elastic Load Balancing v2 load balancer: the port and protocol it accepts connections " +
	"on and what it does with them (forward to a target group, answer with a fixed response, or redirect). " +
	"Changing the port, protocol, actions, certificate, TLS policy or tags updates it in place; moving it to " +
	"another load balancer replaces it. Import it by its ARN."

// ListenerAction is a listener's default action.
type ListenerAction struct {
	Type string `infra:"type" doc:"The action's type: forward, fixed-response or redirect."`

	TargetGroupARN *string `infra:"targetGroupArn" doc:"The target group a forward action sends traffic to."`

	FixedResponse *FixedResponse `infra:"fixedResponse" doc:"The answer of a fixed-response action."`

	Redirect *Redirect `infra:"redirect" doc:"The place a redirect action sends clients."`
}

// Doc describes ListenerAction in the schema.
func (ListenerAction) Doc() string {
	return "The action a listener takes on a request no rule matches."
}

// FixedResponse is the answer of a fixed-response action.
type FixedResponse struct {
	StatusCode  string  `infra:"statusCode" doc:"The HTTP status code: 2XX, 4XX or 5XX."`
	ContentType *string `infra:"contentType" doc:"The Content-Type, such as text/plain."`
	MessageBody *string `infra:"messageBody" doc:"The body, at most 1024 characters."`
}

// Doc describes FixedResponse in the schema.
func (FixedResponse) Doc() string { return "A response the load balancer gives itself." }

// Redirect is where a redirect action sends clients; unset parts keep the request's.
type Redirect struct {
	StatusCode string  `infra:"statusCode" doc:"The status code: HTTP_301 (permanent) or HTTP_302 (temporary)."`
	Protocol   *string `infra:"protocol" doc:"The protocol: HTTP or HTTPS."`
	Port       *string `infra:"port" doc:"The port, 1 to 65535."`
	Host       *string `infra:"host" doc:"The host name."`
	Path       *string `infra:"path" doc:"The path, starting with /."`
	Query      *string `infra:"query" doc:"The query string, without the leading ?."`
}

// Doc describes Redirect in the schema.
func (Redirect) Doc() string {
	return "A redirect; unset parts keep the request's own (#{host}, #{path}, ...)."
}

// ListenerArgs are the inputs of aws:lb:Listener.
type ListenerArgs struct {
	LoadBalancerARN string `infra:"loadBalancerArn,replace" doc:"The ARN of the load balancer. A change replaces the listener."`

	Port int `infra:"port" doc:"The port the listener accepts connections on. A change updates it in place."`

	Protocol string `infra:"protocol" default:"HTTP" doc:"The protocol: HTTP or HTTPS for application load balancers; TCP, TLS, UDP or TCP_UDP for network ones. A change updates it in place."`

	DefaultActions []ListenerAction `infra:"defaultActions" doc:"The actions the listener takes on requests: usually one forward action."`

	CertificateARN *string `infra:"certificateArn" doc:"The ARN of the ACM or IAM certificate of an HTTPS or TLS listener."`

	SslPolicy *string `infra:"sslPolicy" doc:"The TLS security policy of an HTTPS or TLS listener (default ELBSecurityPolicy-2016-08)."`

	Tags map[string]string `infra:"tags" doc:"The tags of the listener. The provider's default tags are added."`
}

// ListenerState are the outputs of aws:lb:Listener.
type ListenerState struct {
	ListenerArgs
	ARN     string            `infra:"arn" doc:"The listener's ARN (also its ID)."`
	TagsAll map[string]string `infra:"tagsAll" doc:"The tags of the listener: its own tags and the provider's default tags together."`
}

type listenerResource struct{ p *awsProvider }

// Check validates the actions and the certificate.
func (r *listenerResource) Check(_ context.Context, req provider.CheckRequest[ListenerArgs]) (ListenerArgs, []provider.CheckFailure, error) {
	in := req.Inputs
	var fs []provider.CheckFailure
	fail := func(p, format string, args ...any) {
		fs = append(fs, provider.CheckFailure{Property: p, Reason: fmt.Sprintf(format, args...)})
	}
	if in.Port < 1 || in.Port > 65535 {
		fail("port", "port %d is not between 1 and 65535", in.Port)
	}
	if !tgProtocols[in.Protocol] {
		fail("protocol", "%q is not HTTP, HTTPS, TCP, TLS, UDP or TCP_UDP", in.Protocol)
	}
	if (in.Protocol == "HTTPS" || in.Protocol == "TLS") && in.CertificateARN == nil {
		fail("certificateArn", "an %s listener needs a certificate", in.Protocol)
	}
	if len(in.DefaultActions) == 0 {
		fail("defaultActions", "give at least one action, such as {type: forward, targetGroupArn: ...}")
	}
	for i, a := range in.DefaultActions {
		at := fmt.Sprintf("defaultActions[%d]", i)
		switch a.Type {
		case "forward":
			if a.TargetGroupARN == nil {
				fail(at+".targetGroupArn", "a forward action needs targetGroupArn")
			}
		case "fixed-response":
			if a.FixedResponse == nil {
				fail(at+".fixedResponse", "a fixed-response action needs fixedResponse")
			}
		case "redirect":
			if a.Redirect == nil {
				fail(at+".redirect", "a redirect action needs redirect")
			}
		default:
			fail(at+".type", "%q is not forward, fixed-response or redirect", a.Type)
		}
	}
	return in, fs, nil
}

// Diff treats an unset sslPolicy as unchanged: AWS picks one for TLS listeners.
func (r *listenerResource) Diff(_ context.Context, req provider.DiffRequest[ListenerArgs, ListenerState]) (provider.DiffResponse, error) {
	return provider.DiffStructs(req.OldInputs, req.Inputs, "sslPolicy")
}

func elbActions(as []ListenerAction) []elbtypes.Action {
	var out []elbtypes.Action
	for i, a := range as {
		x := elbtypes.Action{Type: elbtypes.ActionTypeEnum(a.Type), Order: aws.Int32(int32(i + 1))}
		switch a.Type {
		case "forward":
			x.TargetGroupArn = a.TargetGroupARN
		case "fixed-response":
			if f := a.FixedResponse; f != nil {
				x.FixedResponseConfig = &elbtypes.FixedResponseActionConfig{StatusCode: aws.String(f.StatusCode), ContentType: f.ContentType, MessageBody: f.MessageBody}
			}
		case "redirect":
			if r := a.Redirect; r != nil {
				x.RedirectConfig = &elbtypes.RedirectActionConfig{StatusCode: elbtypes.RedirectActionStatusCodeEnum(r.StatusCode),
					Protocol: r.Protocol, Port: r.Port, Host: r.Host, Path: r.Path, Query: r.Query}
			}
		}
		out = append(out, x)
	}
	return out
}

func fromELBActions(as []elbtypes.Action) []ListenerAction {
	var out []ListenerAction
	for _, a := range as {
		x := ListenerAction{Type: string(a.Type), TargetGroupARN: a.TargetGroupArn}
		if x.TargetGroupARN == nil && a.ForwardConfig != nil && len(a.ForwardConfig.TargetGroups) == 1 {
			x.TargetGroupARN = a.ForwardConfig.TargetGroups[0].TargetGroupArn
		}
		if f := a.FixedResponseConfig; f != nil {
			x.FixedResponse = &FixedResponse{StatusCode: aws.ToString(f.StatusCode), ContentType: f.ContentType, MessageBody: f.MessageBody}
		}
		if r := a.RedirectConfig; r != nil {
			x.Redirect = &Redirect{StatusCode: string(r.StatusCode), Protocol: r.Protocol, Port: r.Port, Host: r.Host, Path: r.Path, Query: r.Query}
		}
		out = append(out, x)
	}
	return out
}

func certificates(arn *string) []elbtypes.Certificate {
	if arn == nil {
		return nil
	}
	return []elbtypes.Certificate{{CertificateArn: arn}}
}

// Create creates the listener.
func (r *listenerResource) Create(ctx context.Context, req provider.CreateRequest[ListenerArgs]) (provider.CreateResponse[ListenerState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.CreateResponse[ListenerState]{}, err
	}
	in := req.Inputs
	var out *elbv2.CreateListenerOutput
	err = retryOn(ctx, c.log, "CreateListener", propagation, []string{"LoadBalancerNotFound", "TargetGroupNotFound"}, func() error {
		var err error
		out, err = c.elb.CreateListener(ctx, &elbv2.CreateListenerInput{LoadBalancerArn: aws.String(in.LoadBalancerARN),
			Port: aws.Int32(int32(in.Port)), Protocol: elbtypes.ProtocolEnum(in.Protocol), DefaultActions: elbActions(in.DefaultActions),
			Certificates: certificates(in.CertificateARN), SslPolicy: in.SslPolicy,
			Tags: elbTags(c.createTags(req.URN, req.IdempotencyToken, in.Tags))})
		return err
	})
	if err != nil {
		return provider.CreateResponse[ListenerState]{}, fmt.Errorf("create listener on port %d of %s: %w", in.Port, in.LoadBalancerARN, err)
	}
	if len(out.Listeners) == 0 {
		return provider.CreateResponse[ListenerState]{}, fmt.Errorf("create listener: AWS answered with no listener")
	}
	l := out.Listeners[0]
	arn := aws.ToString(l.ListenerArn)
	// Wait until the new listener is visible to every call, so that a refresh or a delete does not find it
	// missing.
	var tags map[string]string
	err = retryOn(ctx, c.log, "DescribeTags", propagation, []string{"ListenerNotFound"}, func() error {
		var err error
		tags, err = c.elbTagsOne(ctx, arn)
		return err
	})
	if err != nil {
		return provider.CreateResponse[ListenerState]{ID: arn, Outputs: c.listenerState(in, l, nil)}, err
	}
	return provider.CreateResponse[ListenerState]{ID: arn, Outputs: c.listenerState(in, l, tags)}, nil
}

func (c *clients) listenerState(in ListenerArgs, l elbtypes.Listener, tags map[string]string) ListenerState {
	s := ListenerState{ListenerArgs: in, ARN: aws.ToString(l.ListenerArn), TagsAll: visibleTags(tags)}
	if s.SslPolicy == nil {
		s.SslPolicy = l.SslPolicy
	}
	return s
}

// describeListener returns the listener, or ok false when it does not exist.
func (c *clients) describeListener(ctx context.Context, arn string) (elbtypes.Listener, bool, error) {
	out, err := c.elb.DescribeListeners(ctx, &elbv2.DescribeListenersInput{ListenerArns: []string{arn}})
	if isCode(err, "ListenerNotFound", "ValidationError") {
		return elbtypes.Listener{}, false, nil
	}
	if err != nil {
		return elbtypes.Listener{}, false, fmt.Errorf("describe listener %s: %w", arn, err)
	}
	if len(out.Listeners) == 0 {
		return elbtypes.Listener{}, false, nil
	}
	return out.Listeners[0], true, nil
}

func (r *listenerResource) read(ctx context.Context, c *clients, arn string, old *ListenerArgs) (provider.ReadResponse[ListenerArgs, ListenerState], error) {
	l, ok, err := c.describeListener(ctx, arn)
	if err != nil || !ok {
		return provider.ReadResponse[ListenerArgs, ListenerState]{}, err
	}
	tags, err := c.elbTagsOne(ctx, arn)
	if err != nil {
		return provider.ReadResponse[ListenerArgs, ListenerState]{}, err
	}
	var in ListenerArgs
	if old != nil {
		in = *old
	}
	in.LoadBalancerARN, in.Port, in.Protocol = aws.ToString(l.LoadBalancerArn), int(aws.ToInt32(l.Port)), string(l.Protocol)
	live := fromELBActions(l.DefaultActions)
	if old == nil || !sameActions(live, old.DefaultActions) {
		in.DefaultActions = live
	}
	in.CertificateARN = nil
	if len(l.Certificates) > 0 {
		in.CertificateARN = l.Certificates[0].CertificateArn
	}
	if old == nil || old.SslPolicy != nil {
		in.SslPolicy = l.SslPolicy
	}
	var oldTags map[string]string
	if old != nil {
		oldTags = old.Tags
	}
	in.Tags = c.userTags(tags, oldTags)
	return provider.ReadResponse[ListenerArgs, ListenerState]{ID: arn, Inputs: in, Outputs: c.listenerState(in, l, tags)}, nil
}

// sameActions compares actions the way AWS stores them.
func sameActions(a, b []ListenerAction) bool {
	ea, eb := elbActions(a), elbActions(b)
	if len(ea) != len(eb) {
		return false
	}
	for i := range ea {
		x, y := fromELBActions(ea[i : i+1])[0], fromELBActions(eb[i : i+1])[0]
		if x.Type != y.Type || str(x.TargetGroupARN) != str(y.TargetGroupARN) {
			return false
		}
		if (x.FixedResponse == nil) != (y.FixedResponse == nil) || (x.Redirect == nil) != (y.Redirect == nil) {
			return false
		}
		if f, g := x.FixedResponse, y.FixedResponse; f != nil && (f.StatusCode != g.StatusCode || str(f.ContentType) != str(g.ContentType) || str(f.MessageBody) != str(g.MessageBody)) {
			return false
		}
		if f, g := x.Redirect, y.Redirect; f != nil && (f.StatusCode != g.StatusCode || str(f.Protocol) != str(g.Protocol) || str(f.Port) != str(g.Port) ||
			str(f.Host) != str(g.Host) || str(f.Path) != str(g.Path) || str(f.Query) != str(g.Query)) {
			return false
		}
	}
	return true
}

// Read reads the listener for refresh and import.
func (r *listenerResource) Read(ctx context.Context, req provider.ReadRequest[ListenerArgs, ListenerState]) (provider.ReadResponse[ListenerArgs, ListenerState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.ReadResponse[ListenerArgs, ListenerState]{}, err
	}
	var old *ListenerArgs
	if !req.Import {
		old = &req.Inputs
	}
	return r.read(ctx, c, req.ID, old)
}

// Lookup finds the listener a create made by the idempotency token it was tagged with, among the listeners of
// every load balancer.
func (r *listenerResource) Lookup(ctx context.Context, req provider.LookupRequest[ListenerArgs]) (provider.ReadResponse[ListenerArgs, ListenerState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.ReadResponse[ListenerArgs, ListenerState]{}, err
	}
	lbs := []string{req.Inputs.LoadBalancerARN}
	if req.Inputs.LoadBalancerARN == "" {
		all, err := c.allLoadBalancers(ctx)
		if err != nil {
			return provider.ReadResponse[ListenerArgs, ListenerState]{}, err
		}
		lbs = nil
		for _, lb := range all {
			lbs = append(lbs, aws.ToString(lb.LoadBalancerArn))
		}
	}
	var arns []string
	for _, lb := range lbs {
		pages := elbv2.NewDescribeListenersPaginator(c.elb, &elbv2.DescribeListenersInput{LoadBalancerArn: aws.String(lb)})
		for pages.HasMorePages() {
			p, err := pages.NextPage(ctx)
			if isCode(err, "LoadBalancerNotFound") {
				break
			}
			if err != nil {
				return provider.ReadResponse[ListenerArgs, ListenerState]{}, fmt.Errorf("list the listeners of %s: %w", lb, err)
			}
			for _, l := range p.Listeners {
				arns = append(arns, aws.ToString(l.ListenerArn))
			}
		}
	}
	arn, err := c.findELBByToken(ctx, arns, req.IdempotencyToken)
	if err != nil || arn == "" {
		return provider.ReadResponse[ListenerArgs, ListenerState]{}, err
	}
	return r.read(ctx, c, arn, nil)
}

// Update changes the port, protocol, actions, certificate, policy and tags.
func (r *listenerResource) Update(ctx context.Context, req provider.UpdateRequest[ListenerArgs, ListenerState]) (provider.UpdateResponse[ListenerState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.UpdateResponse[ListenerState]{}, err
	}
	arn, in := req.ID, req.Inputs
	err = retryOn(ctx, c.log, "ModifyListener", propagation, []string{"TargetGroupNotFound"}, func() error {
		_, err := c.elb.ModifyListener(ctx, &elbv2.ModifyListenerInput{ListenerArn: aws.String(arn), Port: aws.Int32(int32(in.Port)),
			Protocol: elbtypes.ProtocolEnum(in.Protocol), DefaultActions: elbActions(in.DefaultActions),
			Certificates: certificates(in.CertificateARN), SslPolicy: in.SslPolicy})
		return err
	})
	if isCode(err, "ListenerNotFound") {
		return provider.UpdateResponse[ListenerState]{}, fmt.Errorf("listener %s no longer exists: run `infra up --refresh`, which notices it is gone and creates it again", arn)
	}
	if err != nil {
		return provider.UpdateResponse[ListenerState]{}, fmt.Errorf("modify listener %s: %w", arn, err)
	}
	if err := c.syncELBTags(ctx, arn, in.Tags); err != nil {
		return provider.UpdateResponse[ListenerState]{}, err
	}
	resp, err := r.read(ctx, c, arn, &in)
	if err != nil {
		return provider.UpdateResponse[ListenerState]{}, err
	}
	out := resp.Outputs
	out.ListenerArgs = in
	if out.SslPolicy == nil {
		out.SslPolicy = resp.Outputs.SslPolicy
	}
	return provider.UpdateResponse[ListenerState]{Outputs: out}, nil
}

// Delete deletes the listener; one that is gone already (with its load balancer, say) is fine.
func (r *listenerResource) Delete(ctx context.Context, req provider.DeleteRequest[ListenerArgs, ListenerState]) error {
	c, err := r.p.clients()
	if err != nil {
		return err
	}
	_, err = c.elb.DeleteListener(ctx, &elbv2.DeleteListenerInput{ListenerArn: aws.String(req.ID)})
	if err != nil && !isCode(err, "ListenerNotFound") {
		return fmt.Errorf("delete listener %s: %w", req.ID, err)
	}
	return nil
}
