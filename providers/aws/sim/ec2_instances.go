package sim

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"strconv"
	"time"
)

var (
	instanceIDPattern   = regexp.MustCompile(`^i-[0-9a-f]{8,17}$`)
	instanceTypePattern = regexp.MustCompile(`^[a-z][a-z0-9-]*\.(nano|micro|small|medium|large|xlarge|[0-9]+xlarge|metal)$`)
)

// DefaultInstanceLimit is the simulated account's instance quota when Options.InstanceLimit is 0: instances that
// are not terminated.
const DefaultInstanceLimit = 256

// maxUserData is EC2's limit on user data before base64 encoding.
const maxUserData = 16 * 1024

func (s *Server) instanceXML(i *instance) ec2Instance {
	x := ec2Instance{
		InstanceID: i.id, ImageID: i.imageID, State: ec2State{Code: stateCodes[i.state], Name: i.state},
		PrivateDNSName: i.privateDNS(s.opts.Region), DNSName: i.publicDNS(s.opts.Region), KeyName: i.keyName,
		InstanceType: i.instanceType, LaunchTime: i.launch.UTC().Format(ec2Time),
		Placement:  ec2Placement{AvailabilityZone: i.az, Tenancy: "default"},
		Monitoring: ec2Monitoring{State: "disabled"}, SubnetID: i.subnetID, VpcID: i.vpcID,
		PrivateIPAddress: i.privateIP, SourceDestCheck: true, Architecture: "x86_64", RootDeviceType: "ebs",
		RootDeviceName: "/dev/xvda", VirtualizationType: "hvm", ClientToken: i.clientToken, Tags: ec2Tags(i.tags),
		Hypervisor: "xen",
	}
	if im, ok := s.st.images[i.imageID]; ok {
		x.Architecture = im.arch
	}
	if i.state != stateStopped && i.state != stateTerminated && i.state != stateStopping {
		x.IPAddress = i.publicIP
	}
	if i.state == stateTerminated {
		x.SubnetID, x.VpcID, x.PrivateIPAddress, x.PrivateDNSName = "", "", "", ""
	}
	for _, g := range i.groups {
		name := ""
		if sg, ok := s.st.groups[g]; ok {
			name = sg.name
		}
		x.Groups = append(x.Groups, ec2GroupRef{GroupID: g, GroupName: name})
	}
	return x
}

// allocatePrivateIP hands out the next address of a subnet (from .4: AWS reserves the first four).
func (s *Server) allocatePrivateIP(sn *subnet) string {
	n := s.st.nextIP[sn.id] + 4
	s.st.nextIP[sn.id]++
	return fmt.Sprintf("%s.%d", sn.base, n)
}

func (s *Server) allocatePublicIP() string {
	s.st.publicIP++
	n := s.st.publicIP
	return fmt.Sprintf("54.%d.%d.%d", 160+n/65536%64, n/256%256, n%256)
}

