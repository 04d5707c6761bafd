package aws

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

func elbTags(m map[string]string) []elbtypes.Tag {
	out := make([]elbtypes.Tag, 0, len(m))
	for _, k := range sortedKeys(m) {
		out = append(out, elbtypes.Tag{Key: aws.String(k), Value: aws.String(m[k])})
	}
	return out
}

// elbTagsOf reads the tags of ELBv2 objects, 20 ARNs a call as DescribeTags allows.
func (c *clients) elbTagsOf(ctx context.Context, arns []string) (map[string]map[string]string, error) {
	out := map[string]map[string]string{}
	for start := 0; start < len(arns); start += 20 {
		batch := arns[start:min(start+20, len(arns))]
		resp, err := c.elb.DescribeTags(ctx, &elbv2.DescribeTagsInput{ResourceArns: batch})
		if err != nil {
			return nil, fmt.Errorf("read the tags of %s: %w", strings.Join(batch, ", "), err)
		}
		for _, d := range resp.TagDescriptions {
			m := map[string]string{}
			for _, t := range d.Tags {
				m[aws.ToString(t.Key)] = aws.ToString(t.Value)
			}
			out[aws.ToString(d.ResourceArn)] = m
		}
	}
	return out, nil
}

// elbTagsOne reads the tags of one ELBv2 object.
func (c *clients) elbTagsOne(ctx context.Context, arn string) (map[string]string, error) {
	all, err := c.elbTagsOf(ctx, []string{arn})
	if err != nil {
		return nil, err
	}
	return all[arn], nil
}

// syncELBTags makes an ELBv2 object's tags the desired ones (the provider's own stay).
func (c *clients) syncELBTags(ctx context.Context, arn string, user map[string]string) error {
	live, err := c.elbTagsOne(ctx, arn)
	if err != nil {
		return err
	}
	set, remove := tagChanges(live, c.desiredTags(user))
	if len(remove) > 0 {
		if _, err := c.elb.RemoveTags(ctx, &elbv2.RemoveTagsInput{ResourceArns: []string{arn}, TagKeys: remove}); err != nil {
			return fmt.Errorf("remove tags %v from %s: %w", remove, arn, err)
		}
	}
	if len(set) > 0 {
		if _, err := c.elb.AddTags(ctx, &elbv2.AddTagsInput{ResourceArns: []string{arn}, Tags: elbTags(set)}); err != nil {
			return fmt.Errorf("tag %s: %w", arn, err)
		}
	}
	return nil
}

// findELBByToken returns the first of arns tagged with the idempotency token ("" when none is).
func (c *clients) findELBByToken(ctx context.Context, arns []string, token string) (string, error) {
	tags, err := c.elbTagsOf(ctx, arns)
	if err != nil {
		return "", err
	}
	for _, arn := range arns {
		if tags[arn][tagToken] == token {
			return arn, nil
		}
	}
	return "", nil
}

// allLoadBalancers lists every load balancer's ARN, page by page.
func (c *clients) allLoadBalancers(ctx context.Context) ([]elbtypes.LoadBalancer, error) {
	var out []elbtypes.LoadBalancer
	pages := elbv2.NewDescribeLoadBalancersPaginator(c.elb, &elbv2.DescribeLoadBalancersInput{})
	for pages.HasMorePages() {
		p, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list load balancers: %w", err)
		}
		out = append(out, p.LoadBalancers...)
	}
	return out, nil
}

// arnSuffix is the part of an ELBv2 ARN after its resource type, as CloudWatch metrics name it
// ("app/web/50dc6c495c0c9188").
func arnSuffix(arn, kind string) string {
	_, tail, ok := strings.Cut(arn, ":"+kind+"/")
	if !ok {
		return ""
	}
	if kind == "targetgroup" {
		return "targetgroup/" + tail
	}
	return tail
}
