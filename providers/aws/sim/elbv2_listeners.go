package sim

import (
	"fmt"
	"strings"
)

func (s *Server) listenerXML(l *listener) elbListener {
	x := elbListener{ListenerArn: l.arn, LoadBalancerArn: l.lbArn, Port: l.port, Protocol: l.protocol, SslPolicy: l.sslPolicy}
	for _, c := range l.certs {
		x.Certificates = append(x.Certificates, elbCertificate{CertificateArn: c})
	}
	for _, a := range l.actions {
		xa := elbAction{Type: a.typ, TargetGroupArn: a.targetGroupArn, Order: a.order}
		switch a.typ {
		case "forward":
			xa.ForwardConfig = &elbForward{TargetGroups: []elbWeightedTG{{TargetGroupArn: a.targetGroupArn, Weight: 1}}}
		case "fixed-response":
			xa.FixedResponseConfig = &elbFixedResponse{StatusCode: a.statusCode, ContentType: a.contentType, MessageBody: a.body}
		case "redirect":
			xa.RedirectConfig = &elbRedirect{Protocol: a.redirectProtocol, Port: a.redirectPort, Host: a.redirectHost,
				Path: a.redirectPath, Query: a.redirectQuery, StatusCode: a.redirectStatusCode}
		}
		x.DefaultActions = append(x.DefaultActions, xa)
	}
	return x
}

// parseActions reads DefaultActions.member.N: forward (TargetGroupArn, or ForwardConfig with one target
// group), fixed-response and redirect. Forwarded-to groups must exist and not be used by another load
// balancer.
func (s *Server) parseActions(r *request, lb *loadBalancer) ([]action, *apiError) {
	ms, err := r.p.members("DefaultActions.member")
	if err != nil {
		return nil, validationError("%v", err)
	}
	if len(ms) == 0 {
		return nil, validationError("DefaultActions must hold at least one action")
	}
	var out []action
	for _, m := range ms {
		a := action{typ: m.get("Type")}
		a.order, _ = m.intOr("Order", 0)
		switch a.typ {
		case "forward":
			a.targetGroupArn = m.get("TargetGroupArn")
			if a.targetGroupArn == "" {
				a.targetGroupArn = m.get("ForwardConfig.TargetGroups.member.1.TargetGroupArn")
			}
			tg, ok := s.st.tgs[a.targetGroupArn]
			if !ok || !tg.visible(r.now) {
				return nil, tgNotFound(a.targetGroupArn)
			}
			for _, other := range s.tgLoadBalancers(tg.arn) {
				if other != lb.arn {
					return nil, badRequest("TargetGroupAssociationLimit", "The following target groups cannot be associated with more than one load balancer: %s", tg.arn)
				}
			}
			if (lb.typ == "application") != (tg.protocol == "HTTP" || tg.protocol == "HTTPS") {
				return nil, badRequest("IncompatibleProtocols", "The target group protocol %s is not compatible with a %s load balancer", tg.protocol, lb.typ)
			}
		case "fixed-response":
			a.statusCode = m.get("FixedResponseConfig.StatusCode")
			a.contentType = m.get("FixedResponseConfig.ContentType")
			a.body = m.get("FixedResponseConfig.MessageBody")
			if len(a.statusCode) != 3 || (a.statusCode[0] != '2' && a.statusCode[0] != '4' && a.statusCode[0] != '5') {
				return nil, validationError("Fixed response status code '%s' must be 2XX, 4XX or 5XX", a.statusCode)
			}
		case "redirect":
			a.redirectProtocol = m.get("RedirectConfig.Protocol")
			a.redirectPort = m.get("RedirectConfig.Port")
			a.redirectHost = m.get("RedirectConfig.Host")
			a.redirectPath = m.get("RedirectConfig.Path")
			a.redirectQuery = m.get("RedirectConfig.Query")
			a.redirectStatusCode = m.get("RedirectConfig.StatusCode")
			if a.redirectStatusCode != "HTTP_301" && a.redirectStatusCode != "HTTP_302" {
				return nil, validationError("Redirect status code must be HTTP_301 or HTTP_302")
			}
		default:
			return nil, validationError("Action type '%s' is not valid (the simulator knows forward, fixed-response and redirect)", a.typ)
		}
		if a.typ != "forward" && lb.typ == "network" {
			return nil, badRequest("InvalidLoadBalancerAction", "Network load balancers only support forward actions")
		}
		out = append(out, a)
	}
	return out, nil
}

