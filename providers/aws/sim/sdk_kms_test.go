package sim

import (
	"bytes"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/infrago/infra/stacks/secrets/kmssim/awskms"
)

// TestKMSOnTheSameListener checks that KMS requests (JSON 1.1, X-Amz-Target) reach the KMS simulator through the
// shared endpoint, with the SDK's own KMS client.
func TestKMSOnTheSameListener(t *testing.T) {
	t.Parallel()
	k, err := awskms.New(awskms.Options{Region: DefaultRegion, AccountID: DefaultAccountID})
	if err != nil {
		t.Fatal(err)
	}
	_, cfg := start(t, Options{KMS: k})
	key, err := k.CreateKey("", "stack secrets")
	if err != nil {
		t.Fatal(err)
	}
	c, ctx := kms.NewFromConfig(cfg), ctxT(t)
	enc, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(key.ARN), Plaintext: []byte("data key")})
	if err != nil {
		t.Fatal(err)
	}
	dec, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, KeyId: aws.String(key.ARN)})
	if err != nil || !bytes.Equal(dec.Plaintext, []byte("data key")) {
		t.Fatalf("Decrypt = %+v, %v", dec, err)
	}
	desc, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(key.ID)})
	if err != nil || aws.ToString(desc.KeyMetadata.Arn) != key.ARN {
		t.Fatalf("DescribeKey = %+v, %v", desc, err)
	}
}

// TestKMSWithoutHandler checks that a simulator without a KMS answers KMS requests with a KMS error.
func TestKMSWithoutHandler(t *testing.T) {
	t.Parallel()
	_, cfg := start(t, Options{})
	_, err := kms.NewFromConfig(cfg).Encrypt(ctxT(t), &kms.EncryptInput{KeyId: aws.String("alias/x"), Plaintext: []byte("x")})
	if code(err) != "UnknownOperationException" {
		t.Errorf("Encrypt without a KMS = %v", err)
	}
}
