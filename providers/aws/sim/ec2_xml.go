package sim

// The XML shapes of EC2's responses, named as EC2 names its elements (lower camel case, lists as <item>s).

// ec2Time is the timestamp format of EC2 responses.
const ec2Time = "2006-01-02T15:04:05.000Z"

type ec2Tag struct {
	Key   string `xml:"key"`
	Value string `xml:"value"`
}

func ec2Tags(t tagMap) []ec2Tag {
	out := make([]ec2Tag, 0, len(t))
	for _, k := range t.keys() {
		out = append(out, ec2Tag{Key: k, Value: t[k]})
	}
	return out
}

type ec2GroupRef struct {
	GroupID   string `xml:"groupId"`
	GroupName string `xml:"groupName"`
}

type ec2State struct {
	Code int    `xml:"code"`
	Name string `xml:"name"`
}

type ec2Placement struct {
	AvailabilityZone string `xml:"availabilityZone"`
	Tenancy          string `xml:"tenancy"`
}

type ec2Monitoring struct {
	State string `xml:"state"`
}

type ec2Instance struct {
	InstanceID         string        `xml:"instanceId"`
	ImageID            string        `xml:"imageId"`
	State              ec2State      `xml:"instanceState"`
	PrivateDNSName     string        `xml:"privateDnsName"`
	DNSName            string        `xml:"dnsName"`
	Reason             string        `xml:"reason"`
	KeyName            string        `xml:"keyName,omitempty"`
	AmiLaunchIndex     int           `xml:"amiLaunchIndex"`
	InstanceType       string        `xml:"instanceType"`
	LaunchTime         string        `xml:"launchTime"`
	Placement          ec2Placement  `xml:"placement"`
	Monitoring         ec2Monitoring `xml:"monitoring"`
	SubnetID           string        `xml:"subnetId"`
	VpcID              string        `xml:"vpcId"`
	PrivateIPAddress   string        `xml:"privateIpAddress"`
	IPAddress          string        `xml:"ipAddress,omitempty"`
	SourceDestCheck    bool          `xml:"sourceDestCheck"`
	Groups             []ec2GroupRef `xml:"groupSet>item"`
	Architecture       string        `xml:"architecture"`
	RootDeviceType     string        `xml:"rootDeviceType"`
	RootDeviceName     string        `xml:"rootDeviceName"`
	VirtualizationType string        `xml:"virtualizationType"`
	ClientToken        string        `xml:"clientToken,omitempty"`
	Tags               []ec2Tag      `xml:"tagSet>item"`
	Hypervisor         string        `xml:"hypervisor"`
}

type ec2Reservation struct {
	ReservationID string        `xml:"reservationId"`
	OwnerID       string        `xml:"ownerId"`
	Groups        []ec2GroupRef `xml:"groupSet>item"`
	Instances     []ec2Instance `xml:"instancesSet>item"`
}

type ec2RunInstancesResult struct {
	ReservationID string        `xml:"reservationId"`
	OwnerID       string        `xml:"ownerId"`
	Groups        []ec2GroupRef `xml:"groupSet>item"`
	Instances     []ec2Instance `xml:"instancesSet>item"`
}

type ec2DescribeInstancesResult struct {
	Reservations []ec2Reservation `xml:"reservationSet>item"`
	NextToken    string           `xml:"nextToken,omitempty"`
}

type ec2StateChange struct {
	InstanceID    string   `xml:"instanceId"`
	CurrentState  ec2State `xml:"currentState"`
	PreviousState ec2State `xml:"previousState"`
}

type ec2StateChangesResult struct {
	Instances []ec2StateChange `xml:"instancesSet>item"`
}

type ec2Value struct {
	Value string `xml:"value"`
}

type ec2InstanceAttributeResult struct {
	InstanceID   string        `xml:"instanceId"`
	InstanceType *ec2Value     `xml:"instanceType,omitempty"`
	UserData     *ec2Value     `xml:"userData,omitempty"`
	Groups       []ec2GroupRef `xml:"groupSet>item"`
}

type ec2Return struct {
	Return bool `xml:"return"`
}

type ec2IPRange struct {
	CidrIP      string `xml:"cidrIp"`
	Description string `xml:"description,omitempty"`
}

type ec2IPv6Range struct {
	CidrIPv6    string `xml:"cidrIpv6"`
	Description string `xml:"description,omitempty"`
}