// checkListener validates a listener's protocol, port and certificates for its load balancer.
func checkListener(lb *loadBalancer, proto string, port int, certs []string) *apiError {
	if port < 1 || port > 65535 {
		return validationError("Port must be between 1 and 65535")
	}
	switch lb.typ {
	case "application":
		if proto != "HTTP" && proto != "HTTPS" {
			return badRequest("UnsupportedProtocol", "Protocol '%s' is not supported by application load balancers", proto)
		}
	default:
		if proto != "TCP" && proto != "TLS" && proto != "UDP" && proto != "TCP_UDP" {
			return badRequest("UnsupportedProtocol", "Protocol '%s' is not supported by network load balancers", proto)
		}
	}
	if (proto == "HTTPS" || proto == "TLS") && len(certs) == 0 {
		return validationError("A certificate must be specified for %s listeners", proto)
	}
	for _, c := range certs {
		if !strings.HasPrefix(c, "arn:aws:acm:") && !strings.HasPrefix(c, "arn:aws:iam:") {
			return badRequest("CertificateNotFound", "Certificate '%s' not found", c)
		}
	}
	return nil
}

// createListener implements CreateListener: LoadBalancerArn, Protocol, Port, DefaultActions.member.N,
// Certificates.member.N, SslPolicy, Tags.member.N. A second listener on a port is DuplicateListener.
func (s *Server) createListener(r *request) (any, *apiError) {
	lb, aerr := s.findLB(r)
	if aerr != nil {
		return nil, aerr
	}
	proto := r.p.get("Protocol")
	port, err := r.p.intOr("Port", 0)
	if err != nil {
		return nil, validationError("%v", err)
	}
	ms, err := r.p.members("Certificates.member")
	if err != nil {
		return nil, validationError("%v", err)
	}
	var certArns []string
	for _, m := range ms {
		certArns = append(certArns, m.get("CertificateArn"))
	}
	if aerr := checkListener(lb, proto, port, certArns); aerr != nil {
		return nil, aerr
	}
	actions, aerr := s.parseActions(r, lb)
	if aerr != nil {
		return nil, aerr
	}
	tags, aerr := parseELBTags(r.p)
	if aerr != nil {
		return nil, aerr
	}
	for _, l := range s.st.listeners {
		if l.lbArn == lb.arn && l.port == port {
			return nil, badRequest("DuplicateListener", "A listener already exists on this port for this load balancer")
		}
	}
	l := &listener{object: s.st.newObject(r.now, r.window), lbArn: lb.arn, protocol: proto, port: port,
		actions: actions, certs: certArns, sslPolicy: r.p.get("SslPolicy"), tags: tags}
	if (proto == "HTTPS" || proto == "TLS") && l.sslPolicy == "" {
		l.sslPolicy = "ELBSecurityPolicy-2016-08"
	}
	l.arn = fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:listener/%s/%s", s.opts.Region, s.opts.AccountID, lb.idPart(), randomHex(16))
	s.st.listeners[l.arn] = l
	return elbListenersResult{Listeners: []elbListener{s.listenerXML(l)}}, nil
}

