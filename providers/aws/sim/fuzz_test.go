package sim

import (
	"strings"
	"testing"
	"time"
)

// FuzzParseQuery feeds arbitrary Query-protocol bodies to the decoder and the list readers every EC2 and ELBv2
// handler uses: they must fail cleanly, never panic or allocate by a hostile index.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{
		"Action=RunInstances&Version=2016-11-15&ImageId=ami-1&MinCount=1&MaxCount=1",
		"Action=DescribeInstances&Filter.1.Name=tag%3Ainfra%3Atoken&Filter.1.Value.1=abc&InstanceId.2=i-1",
		"Action=AuthorizeSecurityGroupIngress&IpPermissions.1.IpRanges.1.CidrIp=0.0.0.0%2F0&IpPermissions.1.FromPort=80",
		"Subnets.member.1=subnet-1&Tags.member.1.Key=k&Tags.member.1.Value=v",
		"InstanceId.0=x&InstanceId.-1=y&InstanceId.99999999999999999999=z",
		"%zz=1&a=%",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := parseQuery(body)
		if err != nil {
			return
		}
		for _, list := range []string{"InstanceId", "Filter", "IpPermissions", "Subnets.member", "Tags.member", "TagSpecification"} {
			ms, err := p.members(list)
			if err != nil {
				continue
			}
			for _, m := range ms {
				_, _ = m.strings("Value")
				_, _ = m.members("IpRanges")
				_, _ = m.intOr("FromPort", 0)
				_, _ = m.boolOr("AssociatePublicIpAddress", false)
			}
		}
		_, _ = parseFilters(p)
		_, _ = tagSpecs(p, "instance")
		_, _ = parseELBTags(p)
	})
}

// FuzzQueryHandlers runs arbitrary bodies through the whole EC2 and ELBv2 request path of a simulator: any
// input must give an AWS error or a response, never a panic.
func FuzzQueryHandlers(f *testing.F) {
	for _, s := range []string{
		"Action=RunInstances&Version=2016-11-15&ImageId=ami-1&MinCount=1&MaxCount=1",
		"Action=CreateSecurityGroup&Version=2016-11-15&GroupName=g&GroupDescription=d",
		"Action=AuthorizeSecurityGroupIngress&Version=2016-11-15&GroupName=default&IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=1&IpPermissions.1.ToPort=2&IpPermissions.1.IpRanges.1.CidrIp=1.2.3.4%2F32",
		"Action=CreateLoadBalancer&Version=2015-12-01&Name=x&Subnets.member.1=subnet-1",
		"Action=CreateListener&Version=2015-12-01&LoadBalancerArn=x&Port=80&Protocol=HTTP&DefaultActions.member.1.Type=forward",
		"Action=DescribeTargetHealth&Version=2015-12-01&TargetGroupArn=x&Targets.member.1.Id=i-1",
	} {
		f.Add([]byte(s))
	}
	s := New(Options{Timing: Timing{InstanceStart: time.Millisecond}})
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := parseQuery(body)
		if err != nil {
			return
		}
		h := s.ec2Handler(p.get("Action"))
		if p.get("Version") == elbv2Version {
			h = s.elbv2Handler(p.get("Action"))
		}
		if h == nil {
			return
		}
		out, aerr := s.run(nil, p.get("Action"), p, nil, h)
		if aerr == nil {
			if _, err := ec2Response(p.get("Action"), "r", out); err != nil {
				t.Fatalf("encode: %v", err)
			}
		}
	})
}

// FuzzRoute53Bodies feeds arbitrary XML to the Route 53 request decoders and handlers.
func FuzzRoute53Bodies(f *testing.F) {
	for _, s := range []string{
		`<CreateHostedZoneRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Name>example.com</Name><CallerReference>r</CallerReference></CreateHostedZoneRequest>`,
		`<ChangeResourceRecordSetsRequest><ChangeBatch><Changes><Change><Action>CREATE</Action><ResourceRecordSet><Name>a.example.com</Name><Type>A</Type><TTL>60</TTL><ResourceRecords><ResourceRecord><Value>1.2.3.4</Value></ResourceRecord></ResourceRecords></ResourceRecordSet></Change></Changes></ChangeBatch></ChangeResourceRecordSetsRequest>`,
		`<ChangeTagsForResourceRequest><AddTags><Tag><Key>k</Key><Value>v</Value></Tag></AddTags><RemoveTagKeys><Key>x</Key></RemoveTagKeys></ChangeTagsForResourceRequest>`,
		`<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>`,
		`<UpdateHostedZoneCommentRequest><Comment>c</Comment></UpdateHostedZoneCommentRequest>`,
	} {
		f.Add([]byte(s))
	}
	s := New(Options{})
	f.Fuzz(func(t *testing.T, body []byte) {
		var a r53CreateHostedZoneRequest
		_ = decodeXMLBody(body, &a)
		var b r53ChangeBatchRequest
		_ = decodeXMLBody(body, &b)
		var c r53ChangeTagsRequest
		_ = decodeXMLBody(body, &c)
		var d r53UpdateCommentRequest
		_ = decodeXMLBody(body, &d)
		// Through the handlers, against a zone that exists.
		s.mu.Lock()
		var zid string
		for id := range s.st.zones {
			zid = id
		}
		s.mu.Unlock()
		if zid == "" {
			r := &request{body: []byte(`<CreateHostedZoneRequest><Name>example.com</Name><CallerReference>seed</CallerReference></CreateHostedZoneRequest>`)}
			s.mu.Lock()
			out, aerr := s.createHostedZone(r)
			s.mu.Unlock()
			if aerr != nil {
				t.Fatalf("seed zone: %v", aerr)
			}
			zid = strings.TrimPrefix(out.(r53CreateHostedZoneResponse).HostedZone.ID, "/hostedzone/")
		}
		for _, h := range []func(*request) (any, *apiError){s.createHostedZone, s.changeResourceRecordSets, s.changeTagsForResource, s.updateHostedZoneComment} {
			r := &request{body: body, http: fakeRoute53Request("/2013-04-01/hostedzone/" + zid + "/rrset")}
			s.mu.Lock()
			_, _ = h(r)
			s.mu.Unlock()
		}
	})
}

// FuzzFaultsJSON feeds arbitrary JSON to the run-time fault setting decoder.
func FuzzFaultsJSON(f *testing.F) {
	for _, s := range []string{`{"throttle":0.2,"errors":0.05,"latency":"20ms"}`, `{"latency":5}`, `{"consistencyWindow":"x"}`, `[]`, `null`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := decodeFaults(body, Faults{})
		if err == nil {
			if verr := got.Validate(); verr != nil {
				t.Fatalf("decodeFaults accepted invalid faults %+v: %v", got, verr)
			}
		}
	})
}
