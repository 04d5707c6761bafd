package awskms

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
)

// maxRequest bounds a request body; the largest legal request (a 6 KiB ciphertext, base64, with context and
// grant tokens) is far below it.
const maxRequest = 1 << 20

const (
	contentType  = "application/x-amz-json-1.1"
	targetPrefix = "TrentService."
)

// ServeHTTP implements the JSON 1.1 protocol: POST / with X-Amz-Target: TrentService.<Operation>.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	requestID := newRequestID()
	out, aerr := s.handle(r)
	w.Header().Set("x-amzn-RequestId", requestID)
	w.Header().Set("Content-Type", contentType)
	if aerr != nil {
		w.WriteHeader(aerr.Status)
		_ = json.NewEncoder(w).Encode(map[string]string{"__type": aerr.Type, "message": aerr.Message})
		return
	}
	body, err := json.Marshal(out)
	if err != nil {
		w.WriteHeader(http.StatusInternalServerError)
		_ = json.NewEncoder(w).Encode(map[string]string{"__type": "KMSInternalException", "message": "encode response"})
		return
	}
	_, _ = w.Write(body)
}

// handle decodes, authenticates and runs one request.
func (s *Server) handle(r *http.Request) (any, *apiError) {
	if r.Method != http.MethodPost || r.URL.Path != "/" {
		return nil, errorf(http.StatusNotFound, "UnknownOperationException", "")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequest+1))
	if err != nil {
		return nil, errorf(http.StatusBadRequest, "SerializationException", "cannot read the request body")
	}
	if len(body) > maxRequest {
		return nil, errorf(http.StatusRequestEntityTooLarge, "ValidationException", "request body is larger than %d bytes", maxRequest)
	}
	c, aerr := s.authenticate(r, body)
	if aerr != nil {
		return nil, aerr
	}
	op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), targetPrefix)
	if !ok {
		return nil, errorf(http.StatusBadRequest, "UnknownOperationException", "")
	}
	if ct := r.Header.Get("Content-Type"); ct != contentType && !strings.HasPrefix(ct, contentType+";") {
		return nil, errorf(http.StatusBadRequest, "SerializationException", "Content-Type must be %s", contentType)
	}
	if f, ok := s.takeFault(op); ok {
		status := http.StatusBadRequest
		if strings.Contains(f.errType, "Internal") || strings.Contains(f.errType, "Unavailable") {
			status = http.StatusInternalServerError
		}
		return nil, errorf(status, f.errType, "%s", f.message)
	}
	return s.dispatch(c, op, body)
}

// dispatch decodes the body for op and runs it.
func (s *Server) dispatch(c caller, op string, body []byte) (any, *apiError) {
	switch op {
	case "Encrypt":
		var in encryptInput
		if aerr := decode(body, &in); aerr != nil {
			return nil, aerr
		}
		return s.encrypt(c, in)
	case "Decrypt":
		var in decryptInput
		if aerr := decode(body, &in); aerr != nil {
			return nil, aerr
		}
		return s.decrypt(c, in)
	case "GenerateDataKey":
		var in generateDataKeyInput
		if aerr := decode(body, &in); aerr != nil {
			return nil, aerr
		}
		return s.generateDataKey(c, in)
	case "DescribeKey":
		var in describeKeyInput
		if aerr := decode(body, &in); aerr != nil {
			return nil, aerr
		}
		return s.describeKey(c, in)
	case "CreateKey":
		var in createKeyInput
		if aerr := decode(body, &in); aerr != nil {
			return nil, aerr
		}
		return s.createKeyOp(c, in)
	case "CreateAlias":
		var in createAliasInput
		if aerr := decode(body, &in); aerr != nil {
			return nil, aerr
		}
		return s.createAliasOp(c, in)
	}
	return nil, errorf(http.StatusBadRequest, "UnknownOperationException", "")
}

// decode reads a JSON request body strictly: one object, no unknown members (the SDK never sends any, so one is
// a client bug worth seeing). The message never quotes the body, which may hold plaintext.
func decode(body []byte, v any) *apiError {
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) && ute.Field != "" {
			return errorf(http.StatusBadRequest, "SerializationException", "member %s has the wrong type", ute.Field)
		}
		if strings.HasPrefix(err.Error(), "json: unknown field ") {
			return errorf(http.StatusBadRequest, "SerializationException", "unknown member %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
		}
		return errorf(http.StatusBadRequest, "SerializationException", "the request body is not a valid JSON object")
	}
	if dec.More() {
		return errorf(http.StatusBadRequest, "SerializationException", "trailing data after the JSON object")
	}
	return nil
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