// runInstances implements RunInstances: ImageId, InstanceType, MinCount, MaxCount, KeyName, SubnetId,
// SecurityGroupId.N, UserData (base64), ClientToken, TagSpecification.N, and NetworkInterface.1 (SubnetId,
// AssociatePublicIpAddress, SecurityGroupId.N). Key names are accepted without a key pair existing.
func (s *Server) runInstances(r *request) (any, *apiError) {
	p := r.p
	token := p.get("ClientToken")
	if len(token) > 64 {
		return nil, invalidParam("The client token must not be longer than 64 characters")
	}
	imageID := p.get("ImageId")
	if imageID == "" {
		return nil, missingParam("ImageId")
	}
	typ := p.get("InstanceType")
	if typ == "" {
		typ = "m1.small"
	}
	if token != "" {
		if resID, ok := s.st.clientTokens[token]; ok {
			return s.replayRun(resID, token, imageID, typ)
		}
	}
	if _, ok := s.st.images[imageID]; !ok {
		return nil, badRequest("InvalidAMIID.NotFound", "The image id '[%s]' does not exist", imageID)
	}
	if !instanceTypePattern.MatchString(typ) {
		return nil, invalidParam("Invalid value '%s' for InstanceType.", typ)
	}
	minCount, err := p.intOr("MinCount", 0)
	if err != nil {
		return nil, invalidParam("%v", err)
	}
	maxCount, err := p.intOr("MaxCount", 0)
	if err != nil {
		return nil, invalidParam("%v", err)
	}
	if !p.has("MinCount") {
		return nil, missingParam("MinCount")
	}
	if !p.has("MaxCount") {
		return nil, missingParam("MaxCount")
	}
	if minCount < 1 || maxCount < minCount {
		return nil, invalidParam("MinCount (%d) must be at least 1 and at most MaxCount (%d)", minCount, maxCount)
	}
	userData := p.get("UserData")
	if userData != "" {
		raw, err := base64.StdEncoding.DecodeString(userData)
		if err != nil {
			return nil, invalidParam("Invalid BASE64 encoding of user data.")
		}
		if len(raw) > maxUserData {
			return nil, invalidParam("User data is limited to %d bytes", maxUserData)
		}
	}
	subnetID := p.get("SubnetId")
	groups, err := p.strings("SecurityGroupId")
	if err != nil {
		return nil, invalidParam("%v", err)
	}
	publicIP := true
	explicitPublic := false
	if p.hasSub("NetworkInterface") {
		nis, err := p.members("NetworkInterface")
		if err != nil {
			return nil, invalidParam("%v", err)
		}
		if len(nis) > 1 {
			return nil, invalidParam("the simulator supports one network interface per instance")
		}
		ni := nis[0]
		if subnetID != "" && ni.get("SubnetId") != "" {
			return nil, badRequest("InvalidParameterCombination", "Network interfaces and an instance-level subnet ID may not be specified on the same request")
		}
		if ni.get("SubnetId") != "" {
			subnetID = ni.get("SubnetId")
		}
		g, err := ni.strings("SecurityGroupId")
		if err != nil {
			return nil, invalidParam("%v", err)
		}
		if len(g) > 0 && len(groups) > 0 {
			return nil, badRequest("InvalidParameterCombination", "Network interfaces and an instance-level security groups may not be specified on the same request")
		}
		groups = append(groups, g...)
		if ni.has("AssociatePublicIpAddress") {
			explicitPublic = true
			publicIP, err = ni.boolOr("AssociatePublicIpAddress", true)
			if err != nil {
				return nil, invalidParam("%v", err)
			}
		}
	}
	var sn *subnet
	if subnetID == "" {
		sn = s.st.defaultSubnet()
	} else if sn = s.st.subnets[subnetID]; sn == nil {
		return nil, badRequest("InvalidSubnetID.NotFound", "The subnet ID '%s' does not exist", subnetID)
	}
	if !explicitPublic {
		publicIP = sn.mapPublicIP
	}
	if len(groups) == 0 {
		if g := s.st.defaultGroup(sn.vpcID); g != nil {
			groups = []string{g.id}
		}
	}
	for _, g := range groups {
		sg, ok := s.st.groups[g]
		if !ok || !sg.visible(r.now) {
			return nil, groupNotFound(g)
		}
		if sg.vpcID != sn.vpcID {
			return nil, badRequest("InvalidParameter", "Security group %s and subnet %s belong to different networks.", g, sn.id)
		}
	}
	tags, aerr := tagSpecs(p, "instance")
	if aerr != nil {
		return nil, aerr
	}
	live := 0
	for _, i := range s.st.instances {
		if i.state != stateTerminated {
			live++
		}
	}
	limit := s.opts.InstanceLimit
	if limit <= 0 {
		limit = DefaultInstanceLimit
	}
	if live+maxCount > limit {
		return nil, badRequest("InstanceLimitExceeded", "You have requested more instances (%d) than your current instance limit of %d allows", live+maxCount, limit)
	}
	resID := newResourceID("r")
	for n := 0; n < maxCount; n++ {
		i := &instance{
			object: s.st.newObject(r.now, r.window), id: newResourceID("i"), reservationID: resID, imageID: imageID,
			instanceType: typ, keyName: p.get("KeyName"), subnetID: sn.id, vpcID: sn.vpcID, az: sn.az,
			privateIP: s.allocatePrivateIP(sn), userData: userData, clientToken: token,
			groups: append([]string(nil), groups...), tags: tags.clone(), state: statePending,
			until: r.now.Add(s.timing.InstanceStart), launch: r.now,
		}
		if publicIP {
			i.publicIP = s.allocatePublicIP()
		}
		s.st.instances[i.id] = i
	}
	if token != "" {
		s.st.clientTokens[token] = resID
	}
	return s.reservationResult(resID), nil
}

// replayRun answers a RunInstances retried with a ClientToken already used: the same reservation, as AWS
// does, unless the parameters differ.
func (s *Server) replayRun(resID, token, imageID, typ string) (any, *apiError) {
	for _, i := range s.st.instances {
		if i.reservationID == resID && (i.imageID != imageID || i.instanceType != typ) {
			return nil, badRequest("IdempotentParameterMismatch", "Client token '%s' was used before with different parameters", token)
		}
	}
	return s.reservationResult(resID), nil
}

func (s *Server) reservationResult(resID string) ec2RunInstancesResult {
	out := ec2RunInstancesResult{ReservationID: resID, OwnerID: s.opts.AccountID}
	for _, i := range bySeq(s.st.instances, func(i *instance) int { return i.seq }) {
		if i.reservationID == resID {
			out.Instances = append(out.Instances, s.instanceXML(i))
		}
	}
	return out
}

