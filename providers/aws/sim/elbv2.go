package sim

import (
	"net/http"
	"regexp"
	"strings"
)

// elbv2Handler returns the handler of an ELBv2 action, or nil when the simulator does not implement it.
func (s *Server) elbv2Handler(action string) func(*request) (any, *apiError) {
	switch action {
	case "CreateLoadBalancer":
		return s.createLoadBalancer
	case "DescribeLoadBalancers":
		return s.describeLoadBalancers
	case "DeleteLoadBalancer":
		return s.deleteLoadBalancer
	case "SetSecurityGroups":
		return s.setSecurityGroups
	case "SetSubnets":
		return s.setSubnets
	case "SetIpAddressType":
		return s.setIPAddressType
	case "CreateTargetGroup":
		return s.createTargetGroup
	case "DescribeTargetGroups":
		return s.describeTargetGroups
	case "ModifyTargetGroup":
		return s.modifyTargetGroup
	case "DeleteTargetGroup":
		return s.deleteTargetGroup
	case "RegisterTargets":
		return s.registerTargets
	case "DeregisterTargets":
		return s.deregisterTargets
	case "DescribeTargetHealth":
		return s.describeTargetHealth
	case "CreateListener":
		return s.createListener
	case "DescribeListeners":
		return s.describeListeners
	case "ModifyListener":
		return s.modifyListener
	case "DeleteListener":
		return s.deleteListener
	case "AddTags":
		return s.addTags
	case "RemoveTags":
		return s.removeTags
	case "DescribeTags":
		return s.describeTags
	}
	return nil
}

// elbNamePattern is the rule for load balancer and target group names: up to 32 letters, digits and hyphens,
// not starting or ending with a hyphen.
var elbNamePattern = regexp.MustCompile(`^[a-zA-Z0-9]([a-zA-Z0-9-]{0,30}[a-zA-Z0-9])?$`)

func validationError(format string, args ...any) *apiError {
	return badRequest("ValidationError", format, args...)
}

// elbPageSize reads PageSize (1 to 400 when given).
func (s *Server) elbPageSize(p params) (int, *apiError) {
	n, err := p.intOr("PageSize", 0)
	if err != nil {
		return 0, validationError("%v", err)
	}
	if p.has("PageSize") && (n < 1 || n > 400) {
		return 0, validationError("1 validation error detected: Value '%d' at 'pageSize' failed to satisfy constraint: Member must have value between 1 and 400", n)
	}
	return s.pageSize(n, 400), nil
}

func badMarker() *apiError { return validationError("The marker is not valid") }

// parseELBTags reads Tags.member.N.Key/Value.
func parseELBTags(p params) (tagMap, *apiError) {
	ms, err := p.members("Tags.member")
	if err != nil {
		return nil, validationError("%v", err)
	}
	t := tagMap{}
	for _, m := range ms {
		k := m.get("Key")
		if k == "" || len(k) > maxTagKey || len(m.get("Value")) > maxTagValue {
			return nil, validationError("Tag keys must have 1 to %d characters and values at most %d", maxTagKey, maxTagValue)
		}
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return nil, validationError("Tag keys starting with 'aws:' are reserved for internal use")
		}
		t[k] = m.get("Value")
	}
	if len(t) > maxTags {
		return nil, badRequest("TooManyTags", "The quota for the number of tags per resource (%d) has been reached", maxTags)
	}
	return t, nil
}

// elbTagsOf returns the live tag map of the ELBv2 object named by arn.
func (s *Server) elbTagsOf(r *request, arn string) (tagMap, *apiError) {
	switch {
	case strings.Contains(arn, ":loadbalancer/"):
		if lb, ok := s.st.lbs[arn]; ok && lb.visible(r.now) {
			return lb.tags, nil
		}
		return nil, lbNotFound(arn)
	case strings.Contains(arn, ":targetgroup/"):
		if tg, ok := s.st.tgs[arn]; ok && tg.visible(r.now) {
			return tg.tags, nil
		}
		return nil, tgNotFound(arn)
	case strings.Contains(arn, ":listener/"):
		if l, ok := s.st.listeners[arn]; ok && l.visible(r.now) {
			return l.tags, nil
		}
		return nil, listenerNotFound(arn)
	}
	return nil, validationError("'%s' is not a valid load balancer, target group or listener ARN", arn)
}

func lbNotFound(arn string) *apiError {
	return badRequest("LoadBalancerNotFound", "Load balancers '[%s]' not found", arn)
}

func tgNotFound(arn string) *apiError {
	return badRequest("TargetGroupNotFound", "Target groups '[%s]' not found", arn)
}

func listenerNotFound(arn string) *apiError {
	return badRequest("ListenerNotFound", "Listeners '[%s]' not found", arn)
}

// addTags implements AddTags: ResourceArns.member.N, Tags.member.N.
func (s *Server) addTags(r *request) (any, *apiError) {
	arns, err := r.p.strings("ResourceArns.member")
	if err != nil {
		return nil, validationError("%v", err)
	}
	if len(arns) == 0 {
		return nil, validationError("ResourceArns must not be empty")
	}
	t, aerr := parseELBTags(r.p)
	if aerr != nil {
		return nil, aerr
	}
	for _, arn := range arns {
		tags, aerr := s.elbTagsOf(r, arn)
		if aerr != nil {
			return nil, aerr
		}
		for k, v := range t {
			tags[k] = v
		}
		if len(tags) > maxTags {
			return nil, badRequest("TooManyTags", "The quota for the number of tags per resource (%d) has been reached", maxTags)
		}
	}
	return elbEmpty{}, nil
}

// removeTags implements RemoveTags: ResourceArns.member.N, TagKeys.member.N.
func (s *Server) removeTags(r *request) (any, *apiError) {
	arns, err := r.p.strings("ResourceArns.member")
	if err != nil {
		return nil, validationError("%v", err)
	}
	keys, err := r.p.strings("TagKeys.member")
	if err != nil {
		return nil, validationError("%v", err)
	}
	for _, arn := range arns {
		tags, aerr := s.elbTagsOf(r, arn)
		if aerr != nil {
			return nil, aerr
		}
		for _, k := range keys {
			delete(tags, k)
		}
	}
	return elbEmpty{}, nil
}

// describeTags implements DescribeTags: ResourceArns.member.N, at most 20.
func (s *Server) describeTags(r *request) (any, *apiError) {
	arns, err := r.p.strings("ResourceArns.member")
	if err != nil {
		return nil, validationError("%v", err)
	}
	if len(arns) == 0 || len(arns) > 20 {
		return nil, validationError("ResourceArns must hold between 1 and 20 ARNs")
	}
	out := elbDescribeTagsResult{}
	for _, arn := range arns {
		tags, aerr := s.elbTagsOf(r, arn)
		if aerr != nil {
			return nil, aerr
		}
		out.TagDescriptions = append(out.TagDescriptions, elbTagDescription{ResourceArn: arn, Tags: elbTags(tags)})
	}
	return out, nil
}

// inUse is the ResourceInUse error.
func inUse(format string, args ...any) *apiError {
	return errorf(http.StatusBadRequest, "ResourceInUse", format, args...)
}
