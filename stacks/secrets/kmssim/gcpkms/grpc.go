package gcpkms

import (
	"context"
	"strings"

	"cloud.google.com/go/kms/apiv1/kmspb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// grpcService adapts the simulator to the generated gRPC server interface; methods it does not implement answer
// UNIMPLEMENTED.
type grpcService struct {
	kmspb.UnimplementedKeyManagementServiceServer
	s *Server
}

// RegisterGRPC registers the simulator's KeyManagementService on a gRPC server, for callers that run their own.
func (s *Server) RegisterGRPC(r grpc.ServiceRegistrar) {
	kmspb.RegisterKeyManagementServiceServer(r, grpcService{s: s})
}

// bearer returns the access token of a gRPC call ("" if none).
func bearer(ctx context.Context) string {
	md, _ := metadata.FromIncomingContext(ctx)
	for _, v := range md.Get("authorization") {
		if t, ok := strings.CutPrefix(v, "Bearer "); ok {
			return t
		}
	}
	return ""
}

func (g grpcService) Encrypt(ctx context.Context, req *kmspb.EncryptRequest) (*kmspb.EncryptResponse, error) {
	return g.s.encrypt(ctx, bearer(ctx), req)
}

func (g grpcService) Decrypt(ctx context.Context, req *kmspb.DecryptRequest) (*kmspb.DecryptResponse, error) {
	return g.s.decrypt(ctx, bearer(ctx), req)
}

func (g grpcService) GetCryptoKey(ctx context.Context, req *kmspb.GetCryptoKeyRequest) (*kmspb.CryptoKey, error) {
	return g.s.getCryptoKey(ctx, bearer(ctx), req)
}

func (g grpcService) GetKeyRing(ctx context.Context, req *kmspb.GetKeyRingRequest) (*kmspb.KeyRing, error) {
	return g.s.getKeyRing(ctx, bearer(ctx), req)
}

func (g grpcService) CreateKeyRing(ctx context.Context, req *kmspb.CreateKeyRingRequest) (*kmspb.KeyRing, error) {
	return g.s.createKeyRing(ctx, bearer(ctx), req)
}

func (g grpcService) CreateCryptoKey(ctx context.Context, req *kmspb.CreateCryptoKeyRequest) (*kmspb.CryptoKey, error) {
	return g.s.createCryptoKey(ctx, bearer(ctx), req)
}