// lookupInstances resolves InstanceId.N: every ID must name a visible instance.
func (s *Server) lookupInstances(r *request, ids []string) ([]*instance, *apiError) {
	var out []*instance
	for _, id := range ids {
		if !instanceIDPattern.MatchString(id) {
			return nil, badRequest("InvalidInstanceID.Malformed", "Invalid id: \"%s\"", id)
		}
		i, ok := s.st.instances[id]
		if !ok || !i.visible(r.now) {
			return nil, instanceNotFound(id)
		}
		out = append(out, i)
	}
	return out, nil
}

// describeInstances implements DescribeInstances: InstanceId.N, Filter (instance-id, instance-state-name,
// instance-state-code, instance-type, image-id, subnet-id, vpc-id, key-name, client-token, reservation-id,
// instance.group-id, availability-zone, private-ip-address, ip-address, tags), MaxResults, NextToken.
func (s *Server) describeInstances(r *request) (any, *apiError) {
	ids, err := r.p.strings("InstanceId")
	if err != nil {
		return nil, invalidParam("%v", err)
	}
	fs, aerr := parseFilters(r.p)
	if aerr != nil {
		return nil, aerr
	}
	max, aerr := maxResults(r.p)
	if aerr != nil {
		return nil, aerr
	}
	if len(ids) > 0 && r.p.has("MaxResults") {
		return nil, badRequest("InvalidParameterCombination", "The parameter instancesSet cannot be used with the parameter maxResults")
	}
	var wanted map[string]bool
	if len(ids) > 0 {
		if _, aerr := s.lookupInstances(r, ids); aerr != nil {
			return nil, aerr
		}
		wanted = map[string]bool{}
		for _, id := range ids {
			wanted[id] = true
		}
	}
	var match []*instance
	for _, i := range bySeq(s.st.instances, func(i *instance) int { return i.seq }) {
		if !i.visible(r.now) || (wanted != nil && !wanted[i.id]) {
			continue
		}
		ok, aerr := matchFilters(fs, withTags(i.tags, func(name string) ([]string, bool) {
			switch name {
			case "instance-id":
				return one(i.id), true
			case "instance-state-name":
				return one(i.state), true
			case "instance-state-code":
				return one(strconv.Itoa(stateCodes[i.state])), true
			case "instance-type":
				return one(i.instanceType), true
			case "image-id":
				return one(i.imageID), true
			case "subnet-id":
				return one(i.subnetID), true
			case "vpc-id":
				return one(i.vpcID), true
			case "key-name":
				return one(i.keyName), true
			case "client-token":
				return one(i.clientToken), true
			case "reservation-id":
				return one(i.reservationID), true
			case "instance.group-id", "group-id":
				return i.groups, true
			case "availability-zone":
				return one(i.az), true
			case "private-ip-address":
				return one(i.privateIP), true
			case "ip-address":
				return one(i.publicIP), true
			}
			return nil, false
		}))
		if aerr != nil {
			return nil, aerr
		}
		if ok {
			match = append(match, i)
		}
	}
	items, next, ok := page(match, func(i *instance) int { return i.seq }, r.p.get("NextToken"), s.pageSize(max, 1000))
	if !ok {
		return nil, badToken()
	}
	out := ec2DescribeInstancesResult{NextToken: next}
	index := map[string]int{}
	for _, i := range items {
		k, ok := index[i.reservationID]
		if !ok {
			k = len(out.Reservations)
			index[i.reservationID] = k
			out.Reservations = append(out.Reservations, ec2Reservation{ReservationID: i.reservationID, OwnerID: s.opts.AccountID})
		}
		out.Reservations[k].Instances = append(out.Reservations[k].Instances, s.instanceXML(i))
	}
	return out, nil
}

// transition implements TerminateInstances, StopInstances and StartInstances: each instance moves from one of
// the states from to via, reaching its next state after delay; an instance already in via or its next state is
// left as it is; any other state is IncorrectInstanceState.
func (s *Server) transition(r *request, from []string, via string) (any, *apiError) {
	ids, err := r.p.strings("InstanceId")
	if err != nil {
		return nil, invalidParam("%v", err)
	}
	if len(ids) == 0 {
		return nil, missingParam("InstanceId")
	}
	insts, aerr := s.lookupInstances(r, ids)
	if aerr != nil {
		return nil, aerr
	}
	var delay time.Duration
	var settled string
	switch via {
	case stateShuttingDown:
		delay, settled = s.timing.InstanceStop, stateTerminated
	case stateStopping:
		delay, settled = s.timing.InstanceStop, stateStopped
	case statePending:
		delay, settled = s.timing.InstanceStart, stateRunning
	}
	for _, i := range insts {
		if i.state != via && i.state != settled && !contains(from, i.state) {
			return nil, badRequest("IncorrectInstanceState", "The instance '%s' is not in a state from which it can be %s (it is %s).", i.id, r.action[:len(r.action)-len("Instances")], i.state)
		}
	}
	out := ec2StateChangesResult{}
	for _, i := range insts {
		prev := i.state
		if contains(from, i.state) {
			i.state, i.until = via, r.now.Add(delay)
			switch via {
			case stateStopping:
				i.publicIP = ""
			case statePending:
				if sn := s.st.subnets[i.subnetID]; sn != nil && sn.mapPublicIP && i.publicIP == "" {
					i.publicIP = s.allocatePublicIP()
				}
			}
		}
		out.Instances = append(out.Instances, ec2StateChange{InstanceID: i.id,
			CurrentState: ec2State{Code: stateCodes[i.state], Name: i.state}, PreviousState: ec2State{Code: stateCodes[prev], Name: prev}})
	}
	return out, nil
}

