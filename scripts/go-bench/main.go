// Command go-bench times Go's nats-io/jwt v2 on the work bench/examples/bench.rs times, for
// scripts/compare-go.sh: encode and decode (with verification) of the same typical user,
// signed by the same account key, and the bare Ed25519 sign and verify of the same
// number of bytes.
//
//	go-bench <N>
//
// prints `encode_user_ns_per_op`, `decode_user_ns_per_op`, `raw_sign_ns_per_op`,
// `raw_verify_ns_per_op` and `user_token_bytes`, one `name value` per line.
package main

import (
	"bytes"
	"crypto/ed25519"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nkeys"
)

// fixedKey is the key pair of prefix whose 32 seed bytes are all b (as fixed_key in
// bench/benches/common/mod.rs).
func fixedKey(prefix nkeys.PrefixByte, b byte) nkeys.KeyPair {
	kp, err := nkeys.FromRawSeed(prefix, bytes.Repeat([]byte{b}, 32))
	if err != nil {
		panic(err)
	}
	return kp
}

// typicalUser builds the claims typical_user in bench/benches/common/mod.rs builds.
func typicalUser(subject string) *jwt.UserClaims {
	uc := jwt.NewUserClaims(subject)
	uc.Name = "alice"
	uc.Expires = 4000000000
	uc.Pub.Allow.Add("orders.>", "billing.invoices.*", "_INBOX.>")
	uc.Pub.Deny.Add("orders.admin.>")
	uc.Sub.Allow.Add("orders.events.>", "_INBOX.>")
	uc.Sub.Deny.Add("orders.secret")
	uc.Resp = &jwt.ResponsePermission{MaxMsgs: 1, Expires: time.Second}
	uc.Limits.Subs = 1000
	uc.Limits.Data = 10 * 1024 * 1024
	uc.Limits.Payload = 1024 * 1024
	uc.AllowedConnectionTypes.Add("STANDARD", "WEBSOCKET")
	uc.Tags.Add("team:orders")
	return uc
}

// timeOp runs op n/10 (at least 10) times to warm up, then n times, and returns ns per op.
func timeOp(n int, op func()) int64 {
	warm := n / 10
	if warm < 10 {
		warm = 10
	}
	for i := 0; i < warm; i++ {
		op()
	}
	start := time.Now()
	for i := 0; i < n; i++ {
		op()
	}
	return time.Since(start).Nanoseconds() / int64(n)
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go-bench <N>")
		os.Exit(64)
	}
	n, err := strconv.Atoi(os.Args[1])
	if err != nil || n <= 0 {
		fmt.Fprintln(os.Stderr, "go-bench: N must be a positive integer")
		os.Exit(64)
	}
	account := fixedKey(nkeys.PrefixByteAccount, 2)
	user := fixedKey(nkeys.PrefixByteUser, 3)
	userPub, _ := user.PublicKey()
	claims := typicalUser(userPub)
	token, err := claims.Encode(account)
	if err != nil {
		panic(err)
	}
	if _, err := jwt.DecodeUserClaims(token); err != nil {
		panic(err)
	}

	// The bare operations on the bytes a user token signs, with the key already expanded
	// (nkeys' Sign re-derives the key from the seed on every call; that is part of jwt's
	// encode, not of a bare signature).
	dot := strings.LastIndexByte(token, '.')
	message := []byte(token[:dot])
	private := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{2}, 32))
	public := private.Public().(ed25519.PublicKey)
	signature := ed25519.Sign(private, message)

	var sink int
	fmt.Printf("encode_user_ns_per_op %d\n", timeOp(n, func() {
		t, err := claims.Encode(account)
		if err != nil {
			panic(err)
		}
		sink += len(t)
	}))
	fmt.Printf("decode_user_ns_per_op %d\n", timeOp(n, func() {
		c, err := jwt.DecodeUserClaims(token)
		if err != nil {
			panic(err)
		}
		sink += len(c.Name)
	}))
	fmt.Printf("raw_sign_ns_per_op %d\n", timeOp(n, func() {
		sink += len(ed25519.Sign(private, message))
	}))
	fmt.Printf("raw_verify_ns_per_op %d\n", timeOp(n, func() {
		if !ed25519.Verify(public, message, signature) {
			panic("signature does not verify")
		}
	}))
	fmt.Printf("user_token_bytes %d\n", len(token))
	if sink == 0 {
		fmt.Fprintln(os.Stderr, "nothing was measured")
	}
}
