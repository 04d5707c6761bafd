package sim

// The XML shapes of ELBv2's responses (awsquery: upper camel case, lists as <member>s).

// elbTime is the timestamp format of ELBv2 responses.
const elbTime = "2006-01-02T15:04:05.000Z"

type elbTag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

func elbTags(t tagMap) []elbTag {
	out := make([]elbTag, 0, len(t))
	for _, k := range t.keys() {
		out = append(out, elbTag{Key: k, Value: t[k]})
	}
	return out
}

type elbState struct {
	Code   string `xml:"Code"`
	Reason string `xml:"Reason,omitempty"`
}

type elbAZ struct {
	ZoneName string `xml:"ZoneName"`
	SubnetID string `xml:"SubnetId"`
}

type elbLoadBalancer struct {
	LoadBalancerArn       string   `xml:"LoadBalancerArn"`
	DNSName               string   `xml:"DNSName"`
	CanonicalHostedZoneID string   `xml:"CanonicalHostedZoneId"`
	CreatedTime           string   `xml:"CreatedTime"`
	LoadBalancerName      string   `xml:"LoadBalancerName"`
	Scheme                string   `xml:"Scheme"`
	VpcID                 string   `xml:"VpcId"`
	State                 elbState `xml:"State"`
	Type                  string   `xml:"Type"`
	AvailabilityZones     []elbAZ  `xml:"AvailabilityZones>member"`
	SecurityGroups        []string `xml:"SecurityGroups>member"`
	IPAddressType         string   `xml:"IpAddressType"`
}

type elbLoadBalancersResult struct {
	LoadBalancers []elbLoadBalancer `xml:"LoadBalancers>member"`
	NextMarker    string            `xml:"NextMarker,omitempty"`
}

type elbMatcher struct {
	HTTPCode string `xml:"HttpCode"`
}

type elbTargetGroup struct {
	TargetGroupArn             string      `xml:"TargetGroupArn"`
	TargetGroupName            string      `xml:"TargetGroupName"`
	Protocol                   string      `xml:"Protocol"`
	ProtocolVersion            string      `xml:"ProtocolVersion,omitempty"`
	Port                       int         `xml:"Port"`
	VpcID                      string      `xml:"VpcId"`
	HealthCheckProtocol        string      `xml:"HealthCheckProtocol"`
	HealthCheckPort            string      `xml:"HealthCheckPort"`
	HealthCheckEnabled         bool        `xml:"HealthCheckEnabled"`
	HealthCheckIntervalSeconds int         `xml:"HealthCheckIntervalSeconds"`
	HealthCheckTimeoutSeconds  int         `xml:"HealthCheckTimeoutSeconds"`
	HealthyThresholdCount      int         `xml:"HealthyThresholdCount"`
	UnhealthyThresholdCount    int         `xml:"UnhealthyThresholdCount"`
	HealthCheckPath            string      `xml:"HealthCheckPath,omitempty"`
	Matcher                    *elbMatcher `xml:"Matcher,omitempty"`
	LoadBalancerArns           []string    `xml:"LoadBalancerArns>member"`
	TargetType                 string      `xml:"TargetType"`
	IPAddressType              string      `xml:"IpAddressType"`
}

type elbTargetGroupsResult struct {
	TargetGroups []elbTargetGroup `xml:"TargetGroups>member"`
	NextMarker   string           `xml:"NextMarker,omitempty"`
}

type elbCertificate struct {
	CertificateArn string `xml:"CertificateArn"`
}

type elbFixedResponse struct {
	MessageBody string `xml:"MessageBody,omitempty"`
	StatusCode  string `xml:"StatusCode"`
	ContentType string `xml:"ContentType,omitempty"`
}

type elbRedirect struct {
	Protocol   string `xml:"Protocol,omitempty"`
	Port       string `xml:"Port,omitempty"`
	Host       string `xml:"Host,omitempty"`
	Path       string `xml:"Path,omitempty"`
	Query      string `xml:"Query,omitempty"`
	StatusCode string `xml:"StatusCode"`
}

type elbWeightedTG struct {
	TargetGroupArn string `xml:"TargetGroupArn"`
	Weight         int    `xml:"Weight"`
}

type elbForward struct {
	TargetGroups []elbWeightedTG `xml:"TargetGroups>member"`
}

type elbAction struct {
	Type                string            `xml:"Type"`
	TargetGroupArn      string            `xml:"TargetGroupArn,omitempty"`
	Order               int               `xml:"Order,omitempty"`
	FixedResponseConfig *elbFixedResponse `xml:"FixedResponseConfig,omitempty"`
	RedirectConfig      *elbRedirect      `xml:"RedirectConfig,omitempty"`
	ForwardConfig       *elbForward       `xml:"ForwardConfig,omitempty"`
}

type elbListener struct {
	ListenerArn     string           `xml:"ListenerArn"`
	LoadBalancerArn string           `xml:"LoadBalancerArn"`
	Port            int              `xml:"Port"`
	Protocol        string           `xml:"Protocol"`
	Certificates    []elbCertificate `xml:"Certificates>member"`
	SslPolicy       string           `xml:"SslPolicy,omitempty"`
	DefaultActions  []elbAction      `xml:"DefaultActions>member"`
}

type elbListenersResult struct {
	Listeners  []elbListener `xml:"Listeners>member"`
	NextMarker string        `xml:"NextMarker,omitempty"`
}

type elbTagDescription struct {
	ResourceArn string   `xml:"ResourceArn"`
	Tags        []elbTag `xml:"Tags>member"`
}

type elbDescribeTagsResult struct {
	TagDescriptions []elbTagDescription `xml:"TagDescriptions>member"`
}

type elbTarget struct {
	ID   string `xml:"Id"`
	Port int    `xml:"Port"`
}

type elbTargetHealth struct {
	State       string `xml:"State"`
	Reason      string `xml:"Reason,omitempty"`
	Description string `xml:"Description,omitempty"`
}

type elbTargetHealthDescription struct {
	Target          elbTarget       `xml:"Target"`
	HealthCheckPort string          `xml:"HealthCheckPort"`
	TargetHealth    elbTargetHealth `xml:"TargetHealth"`
}

type elbTargetHealthResult struct {
	TargetHealthDescriptions []elbTargetHealthDescription `xml:"TargetHealthDescriptions>member"`
}

type elbSetSecurityGroupsResult struct {
	SecurityGroupIDs []string `xml:"SecurityGroupIds>member"`
}

type elbSetSubnetsResult struct {
	AvailabilityZones []elbAZ `xml:"AvailabilityZones>member"`
	IPAddressType     string  `xml:"IpAddressType"`
}

type elbSetIPAddressTypeResult struct {
	IPAddressType string `xml:"IpAddressType"`
}

// elbEmpty is the result of operations that return nothing.
type elbEmpty struct{}