func (s *Server) terminateInstances(r *request) (any, *apiError) {
	return s.transition(r, []string{statePending, stateRunning, stateStopping, stateStopped}, stateShuttingDown)
}

func (s *Server) stopInstances(r *request) (any, *apiError) {
	return s.transition(r, []string{stateRunning}, stateStopping)
}

func (s *Server) startInstances(r *request) (any, *apiError) {
	return s.transition(r, []string{stateStopped}, statePending)
}

// modifyInstanceAttribute implements ModifyInstanceAttribute for InstanceType.Value and UserData.Value (which
// need the instance stopped, as on AWS), GroupId.N, SourceDestCheck.Value, and the Attribute/Value form.
func (s *Server) modifyInstanceAttribute(r *request) (any, *apiError) {
	p := r.p
	id := p.get("InstanceId")
	if id == "" {
		return nil, missingParam("InstanceId")
	}
	insts, aerr := s.lookupInstances(r, []string{id})
	if aerr != nil {
		return nil, aerr
	}
	i := insts[0]
	if i.state == stateTerminated || i.state == stateShuttingDown {
		return nil, badRequest("IncorrectInstanceState", "The instance '%s' is terminated.", id)
	}
	typ, userData := p.get("InstanceType.Value"), p.get("UserData.Value")
	hasUserData := p.has("UserData.Value")
	switch p.get("Attribute") {
	case "instanceType":
		typ = p.get("Value")
	case "userData":
		userData, hasUserData = p.get("Value"), true
	}
	groups, err := p.strings("GroupId")
	if err != nil {
		return nil, invalidParam("%v", err)
	}
	if (typ != "" || hasUserData) && i.state != stateStopped {
		return nil, badRequest("IncorrectInstanceState", "The instance '%s' is not in the 'stopped' state.", id)
	}
	if typ != "" && !instanceTypePattern.MatchString(typ) {
		return nil, invalidParam("Invalid value '%s' for InstanceType.", typ)
	}
	if hasUserData {
		raw, err := base64.StdEncoding.DecodeString(userData)
		if err != nil {
			return nil, invalidParam("Invalid BASE64 encoding of user data.")
		}
		if len(raw) > maxUserData {
			return nil, invalidParam("User data is limited to %d bytes", maxUserData)
		}
	}
	for _, g := range groups {
		sg, ok := s.st.groups[g]
		if !ok || !sg.visible(r.now) {
			return nil, groupNotFound(g)
		}
		if sg.vpcID != i.vpcID {
			return nil, badRequest("InvalidGroup.NotFound", "You have specified two resources that belong to different networks.")
		}
	}
	if typ != "" {
		i.instanceType = typ
	}
	if hasUserData {
		i.userData = userData
	}
	if len(groups) > 0 {
		i.groups = groups
	}
	return ec2Return{Return: true}, nil
}

// describeInstanceAttribute implements DescribeInstanceAttribute for instanceType, userData and groupSet.
func (s *Server) describeInstanceAttribute(r *request) (any, *apiError) {
	id := r.p.get("InstanceId")
	if id == "" {
		return nil, missingParam("InstanceId")
	}
	insts, aerr := s.lookupInstances(r, []string{id})
	if aerr != nil {
		return nil, aerr
	}
	i := insts[0]
	out := ec2InstanceAttributeResult{InstanceID: i.id}
	switch r.p.get("Attribute") {
	case "instanceType":
		out.InstanceType = &ec2Value{Value: i.instanceType}
	case "userData":
		out.UserData = &ec2Value{Value: i.userData}
	case "groupSet":
		for _, g := range i.groups {
			out.Groups = append(out.Groups, ec2GroupRef{GroupID: g})
		}
	case "":
		return nil, missingParam("Attribute")
	default:
		return nil, invalidParam("Value (%s) for parameter attribute is invalid (the simulator knows instanceType, userData and groupSet).", r.p.get("Attribute"))
	}
	return out, nil
}
