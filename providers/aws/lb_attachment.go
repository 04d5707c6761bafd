package aws

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/infrago/infra/sdk/provider"
)

const attachmentDoc = "A target registered with an Elastic Load Balancing v2 target group: an instance ID (or an address, for " +
	"groups of target type ip) and optionally a port. Any change of the target replaces it. Its ID is " +
	"\"<target group ARN>,<target ID>[,<port>]\", which is also what importing it takes. Registering is " +
	"idempotent, so a create cut off by a crash is simply repeated."

// TargetGroupAttachmentArgs are the inputs of aws:lb:TargetGroupAttachment.
type TargetGroupAttachmentArgs struct {
	TargetGroupARN string `infra:"targetGroupArn,replace" doc:"The ARN of the target group."`
	TargetID       string `infra:"targetId,replace" doc:"The instance ID (i-...) or, for a group of target type ip, the IP address of the target."`
	Port           *int   `infra:"port,replace" doc:"The port the target receives traffic on. Unset: the target group's port."`
	// WaitHealthy gates a rolling deploy: whatever depends on this attachment waits until the target serves.
	WaitHealthy bool `infra:"waitHealthy" default:"false" doc:"Whether creating the attachment finishes only once the target passes the target group's health checks (state healthy in DescribeTargetHealth), so that what depends on it, such as the next instance of a rolling deploy, waits until it serves. The target group must be behind a listener. A change affects only later creates."`
}

// TargetGroupAttachmentState are the outputs of aws:lb:TargetGroupAttachment: its inputs. (The target's health is
// not an output: it changes by itself, and every refresh would report it as drift.)
type TargetGroupAttachmentState struct {
	TargetGroupAttachmentArgs
}

type attachmentResource struct{ p *awsProvider }

func attachmentID(in TargetGroupAttachmentArgs) string {
	id := in.TargetGroupARN + "," + in.TargetID
	if in.Port != nil {
		id += "," + strconv.Itoa(*in.Port)
	}
	return id
}

// parseAttachmentID reads "<target group ARN>,<target ID>[,<port>]".
func parseAttachmentID(id string) (TargetGroupAttachmentArgs, error) {
	parts := strings.Split(id, ",")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" {
		return TargetGroupAttachmentArgs{}, fmt.Errorf("attachment ID %q is not \"<target group ARN>,<target ID>[,<port>]\"", id)
	}
	in := TargetGroupAttachmentArgs{TargetGroupARN: parts[0], TargetID: parts[1]}
	if len(parts) == 3 {
		n, err := strconv.Atoi(parts[2])
		if err != nil || n < 1 || n > 65535 {
			return TargetGroupAttachmentArgs{}, fmt.Errorf("attachment ID %q: port %q is not between 1 and 65535", id, parts[2])
		}
		in.Port = &n
	}
	return in, nil
}

func targetDescription(in TargetGroupAttachmentArgs) elbtypes.TargetDescription {
	t := elbtypes.TargetDescription{Id: aws.String(in.TargetID)}
	if in.Port != nil {
		t.Port = aws.Int32(int32(*in.Port))
	}
	return t
}

// Create registers the target. An instance created moments ago may not be visible to ELBv2 yet; the call is
// repeated while it says the target is not valid.
func (r *attachmentResource) Create(ctx context.Context, req provider.CreateRequest[TargetGroupAttachmentArgs]) (provider.CreateResponse[TargetGroupAttachmentState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.CreateResponse[TargetGroupAttachmentState]{}, err
	}
	in := req.Inputs
	err = retryOn(ctx, c.log, "RegisterTargets", propagation, []string{"InvalidTarget", "TargetGroupNotFound"}, func() error {
		_, err := c.elb.RegisterTargets(ctx, &elbv2.RegisterTargetsInput{TargetGroupArn: aws.String(in.TargetGroupARN),
			Targets: []elbtypes.TargetDescription{targetDescription(in)}})
		return err
	})
	if err != nil {
		return provider.CreateResponse[TargetGroupAttachmentState]{}, fmt.Errorf("register %s with target group %s: %w", in.TargetID, in.TargetGroupARN, err)
	}
	st := TargetGroupAttachmentState{TargetGroupAttachmentArgs: in}
	if in.WaitHealthy {
		err = c.waitInService(ctx, in)
	}
	return provider.CreateResponse[TargetGroupAttachmentState]{ID: attachmentID(in), Outputs: st}, err
}

