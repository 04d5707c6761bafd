package sim

import "encoding/xml"

// The XML shapes of Route 53's requests and responses (REST-XML: upper camel case, lists of named members).

// r53Time is the timestamp format of Route 53 responses.
const r53Time = "2006-01-02T15:04:05.000Z"

type r53Config struct {
	Comment     string `xml:"Comment,omitempty"`
	PrivateZone bool   `xml:"PrivateZone"`
}

type r53HostedZone struct {
	ID                     string    `xml:"Id"`
	Name                   string    `xml:"Name"`
	CallerReference        string    `xml:"CallerReference"`
	Config                 r53Config `xml:"Config"`
	ResourceRecordSetCount int       `xml:"ResourceRecordSetCount"`
}

type r53ChangeInfo struct {
	ID          string `xml:"Id"`
	Status      string `xml:"Status"`
	SubmittedAt string `xml:"SubmittedAt"`
	Comment     string `xml:"Comment,omitempty"`
}

type r53DelegationSet struct {
	NameServers []string `xml:"NameServers>NameServer"`
}

type r53VPC struct {
	VPCRegion string `xml:"VPCRegion"`
	VPCID     string `xml:"VPCId"`
}

type r53CreateHostedZoneResponse struct {
	HostedZone    r53HostedZone     `xml:"HostedZone"`
	ChangeInfo    r53ChangeInfo     `xml:"ChangeInfo"`
	DelegationSet *r53DelegationSet `xml:"DelegationSet,omitempty"`
	VPC           *r53VPC           `xml:"VPC,omitempty"`
}

type r53GetHostedZoneResponse struct {
	HostedZone    r53HostedZone     `xml:"HostedZone"`
	DelegationSet *r53DelegationSet `xml:"DelegationSet,omitempty"`
	VPCs          []r53VPC          `xml:"VPCs>VPC"`
}

type r53ChangeInfoResponse struct {
	ChangeInfo r53ChangeInfo `xml:"ChangeInfo"`
}

type r53UpdateCommentResponse struct {
	HostedZone r53HostedZone `xml:"HostedZone"`
}

type r53ListHostedZonesResponse struct {
	HostedZones []r53HostedZone `xml:"HostedZones>HostedZone"`
	Marker      string          `xml:"Marker,omitempty"`
	IsTruncated bool            `xml:"IsTruncated"`
	NextMarker  string          `xml:"NextMarker,omitempty"`
	MaxItems    int             `xml:"MaxItems"`
}

type r53ResourceRecord struct {
	Value string `xml:"Value"`
}

type r53AliasTarget struct {
	HostedZoneID         string `xml:"HostedZoneId"`
	DNSName              string `xml:"DNSName"`
	EvaluateTargetHealth bool   `xml:"EvaluateTargetHealth"`
}

type r53RecordSet struct {
	Name            string              `xml:"Name"`
	Type            string              `xml:"Type"`
	SetIdentifier   string              `xml:"SetIdentifier,omitempty"`
	TTL             *int                `xml:"TTL,omitempty"`
	ResourceRecords []r53ResourceRecord `xml:"ResourceRecords>ResourceRecord"`
	AliasTarget     *r53AliasTarget     `xml:"AliasTarget,omitempty"`
}

type r53ListRecordSetsResponse struct {
	ResourceRecordSets []r53RecordSet `xml:"ResourceRecordSets>ResourceRecordSet"`
	IsTruncated        bool           `xml:"IsTruncated"`
	NextRecordName     string         `xml:"NextRecordName,omitempty"`
	NextRecordType     string         `xml:"NextRecordType,omitempty"`
	MaxItems           int            `xml:"MaxItems"`
}

type r53Tag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

type r53TagSet struct {
	ResourceType string   `xml:"ResourceType"`
	ResourceID   string   `xml:"ResourceId"`
	Tags         []r53Tag `xml:"Tags>Tag"`
}

type r53ListTagsResponse struct {
	ResourceTagSet r53TagSet `xml:"ResourceTagSet"`
}

type r53Empty struct{}

// Request bodies.

type r53CreateHostedZoneRequest struct {
	XMLName          xml.Name `xml:"CreateHostedZoneRequest"`
	Name             string   `xml:"Name"`
	CallerReference  string   `xml:"CallerReference"`
	HostedZoneConfig *struct {
		Comment     string `xml:"Comment"`
		PrivateZone bool   `xml:"PrivateZone"`
	} `xml:"HostedZoneConfig"`
	VPC *r53VPC `xml:"VPC"`
}

type r53UpdateCommentRequest struct {
	XMLName xml.Name `xml:"UpdateHostedZoneCommentRequest"`
	Comment string   `xml:"Comment"`
}

type r53ChangeBatchRequest struct {
	XMLName     xml.Name `xml:"ChangeResourceRecordSetsRequest"`
	ChangeBatch struct {
		Comment string `xml:"Comment"`
		Changes []struct {
			Action            string       `xml:"Action"`
			ResourceRecordSet r53RecordSet `xml:"ResourceRecordSet"`
		} `xml:"Changes>Change"`
	} `xml:"ChangeBatch"`
}

type r53ChangeTagsRequest struct {
	XMLName       xml.Name `xml:"ChangeTagsForResourceRequest"`
	AddTags       []r53Tag `xml:"AddTags>Tag"`
	RemoveTagKeys []string `xml:"RemoveTagKeys>Key"`
}
