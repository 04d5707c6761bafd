package sim

import (
	"strings"
)

// ec2Handler returns the handler of an EC2 action, or nil when the simulator does not implement it.
func (s *Server) ec2Handler(action string) func(*request) (any, *apiError) {
	switch action {
	case "DescribeVpcs":
		return s.describeVpcs
	case "DescribeSubnets":
		return s.describeSubnets
	case "DescribeImages":
		return s.describeImages
	case "RunInstances":
		return s.runInstances
	case "DescribeInstances":
		return s.describeInstances
	case "TerminateInstances":
		return s.terminateInstances
	case "StopInstances":
		return s.stopInstances
	case "StartInstances":
		return s.startInstances
	case "ModifyInstanceAttribute":
		return s.modifyInstanceAttribute
	case "DescribeInstanceAttribute":
		return s.describeInstanceAttribute
	case "CreateTags":
		return s.createTags
	case "DeleteTags":
		return s.deleteTags
	case "CreateSecurityGroup":
		return s.createSecurityGroup
	case "DeleteSecurityGroup":
		return s.deleteSecurityGroup
	case "DescribeSecurityGroups":
		return s.describeSecurityGroups
	case "AuthorizeSecurityGroupIngress":
		return s.authorizeIngress
	case "AuthorizeSecurityGroupEgress":
		return s.authorizeEgress
	case "RevokeSecurityGroupIngress":
		return s.revokeIngress
	case "RevokeSecurityGroupEgress":
		return s.revokeEgress
	}
	return nil
}

// maxTagKey and maxTagValue are EC2's limits on tag lengths.
const (
	maxTagKey   = 128
	maxTagValue = 256
	maxTags     = 50
)

// parseTagList reads Tag.N.Key / Tag.N.Value under p.
func parseTagList(p params, list string) (tagMap, *apiError) {
	ms, err := p.members(list)
	if err != nil {
		return nil, invalidParam("%v", err)
	}
	t := tagMap{}
	for _, m := range ms {
		k, v := m.get("Key"), m.get("Value")
		if k == "" {
			return nil, badRequest("InvalidParameterValue", "Tag keys must not be empty")
		}
		if len(k) > maxTagKey || len(v) > maxTagValue {
			return nil, badRequest("InvalidParameterValue", "Tag %q is too long: keys have at most %d characters and values %d", k, maxTagKey, maxTagValue)
		}
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return nil, badRequest("InvalidParameterValue", "Tag keys starting with 'aws:' are reserved for internal use")
		}
		t[k] = v
	}
	if len(t) > maxTags {
		return nil, badRequest("TagLimitExceeded", "The maximum number of tags per resource is %d", maxTags)
	}
	return t, nil
}

// tagSpecs reads TagSpecification.N (ResourceType, Tag.M) and returns the tags for resource type typ.
func tagSpecs(p params, typ string) (tagMap, *apiError) {
	ms, err := p.members("TagSpecification")
	if err != nil {
		return nil, invalidParam("%v", err)
	}
	out := tagMap{}
	for _, m := range ms {
		t, aerr := parseTagList(m, "Tag")
		if aerr != nil {
			return nil, aerr
		}
		if rt := m.get("ResourceType"); rt != typ {
			if rt == "" {
				return nil, missingParam("TagSpecification.N.ResourceType")
			}
			continue
		}
		for k, v := range t {
			out[k] = v
		}
	}
	return out, nil
}

// createTags implements CreateTags: ResourceId.N, Tag.N.
func (s *Server) createTags(r *request) (any, *apiError) {
	ids, err := r.p.strings("ResourceId")
	if err != nil {
		return nil, invalidParam("%v", err)
	}
	if len(ids) == 0 {
		return nil, missingParam("ResourceId")
	}
	t, aerr := parseTagList(r.p, "Tag")
	if aerr != nil {
		return nil, aerr
	}
	for _, id := range ids {
		tags, aerr := s.tagsOf(r, id)
		if aerr != nil {
			return nil, aerr
		}
		for k, v := range t {
			tags[k] = v
		}
		if len(tags) > maxTags {
			return nil, badRequest("TagLimitExceeded", "The maximum number of tags per resource is %d", maxTags)
		}
	}
	return ec2Return{Return: true}, nil
}

// deleteTags implements DeleteTags: a tag with a value is removed only if the value matches.
func (s *Server) deleteTags(r *request) (any, *apiError) {
	ids, err := r.p.strings("ResourceId")
	if err != nil {
		return nil, invalidParam("%v", err)
	}
	if len(ids) == 0 {
		return nil, missingParam("ResourceId")
	}
	ms, err := r.p.members("Tag")
	if err != nil {
		return nil, invalidParam("%v", err)
	}
	for _, id := range ids {
		tags, aerr := s.tagsOf(r, id)
		if aerr != nil {
			return nil, aerr
		}
		for _, m := range ms {
			k := m.get("Key")
			if m.has("Value") && tags[k] != m.get("Value") {
				continue
			}
			delete(tags, k)
		}
	}
	return ec2Return{Return: true}, nil
}

// tagsOf returns the live tag map of the EC2 object id, or the not-found error of its kind.
func (s *Server) tagsOf(r *request, id string) (tagMap, *apiError) {
	w := s.st
	switch {
	case strings.HasPrefix(id, "i-"):
		if i, ok := w.instances[id]; ok && i.visible(r.now) {
			return i.tags, nil
		}
		return nil, instanceNotFound(id)
	case strings.HasPrefix(id, "sg-"):
		if g, ok := w.groups[id]; ok && g.visible(r.now) {
			return g.tags, nil
		}
		return nil, groupNotFound(id)
	case strings.HasPrefix(id, "vpc-"):
		if v, ok := w.vpcs[id]; ok {
			return v.tags, nil
		}
		return nil, badRequest("InvalidVpcID.NotFound", "The vpc ID '%s' does not exist", id)
	case strings.HasPrefix(id, "subnet-"):
		if sn, ok := w.subnets[id]; ok {
			return sn.tags, nil
		}
		return nil, badRequest("InvalidSubnetID.NotFound", "The subnet ID '%s' does not exist", id)
	}
	return nil, badRequest("InvalidID", "The ID '%s' is not valid", id)
}

func instanceNotFound(id string) *apiError {
	return badRequest("InvalidInstanceID.NotFound", "The instance ID '%s' does not exist", id)
}

func groupNotFound(id string) *apiError {
	return badRequest("InvalidGroup.NotFound", "The security group '%s' does not exist", id)
}

// maxResults reads MaxResults, which EC2 bounds between 5 and 1000 when it is given.
func maxResults(p params) (int, *apiError) {
	n, err := p.intOr("MaxResults", 0)
	if err != nil {
		return 0, invalidParam("%v", err)
	}
	if p.has("MaxResults") && (n < 5 || n > 1000) {
		return 0, invalidParam("Value ( %d ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.", n)
	}
	return n, nil
}

func badToken() *apiError {
	return badRequest("InvalidPaginationToken", "The pagination token is not valid")
}