// waitInService polls the target's health until it is healthy. A timeout names the state it stayed in, which
// says what is wrong: "unused" is a target group no listener forwards to, "unhealthy" a target failing its checks.
func (c *clients) waitInService(ctx context.Context, in TargetGroupAttachmentArgs) error {
	what := fmt.Sprintf("%s to pass the health checks of target group %s", in.TargetID, in.TargetGroupARN)
	ctx, cancel := context.WithTimeout(ctx, maxWait(ctx))
	defer cancel()
	interval, most := c.delays()
	if interval <= 0 {
		interval, most = time.Second, 15*time.Second
	}
	last := "not yet described"
	for {
		out, err := c.elb.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(in.TargetGroupARN),
			Targets: []elbtypes.TargetDescription{targetDescription(in)}})
		switch {
		case ctx.Err() != nil:
			return waitErr(what+" (it stayed "+last+")", ctx.Err())
		case isCode(err, "InvalidTarget"):
			// Not visible to ELBv2 yet.
		case err != nil:
			return fmt.Errorf("waiting for %s: %w", what, err)
		}
		if out != nil {
			for _, d := range out.TargetHealthDescriptions {
				if h := d.TargetHealth; h != nil {
					if h.State == elbtypes.TargetHealthStateEnumHealthy {
						return nil
					}
					last = string(h.State)
					if h.Description != nil {
						last += ": " + *h.Description
					}
				}
			}
		}
		select {
		case <-ctx.Done():
			return waitErr(what+" (it stayed "+last+")", ctx.Err())
		case <-time.After(interval):
		}
		interval = min(2*interval, most)
	}
}

// Update records a changed waitHealthy, the one input that does not replace the attachment: it only says how
// later creates wait.
func (r *attachmentResource) Update(_ context.Context, req provider.UpdateRequest[TargetGroupAttachmentArgs, TargetGroupAttachmentState]) (provider.UpdateResponse[TargetGroupAttachmentState], error) {
	return provider.UpdateResponse[TargetGroupAttachmentState]{Outputs: TargetGroupAttachmentState{TargetGroupAttachmentArgs: req.Inputs}}, nil
}

// health returns the target's health state, or "" when it is not registered (or its group is gone).
func (c *clients) health(ctx context.Context, in TargetGroupAttachmentArgs) (string, error) {
	out, err := c.elb.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(in.TargetGroupARN),
		Targets: []elbtypes.TargetDescription{targetDescription(in)}})
	if isCode(err, "TargetGroupNotFound", "InvalidTarget", "ValidationError") {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read the health of %s in %s: %w", in.TargetID, in.TargetGroupARN, err)
	}
	for _, d := range out.TargetHealthDescriptions {
		if d.TargetHealth == nil {
			continue
		}
		if d.TargetHealth.Reason == elbtypes.TargetHealthReasonEnumNotRegistered {
			return "", nil
		}
		return string(d.TargetHealth.State), nil
	}
	return "", nil
}

// Read reads whether the target is registered, for refresh and import (with the attachment ID).
func (r *attachmentResource) Read(ctx context.Context, req provider.ReadRequest[TargetGroupAttachmentArgs, TargetGroupAttachmentState]) (provider.ReadResponse[TargetGroupAttachmentArgs, TargetGroupAttachmentState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.ReadResponse[TargetGroupAttachmentArgs, TargetGroupAttachmentState]{}, err
	}
	in := req.Inputs
	if req.Import {
		if in, err = parseAttachmentID(req.ID); err != nil {
			return provider.ReadResponse[TargetGroupAttachmentArgs, TargetGroupAttachmentState]{}, fmt.Errorf("import %s: %w", TargetGroupAttachmentToken, err)
		}
	}
	h, err := c.health(ctx, in)
	if err != nil || h == "" {
		return provider.ReadResponse[TargetGroupAttachmentArgs, TargetGroupAttachmentState]{}, err
	}
	return provider.ReadResponse[TargetGroupAttachmentArgs, TargetGroupAttachmentState]{ID: attachmentID(in), Inputs: in,
		Outputs: TargetGroupAttachmentState{TargetGroupAttachmentArgs: in}}, nil
}

// Lookup reports that a cut-off create left nothing that needs adopting: registering a target twice is
// harmless, so the create is simply made again.
func (r *attachmentResource) Lookup(context.Context, provider.LookupRequest[TargetGroupAttachmentArgs]) (provider.ReadResponse[TargetGroupAttachmentArgs, TargetGroupAttachmentState], error) {
	return provider.ReadResponse[TargetGroupAttachmentArgs, TargetGroupAttachmentState]{}, nil
}

// Delete deregisters the target; one that is not registered (or whose group is gone) is fine.
func (r *attachmentResource) Delete(ctx context.Context, req provider.DeleteRequest[TargetGroupAttachmentArgs, TargetGroupAttachmentState]) error {
	c, err := r.p.clients()
	if err != nil {
		return err
	}
	in := req.Inputs
	if in.TargetGroupARN == "" {
		if in, err = parseAttachmentID(req.ID); err != nil {
			return err
		}
	}
	_, err = c.elb.DeregisterTargets(ctx, &elbv2.DeregisterTargetsInput{TargetGroupArn: aws.String(in.TargetGroupARN),
		Targets: []elbtypes.TargetDescription{targetDescription(in)}})
	if err != nil && !isCode(err, "TargetGroupNotFound", "InvalidTarget") {
		return fmt.Errorf("deregister %s from target group %s: %w", in.TargetID, in.TargetGroupARN, err)
	}
	return nil
}
