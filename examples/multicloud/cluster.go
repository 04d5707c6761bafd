// Package multicloud is what the example's two projects agree on: the web project (web/) exports its clusters
// as Clusters, and the DNS project (dns/) reads them back through a stack reference into the same type.
package multicloud

// The web project's outputs the DNS project reads.
const (
	// ClustersOutput maps each cloud ("aws", "gcp", "digitalocean") to its Cluster.
	ClustersOutput = "clusters"
	// DomainOutput is the parent domain: each cloud's cluster serves www.<cloud>.<domain>.
	DomainOutput = "domain"
)

// Cluster is one cloud's web cluster, as the web project exports it.
type Cluster struct {
	// URL is the site, http://www.<cloud>.<domain>/.
	URL string `infra:"url"`
	// Zone is the cluster's own DNS zone, <cloud>.<domain>.
	Zone string `infra:"zone"`
	// LoadBalancer is the load balancer's address (a DNS name on AWS, an IP address elsewhere).
	LoadBalancer string `infra:"loadBalancer"`
	// Addresses are the VMs' public IPv4 addresses.
	Addresses []string `infra:"addresses"`
	// NameServers serve Zone: the parent domain delegates Zone to them.
	NameServers []string `infra:"nameServers"`
}
