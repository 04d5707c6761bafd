package gcpkms

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"cloud.google.com/go/kms/apiv1/kmspb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// maxRESTBody bounds a REST request body: the largest legal request (a 10 MiB ciphertext in base64) fits.
const maxRESTBody = 16 << 20

// ServeREST serves the REST mapping of the methods the simulator implements:
//
//	POST /v1/{cryptoKey or version}:encrypt     POST /v1/{cryptoKey}:decrypt
//	GET  /v1/{cryptoKey}                       GET  /v1/{keyRing}
//	POST /v1/{location}/keyRings?keyRingId=ID  POST /v1/{keyRing}/cryptoKeys?cryptoKeyId=ID
func (s *Server) ServeREST(w http.ResponseWriter, r *http.Request) {
	resp, err := s.rest(r)
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	if err != nil {
		writeRESTError(w, err)
		return
	}
	body, err := protojson.Marshal(resp)
	if err != nil {
		writeRESTError(w, status.Error(codes.Internal, "encode response"))
		return
	}
	_, _ = w.Write(body)
}

func (s *Server) rest(r *http.Request) (proto.Message, error) {
	path, ok := strings.CutPrefix(r.URL.Path, "/v1/")
	if !ok {
		return nil, status.Errorf(codes.NotFound, "The requested URL %s was not found on this server.", r.URL.Path)
	}
	token := ""
	if t, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		token = t
	}
	ctx := r.Context()
	name, verb, _ := strings.Cut(path, ":")
	switch {
	case r.Method == http.MethodPost && verb == "encrypt":
		req := &kmspb.EncryptRequest{}
		if err := decodeBody(r, req); err != nil {
			return nil, err
		}
		if err := sameName(req.Name, name); err != nil {
			return nil, err
		}
		req.Name = name
		return s.encrypt(ctx, token, req)
	case r.Method == http.MethodPost && verb == "decrypt":
		req := &kmspb.DecryptRequest{}
		if err := decodeBody(r, req); err != nil {
			return nil, err
		}
		if err := sameName(req.Name, name); err != nil {
			return nil, err
		}
		req.Name = name
		return s.decrypt(ctx, token, req)
	case verb != "":
		return nil, status.Errorf(codes.Unimplemented, "Method %s is not implemented by the simulator.", verb)
	case r.Method == http.MethodGet && cryptoKeyPattern.MatchString(name):
		return s.getCryptoKey(ctx, token, &kmspb.GetCryptoKeyRequest{Name: name})
	case r.Method == http.MethodGet && keyRingPattern.MatchString(name):
		return s.getKeyRing(ctx, token, &kmspb.GetKeyRingRequest{Name: name})
	case r.Method == http.MethodPost && strings.HasSuffix(name, "/keyRings"):
		req := &kmspb.KeyRing{}
		if err := decodeBody(r, req); err != nil {
			return nil, err
		}
		return s.createKeyRing(ctx, token, &kmspb.CreateKeyRingRequest{
			Parent: strings.TrimSuffix(name, "/keyRings"), KeyRingId: r.URL.Query().Get("keyRingId"), KeyRing: req,
		})
	case r.Method == http.MethodPost && strings.HasSuffix(name, "/cryptoKeys"):
		req := &kmspb.CryptoKey{}
		if err := decodeBody(r, req); err != nil {
			return nil, err
		}
		return s.createCryptoKey(ctx, token, &kmspb.CreateCryptoKeyRequest{
			Parent: strings.TrimSuffix(name, "/cryptoKeys"), CryptoKeyId: r.URL.Query().Get("cryptoKeyId"), CryptoKey: req,
		})
	}
	return nil, status.Errorf(codes.NotFound, "The requested URL %s was not found on this server.", r.URL.Path)
}

func sameName(body, path string) error {
	if body != "" && body != path {
		return status.Error(codes.InvalidArgument, "The name in the request body does not match the name in the URL.")
	}
	return nil
}

// decodeBody reads a JSON request body strictly. Its message never quotes the body, which may hold plaintext.
func decodeBody(r *http.Request, m proto.Message) error {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRESTBody+1))
	if err != nil {
		return status.Error(codes.InvalidArgument, "Cannot read the request body.")
	}
	if len(body) > maxRESTBody {
		return status.Errorf(codes.InvalidArgument, "The request body is larger than %d bytes.", maxRESTBody)
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil
	}
	if err := protojson.Unmarshal(body, m); err != nil {
		return status.Error(codes.InvalidArgument, "Invalid JSON payload received.")
	}
	return nil
}

// httpStatus maps gRPC codes to HTTP statuses as Google's REST front ends do.
var httpStatus = map[codes.Code]int{
	codes.InvalidArgument:    http.StatusBadRequest,
	codes.FailedPrecondition: http.StatusBadRequest,
	codes.OutOfRange:         http.StatusBadRequest,
	codes.Unauthenticated:    http.StatusUnauthorized,
	codes.PermissionDenied:   http.StatusForbidden,
	codes.NotFound:           http.StatusNotFound,
	codes.AlreadyExists:      http.StatusConflict,
	codes.Aborted:            http.StatusConflict,
	codes.ResourceExhausted:  http.StatusTooManyRequests,
	codes.Canceled:           499,
	codes.Unimplemented:      http.StatusNotImplemented,
	codes.Unavailable:        http.StatusServiceUnavailable,
	codes.DeadlineExceeded:   http.StatusGatewayTimeout,
}

// writeRESTError writes Google's JSON error body: {"error": {"code": 404, "message": "...", "status": "NOT_FOUND"}}.
func writeRESTError(w http.ResponseWriter, err error) {
	st, _ := status.FromError(err)
	code, ok := httpStatus[st.Code()]
	if !ok {
		code = http.StatusInternalServerError
	}
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{
		"code": code, "message": st.Message(), "status": statusName(st.Code()),
	}})
}

// statusName is the canonical name of a code (NOT_FOUND, PERMISSION_DENIED, ...).
func statusName(c codes.Code) string {
	if c == codes.OK {
		return "OK"
	}
	var b strings.Builder
	for i, r := range c.String() {
		if i > 0 && r >= 'A' && r <= 'Z' {
			b.WriteByte('_')
		}
		b.WriteRune(r)
	}
	return strings.ToUpper(b.String())
}