type ec2GroupPair struct {
	UserID      string `xml:"userId"`
	GroupID     string `xml:"groupId"`
	Description string `xml:"description,omitempty"`
}

type ec2Permission struct {
	Protocol   string         `xml:"ipProtocol"`
	FromPort   *int           `xml:"fromPort,omitempty"`
	ToPort     *int           `xml:"toPort,omitempty"`
	Groups     []ec2GroupPair `xml:"groups>item"`
	IPRanges   []ec2IPRange   `xml:"ipRanges>item"`
	IPv6Ranges []ec2IPv6Range `xml:"ipv6Ranges>item"`
}

type ec2SecurityGroup struct {
	OwnerID     string          `xml:"ownerId"`
	GroupID     string          `xml:"groupId"`
	GroupName   string          `xml:"groupName"`
	Description string          `xml:"groupDescription"`
	VpcID       string          `xml:"vpcId"`
	ARN         string          `xml:"securityGroupArn"`
	Ingress     []ec2Permission `xml:"ipPermissions>item"`
	Egress      []ec2Permission `xml:"ipPermissionsEgress>item"`
	Tags        []ec2Tag        `xml:"tagSet>item"`
}

type ec2CreateSecurityGroupResult struct {
	GroupID string   `xml:"groupId"`
	ARN     string   `xml:"securityGroupArn"`
	Tags    []ec2Tag `xml:"tagSet>item"`
}

type ec2DescribeSecurityGroupsResult struct {
	Groups    []ec2SecurityGroup `xml:"securityGroupInfo>item"`
	NextToken string             `xml:"nextToken,omitempty"`
}

type ec2DeleteSecurityGroupResult struct {
	Return  bool   `xml:"return"`
	GroupID string `xml:"groupId"`
}

type ec2Vpc struct {
	VpcID           string   `xml:"vpcId"`
	OwnerID         string   `xml:"ownerId"`
	State           string   `xml:"state"`
	CidrBlock       string   `xml:"cidrBlock"`
	InstanceTenancy string   `xml:"instanceTenancy"`
	IsDefault       bool     `xml:"isDefault"`
	Tags            []ec2Tag `xml:"tagSet>item"`
}

type ec2DescribeVpcsResult struct {
	Vpcs      []ec2Vpc `xml:"vpcSet>item"`
	NextToken string   `xml:"nextToken,omitempty"`
}

type ec2Subnet struct {
	SubnetID                string   `xml:"subnetId"`
	SubnetArn               string   `xml:"subnetArn"`
	OwnerID                 string   `xml:"ownerId"`
	State                   string   `xml:"state"`
	VpcID                   string   `xml:"vpcId"`
	CidrBlock               string   `xml:"cidrBlock"`
	AvailableIPAddressCount int      `xml:"availableIpAddressCount"`
	AvailabilityZone        string   `xml:"availabilityZone"`
	DefaultForAz            bool     `xml:"defaultForAz"`
	MapPublicIPOnLaunch     bool     `xml:"mapPublicIpOnLaunch"`
	Tags                    []ec2Tag `xml:"tagSet>item"`
}

type ec2DescribeSubnetsResult struct {
	Subnets   []ec2Subnet `xml:"subnetSet>item"`
	NextToken string      `xml:"nextToken,omitempty"`
}

type ec2Image struct {
	ImageID            string `xml:"imageId"`
	ImageLocation      string `xml:"imageLocation"`
	ImageState         string `xml:"imageState"`
	ImageOwnerID       string `xml:"imageOwnerId"`
	CreationDate       string `xml:"creationDate"`
	IsPublic           bool   `xml:"isPublic"`
	Architecture       string `xml:"architecture"`
	ImageType          string `xml:"imageType"`
	ImageOwnerAlias    string `xml:"imageOwnerAlias,omitempty"`
	Name               string `xml:"name"`
	Description        string `xml:"description"`
	RootDeviceType     string `xml:"rootDeviceType"`
	RootDeviceName     string `xml:"rootDeviceName"`
	VirtualizationType string `xml:"virtualizationType"`
	Hypervisor         string `xml:"hypervisor"`
	EnaSupport         bool   `xml:"enaSupport"`
}

type ec2DescribeImagesResult struct {
	Images    []ec2Image `xml:"imagesSet>item"`
	NextToken string     `xml:"nextToken,omitempty"`
}