// describeListeners implements DescribeListeners: LoadBalancerArn or ListenerArns.member.N, Marker, PageSize.
func (s *Server) describeListeners(r *request) (any, *apiError) {
	arns, err := r.p.strings("ListenerArns.member")
	if err != nil {
		return nil, validationError("%v", err)
	}
	lbArn := r.p.get("LoadBalancerArn")
	if lbArn == "" && len(arns) == 0 {
		return nil, validationError("You must specify either listener ARNs or a load balancer ARN")
	}
	size, aerr := s.elbPageSize(r.p)
	if aerr != nil {
		return nil, aerr
	}
	if lbArn != "" {
		if lb, ok := s.st.lbs[lbArn]; !ok || !lb.visible(r.now) {
			return nil, lbNotFound(lbArn)
		}
	}
	for _, arn := range arns {
		if l, ok := s.st.listeners[arn]; !ok || !l.visible(r.now) {
			return nil, listenerNotFound(arn)
		}
	}
	var match []*listener
	for _, l := range bySeq(s.st.listeners, func(l *listener) int { return l.seq }) {
		if !l.visible(r.now) || (lbArn != "" && l.lbArn != lbArn) || (len(arns) > 0 && !contains(arns, l.arn)) {
			continue
		}
		match = append(match, l)
	}
	items, next, ok := page(match, func(l *listener) int { return l.seq }, r.p.get("Marker"), size)
	if !ok {
		return nil, badMarker()
	}
	out := elbListenersResult{NextMarker: next}
	for _, l := range items {
		out.Listeners = append(out.Listeners, s.listenerXML(l))
	}
	return out, nil
}

func (s *Server) findListener(r *request) (*listener, *apiError) {
	arn := r.p.get("ListenerArn")
	if arn == "" {
		return nil, validationError("ListenerArn is required")
	}
	l, ok := s.st.listeners[arn]
	if !ok || !l.visible(r.now) {
		return nil, listenerNotFound(arn)
	}
	return l, nil
}

// modifyListener implements ModifyListener: Port, Protocol, DefaultActions, Certificates, SslPolicy.
func (s *Server) modifyListener(r *request) (any, *apiError) {
	l, aerr := s.findListener(r)
	if aerr != nil {
		return nil, aerr
	}
	lb := s.st.lbs[l.lbArn]
	if lb == nil {
		return nil, lbNotFound(l.lbArn)
	}
	proto, port, certs := l.protocol, l.port, l.certs
	if v := r.p.get("Protocol"); v != "" {
		proto = v
	}
	if r.p.has("Port") {
		n, err := r.p.intOr("Port", 0)
		if err != nil {
			return nil, validationError("%v", err)
		}
		port = n
	}
	if r.p.hasSub("Certificates") {
		ms, err := r.p.members("Certificates.member")
		if err != nil {
			return nil, validationError("%v", err)
		}
		certs = nil
		for _, m := range ms {
			certs = append(certs, m.get("CertificateArn"))
		}
	}
	if proto != "HTTPS" && proto != "TLS" {
		certs = nil
	}
	if aerr := checkListener(lb, proto, port, certs); aerr != nil {
		return nil, aerr
	}
	actions := l.actions
	if r.p.hasSub("DefaultActions") {
		if actions, aerr = s.parseActions(r, lb); aerr != nil {
			return nil, aerr
		}
	}
	for _, o := range s.st.listeners {
		if o != l && o.lbArn == l.lbArn && o.port == port {
			return nil, badRequest("DuplicateListener", "A listener already exists on this port for this load balancer")
		}
	}
	l.protocol, l.port, l.certs, l.actions = proto, port, certs, actions
	if v := r.p.get("SslPolicy"); v != "" {
		l.sslPolicy = v
	}
	if proto != "HTTPS" && proto != "TLS" {
		l.sslPolicy = ""
	} else if l.sslPolicy == "" {
		l.sslPolicy = "ELBSecurityPolicy-2016-08"
	}
	return elbListenersResult{Listeners: []elbListener{s.listenerXML(l)}}, nil
}

// deleteListener implements DeleteListener.
func (s *Server) deleteListener(r *request) (any, *apiError) {
	l, aerr := s.findListener(r)
	if aerr != nil {
		return nil, aerr
	}
	delete(s.st.listeners, l.arn)
	return elbEmpty{}, nil
}
