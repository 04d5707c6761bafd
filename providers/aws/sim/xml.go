package sim

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"strconv"
)

// XML namespaces of the simulated APIs.
const (
	ec2Namespace     = "http://ec2.amazonaws.com/doc/2016-11-15/"
	elbv2Namespace   = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"
	route53Namespace = "https://route53.amazonaws.com/doc/2013-04-01/"
)

// encodeRoot encodes body as the element root with namespace ns, and inserts extra (already encoded) right
// after the root's start tag.
func encodeRoot(root, ns string, body any, extra []byte) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	start := xml.StartElement{Name: xml.Name{Local: root}}
	if ns != "" {
		start.Attr = []xml.Attr{{Name: xml.Name{Local: "xmlns"}, Value: ns}}
	}
	var inner bytes.Buffer
	enc := xml.NewEncoder(&inner)
	if body == nil {
		body = struct{}{}
	}
	if err := enc.EncodeElement(body, start); err != nil {
		return nil, err
	}
	if err := enc.Flush(); err != nil {
		return nil, err
	}
	b := inner.Bytes()
	if len(extra) > 0 {
		i := bytes.IndexByte(b, '>')
		if i < 0 {
			return nil, errEncode
		}
		b = append(append(append([]byte(nil), b[:i+1]...), extra...), b[i+1:]...)
	}
	buf.Write(b)
	return buf.Bytes(), nil
}

// escapeText returns s escaped as XML character data.
func escapeText(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// writeXML sends an XML document with status.
func writeXML(w http.ResponseWriter, status int, doc []byte) {
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(doc)))
	w.WriteHeader(status)
	_, _ = w.Write(doc)
}

// errEncode is returned when a response cannot be encoded: a bug in the simulator, answered with a 500.
var errEncode = &apiError{Status: http.StatusInternalServerError, Code: "InternalError", Message: "the simulator could not encode its response"}

// ec2Response renders a successful EC2 response: <ActionResponse xmlns=...><requestId>...</requestId>body...
func ec2Response(action, requestID string, body any) ([]byte, error) {
	return encodeRoot(action+"Response", ec2Namespace, body, []byte("<requestId>"+escapeText(requestID)+"</requestId>"))
}

// ec2ErrorDoc renders an EC2 error: <Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>.
func ec2ErrorDoc(e *apiError, requestID string) []byte {
	return []byte(xml.Header + "<Response><Errors><Error><Code>" + escapeText(e.Code) + "</Code><Message>" +
		escapeText(e.Message) + "</Message></Error></Errors><RequestID>" + escapeText(requestID) + "</RequestID></Response>")
}

// queryResponse renders a successful ELBv2 (awsquery) response:
// <ActionResponse xmlns=...><ActionResult>body</ActionResult><ResponseMetadata><RequestId/></ResponseMetadata></ActionResponse>.
func queryResponse(action, requestID string, body any) ([]byte, error) {
	result, err := encodeRoot(action+"Result", "", body, nil)
	if err != nil {
		return nil, err
	}
	result = bytes.TrimPrefix(result, []byte(xml.Header))
	meta := "<ResponseMetadata><RequestId>" + escapeText(requestID) + "</RequestId></ResponseMetadata>"
	return []byte(xml.Header + "<" + action + "Response xmlns=\"" + elbv2Namespace + "\">" + string(result) + meta +
		"</" + action + "Response>"), nil
}

// typedErrorDoc renders an ELBv2 or Route 53 error:
// <ErrorResponse xmlns=...><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>.
func typedErrorDoc(ns string, e *apiError, requestID string) []byte {
	typ := "Sender"
	if e.Status >= 500 {
		typ = "Receiver"
	}
	return []byte(xml.Header + "<ErrorResponse xmlns=\"" + ns + "\"><Error><Type>" + typ + "</Type><Code>" +
		escapeText(e.Code) + "</Code><Message>" + escapeText(e.Message) + "</Message></Error><RequestId>" +
		escapeText(requestID) + "</RequestId></ErrorResponse>")
}
